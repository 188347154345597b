"""The inspection package's user-visible wording, in Simplified Chinese, kept in one place."""

from __future__ import annotations

from core.text import SEVERITY

__all__ = ["CHECK_LABEL", "CLI", "FINDING_KIND", "RUN_STATUS", "SEVERITY", "VETO_ITEM", "VETO_STATUS"]

CHECK_LABEL = {
    "availability": "首页可用性",
    "homepage_update": "首页更新",
    "column_freshness": "栏目更新",
    "dead_links": "链接可用性",
    "content_errors": "严重表述错误",
    "interaction": "互动回应",
    "defacement": "网页篡改与暗链",
    "identity": "网站标识与证书",
}

FINDING_KIND = {
    "probe_failures": "首页无法访问比例超标",
    "probe_coverage": "监测次数不足",
    "homepage_stale": "首页长期未更新",
    "homepage_due": "首页即将超期未更新",
    "column_stale": "栏目未按时更新",
    "column_blank": "空白栏目",
    "column_due": "栏目即将超期未更新",
    "column_unreadable": "栏目无法读取",
    "dead_link_homepage": "首页链接不可用",
    "dead_link_page": "其他页面链接不可用",
    "wrong_name": "领导姓名职务错误",
    "wrong_formulation": "规范表述错误",
    "banned_word": "违禁词",
    "message_unanswered": "留言超期未答复",
    "message_due": "留言即将超期未答复",
    "no_channel": "无有效互动渠道",
    "fingerprint_drift": "首页内容异常变化（疑似篡改）",
    "external_script": "新增外部脚本或框架",
    "hidden_link": "隐藏链接（暗链）",
    "missing_site_code": "缺少政府网站标识码",
    "missing_icp": "缺少 ICP 备案号",
    "missing_psb": "缺少公安机关备案号",
    "tls_expiring": "证书即将到期",
    "tls_invalid": "证书无效",
}

RUN_STATUS = {"ok": "完成", "error": "无法判定", "timeout": "超时"}

VETO_ITEM = {
    "unreachable": "站点无法访问",
    "homepage_stale": "首页不更新",
    "columns_stale": "栏目不更新：要闻动态、通知公告、政策文件栏目未按时更新",
    "columns_long_stale": "栏目不更新：应更新栏目长期未更新",
    "columns_blank": "栏目不更新：空白栏目",
    "serious_errors": "严重错误与安全泄密",
    "poor_interaction": "互动回应差",
    "services": "服务不实用",
}

VETO_STATUS = {"breached": "已触发", "at_risk": "临近触发", "ok": "未触发", "unknown": "未检查"}

CLI = {
    "bad_date": "日期格式错误：--as-of {value!r}，应为 YYYY-MM-DD，例如 2026-11-27",
    "unknown_site": "未登记的网站标识码：{codes}",
    "unknown_check": "未知的检查项：{names}；可用的检查项：{known}",
    "no_sites": "登记表中没有可检查的网站（已启用的网站为 0 个）",
    "rules_error": "检查规则文件错误：{error}",
    "progress": "检查",
    "summary": "共检查 {sites} 个网站、{runs} 项次：完成 {ok}，无法判定 {error}，超时 {timeout}；"
               "当前未解决问题 {findings} 个",
    "run_failed": "{site} {check}：{status}：{error}",
    "no_findings": "未发现问题",
    "header": ("网站标识码", "检查项", "问题类型", "级别", "位置", "说明", "期限", "否决", "首次发现"),
    "yes": "是",
    "no": "否",
    "demo_started": "演示网站集群已启动：{n} 个网站",
}
