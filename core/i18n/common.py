"""Every user-visible string, in Simplified Chinese, kept in one place."""

from __future__ import annotations

APP_TITLE = "湖南省政府网站集约化管理平台 · 运维指挥中心"
APP_SHORT = "运维指挥中心"

NODE_LEVEL = {"province": "省级", "city": "市州", "county": "县市区"}
SITE_LEVEL = {
    "provincial_portal": "省政府门户网站",
    "provincial_department": "省直部门网站",
    "city_portal": "市州政府门户网站",
    "city_department": "市直部门网站",
    "county_portal": "县市区政府门户网站",
}
COLUMN_KIND = {
    "news": "要闻动态",
    "notice": "通知公告",
    "policy": "政策文件",
    "personnel": "人事信息",
    "planning": "规划计划",
    "consultation": "政务咨询",
    "other": "其他",
    "service": "办事指南",
    "service_stats": "办事统计",
    "message_replies": "留言答复公开",
    "interpretation": "政策解读",
    "data_release": "数据发布",
}
PLATFORM = {
    "wechat": "微信",
    "weibo": "微博",
    "douyin": "抖音",
    "toutiao": "今日头条",
    "kuaishou": "快手",
    "app": "客户端",
    "other": "其他",
}
HOST_ROLE = {
    "web": "Web 服务器",
    "cms": "内容管理",
    "database": "数据库",
    "search": "搜索",
    "queue": "发布队列",
    "proxy": "代理",
    "storage": "存储",
    "other": "其他",
}

# Health states shown on screens. "stale" is never shown as healthy.
STATUS = {"up": "正常", "down": "故障", "slow": "缓慢", "stale": "数据过期", "unknown": "未知"}

# Probe failure classes (webread.probe) as operators read them.
PROBE_ERROR = {
    "timeout": "超时（未在时限内打开）",
    "dns": "域名解析失败",
    "refused": "连接被拒绝",
    "reset": "连接被重置",
    "tls": "证书错误",
    "http_status": "HTTP 错误状态",
    "too_large": "页面过大",
    "blocked": "跳转到内网地址，未访问",
    "other": "其他错误",
}

# --- Inspection (inspection/base.Severity); the rest of the inspection wording is in core/i18n/inspection.py ---
SEVERITY = {"critical": "紧急", "high": "严重", "medium": "一般", "low": "提示"}
