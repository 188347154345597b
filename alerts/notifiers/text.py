"""User-visible wording of notifications (Simplified Chinese), kept in one place."""

from __future__ import annotations

SEVERITY_TAG = {"critical": "【紧急】", "high": "【严重】", "medium": "【一般】", "low": "【提示】"}
RATE_LIMITED_SUMMARY = "另有 {count} 条告警通知因发送频率限制被合并，未单独发送："
RATE_LIMITED_MORE = "……等共 {count} 条"
EMAIL_FOOTER = "—— 湖南省政府网站集约化管理平台 · 运维指挥中心（系统自动发送，请勿直接回复）"
ALERT_COUNT = "涉及告警 {count} 条"
