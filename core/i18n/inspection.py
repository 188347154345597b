"""The inspection package's user-visible wording, in Simplified Chinese, kept in one place."""

from __future__ import annotations

from typing import Any

from core.i18n.common import SEVERITY

__all__ = ["CLI", "FINDING_KIND", "HOMEPAGE_UNREACHABLE", "INSUFFICIENT", "NOT_JUDGED", "RUN_STATUS", "SEVERITY",
           "SUFFICIENCY", "SUFFICIENCY_UNIT", "VETO_ITEM", "VETO_STATUS", "fetch_error_zh", "sufficiency_text"]

# A check's Chinese name is declared on the check (``label_zh``); inspection.catalog.CHECK_LABEL reads them.

FINDING_KIND = {
    "probe_failures": "首页无法访问比例超标",
    "probe_coverage": "监测次数不足",
    "homepage_down": "首页当前无法访问",
    "homepage_stale": "首页长期未更新",
    "homepage_due": "首页即将超期未更新",
    "column_stale": "栏目未按时更新",
    "column_blank": "空白栏目",
    "column_due": "栏目即将超期未更新",
    "column_overdue": "栏目未按期更新（扣分项）",
    "column_unreadable": "栏目无法读取",
    "dead_link_homepage": "首页链接不可用",
    "dead_link_page": "其他页面链接不可用",
    "wrong_name": "领导姓名职务错误",
    "wrong_formulation": "规范表述错误",
    "banned_word": "违禁词",
    "misspelt_name": "名称错别字",
    "misspelt_place": "行政区划名称错别字",
    "misspelt_formulation": "规范表述错别字",
    "message_unanswered": "留言超期未答复",
    "message_due": "留言即将超期未答复",
    "no_channel": "无有效互动渠道",
    "fingerprint_drift": "首页内容异常变化（疑似篡改）",
    "external_script": "新增外部脚本或框架",
    "hidden_link": "隐藏链接（暗链）",
    "page_hidden_link": "页面隐藏链接（暗链）",
    "page_external_script": "页面外部脚本或框架",
    "missing_site_code": "缺少政府网站标识码",
    "site_code_mismatch": "网站标识码与登记不一致",
    "missing_icp": "缺少 ICP 备案号",
    "missing_psb": "缺少公安机关备案号",
    "tls_expiring": "证书即将到期",
    "tls_invalid": "证书无效",
    "search_missing": "未提供站内搜索",
    "search_broken": "站内搜索不可用",
    "correction_missing": "缺少“我要纠错”入口",
    "ipv6_missing": "不支持 IPv6 访问",
    "ipv6_unreachable": "IPv6 地址无法访问",
    "guide_incomplete": "办事指南要素缺失",
    "no_service_guides": "办事指南栏目无内容",
    "online_service_broken": "在线服务系统无法使用",
    "interpretation_unlinked": "解读未关联政策文件",
    "policy_unlinked": "政策文件未链接解读",
    "interpretation_ratio_low": "政策解读比例偏低",
}

RUN_STATUS = {"ok": "完成", "error": "无法判定", "timeout": "超时"}

# --- Evidence of findings (inspection/evidence.py): every top-level key a check declares in its
# ``evidence_keys`` has a label here (a test enforces it). The order is the display priority. ---
EVIDENCE_LABEL = {
    "status": "状态码",
    "error_zh": "错误",
    "error": "错误类型",
    "reason": "原因",
    "ratio": "失败比例",
    "failed": "失败次数",
    "total": "探测次数",
    "probes_counted": "计入监测",
    "sufficient": "数据是否充足",
    "matched": "错误表述",
    "expected": "应为",
    "context": "上下文",
    "host": "域名",
    "hidden_by": "隐藏方式",
    "text": "锚文本",
    "suspicious": "疑似赌博色情",
    "tag": "元素",
    "new_foreign_sources": "新增外部资源",
    "distance": "页面变化",
    "added": "新增内容",
    "removed": "移除内容",
    "added_resources": "新增资源",
    "removed_resources": "移除资源",
    "site_code": "页面标识码",
    "meta_site_code": "页面元数据标识码",
    "registered_code": "登记标识码",
    "icp": "ICP备案号",
    "psb": "公安备案号",
    "not_after": "证书到期",
    "newest_date": "最新发布",
    "newest_title": "最新信息",
    "days_since_update": "未更新天数",
    "days_left": "剩余天数",
    "title": "留言标题",
    "asked_date": "留言日期",
    "days_open": "已等待",
    "limit_days": "答复时限",
    "column": "栏目",
    "kind": "栏目类型",
    "group": "否决计数类别",
    "entries": "信息条数",
    "sample": "信息示例",
    "columns": "咨询栏目数",
    "anchor_text": "链接文字",
    "page_count": "出现页面",
    "pages": "所在页面",
    "page": "所在页面",
    "count": "出现次数",
    "hits": "全部命中",
    "linked_from": "链接来源",
    "window_days": "更新周期",
    "threshold": "否决线",
    "warning": "预警线",
    "probes_needed": "规则要求监测",
    "probes_per_day": "每天至少监测",
    "days_covered": "满足要求天数",
    "short_days": "监测不足的日子",
    "window_start": "统计开始",
    "window_end": "统计截止",
    "detail": "原始错误信息",
    "anchors": "全部链接文字",
    "tags": "引用方式",
    "on_homepage": "位于首页",
    "navigation": "导航型首页",
    "second_level_pages": "读取的二级页面",
    "newest_url": "最新信息地址",
    "column_url": "栏目地址",
    "truncated": "列表已截断",
    "year_inferred": "年份为推断",
    "dictionary_version": "词库版本",
    "lexicon_version": "规范词表版本",
    "term_class": "规范词类别",
    "confusion": "疑似原因",
    "digest": "当前页面指纹",
    "baseline_digest": "基线页面指纹",
    "tries": "当场尝试次数",
    "errors": "各次失败原因",
    "limit_s": "每次限时",
    "targets": "外部目标",
    "search_url": "搜索地址",
    "search_term": "搜索词",
    "address": "IPv6 地址",
    "guide_title": "办事指南",
    "missing": "缺少要素",
    "missing_count": "缺少要素数",
    "missing_at": "要素缺失判定线",
    "doc_title": "文件标题",
    "policy_url": "政策文件地址",
    "interpretation_url": "解读地址",
    "interpretation_ratio": "解读比例",
    "policies": "政策文件数",
    "interpreted": "有解读的文件数",
    "min_ratio": "最低比例",
}

EVIDENCE_OTHER = "其他"  # the label of an evidence key without its own (a test keeps every declared key labelled)

# Shown only in the full evidence (hover title), not in the wall's short summary.
EVIDENCE_DETAIL_ONLY = frozenset({
    "probes_needed", "probes_per_day", "days_covered", "short_days", "window_start", "window_end", "detail",
    "anchors", "tags", "on_homepage", "navigation", "second_level_pages", "newest_url", "column_url", "truncated",
    "year_inferred", "dictionary_version", "lexicon_version", "digest", "baseline_digest", "sufficient", "threshold",
    "warning", "hits", "window_days", "pages", "removed_resources", "limit_s", "targets",
})

# Values that are codes, in words.
EVIDENCE_VALUE = {
    "error": {"timeout": "访问超时", "dns": "域名无法解析", "refused": "连接被拒绝", "reset": "连接被重置",
              "tls": "证书或加密连接错误", "redirect_loop": "重定向循环", "too_large": "页面过大",
              "blocked": "指向内网地址，未访问",
              "other": "其他错误", "http_status": "HTTP 错误状态", "not_html": "不是网页",
              "no_dates": "未找到发布日期", "no_items": "未识别到信息列表"},
    "reason": {"no_dates": "首页没有带日期的信息", "expired": "证书已过期", "untrusted": "证书不受信任",
               "no_form": "首页没有搜索表单", "unreachable": "搜索结果页无法访问",
               "http_error": "搜索结果页返回错误状态", "no_results": "搜索没有结果", "no_aaaa": "没有 AAAA 记录",
               "connect_failed": "IPv6 连接失败"},
    "tag": {"script": "脚本", "iframe": "内嵌框架"},
    "tags": {"a": "链接", "img": "图片", "script": "脚本", "link": "样式表", "iframe": "内嵌框架",
             "frame": "框架", "embed": "嵌入对象", "source": "媒体", "area": "图片热区", "form": "表单"},
    "group": {"a": "(a) 要闻动态、通知公告、政策文件", "b": "(b) 应更新栏目", "c": "(c) 空白栏目",
              "d": "扣分项栏目"},
    "term_class": {"country": "国家名称", "party": "党的名称和中央机构", "state_organ": "中央国家机关名称",
                   "local_organ": "地方党政机关名称", "division": "行政区划名称", "formulation": "规范政治表述"},
    "confusion": {"homophone": "同音字", "lookalike": "形近字"},
}
EVIDENCE_UNIT = {"window_days": "天", "days_left": "天", "days_since_update": "天", "days_open": "天",
                 "limit_days": "天", "page_count": "页", "count": "处", "entries": "条", "columns": "个",
                 "failed": "次", "total": "次", "probes_per_day": "次", "second_level_pages": "页",
                 "probes_needed": "次", "days_covered": "天", "tries": "次", "limit_s": "秒", "missing_count": "项",
                 "missing_at": "项", "policies": "件", "interpreted": "件"}


NOT_JUDGED = "未检查：{reason}"  # a page-reading check the runner skipped: the homepage does not answer now
HOMEPAGE_UNREACHABLE = "首页当前无法访问（{error}）"  # the reason, with fetch_error_zh's words for the failure

def fetch_error_zh(kind: str) -> str:
    """A fetch failure class (webread/fetch.py ``FetchError.kind``) in words; "HTTP 404" for a status."""
    return f"HTTP {kind}" if kind.isdigit() else EVIDENCE_VALUE["error"].get(kind, kind)


EVIDENCE_PERCENT = frozenset({"ratio", "distance", "threshold", "warning", "interpretation_ratio", "min_ratio"})
EVIDENCE_TIME = frozenset({"window_start", "window_end", "not_after"})
EVIDENCE_WORDS = {"yes": "是", "no": "否", "more": "等 {n} 项", "hits": "{n} 处", "hit": "“{matched}”应为“{expected}”",
                  "hit_banned": "“{matched}”", "short_day": "{day} 起 {n} 次", "days": "{n} 天",
                  "sufficiency": "{have}/{need} 次（{covered} 天满足）"}

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

VETO_STATUS = {"breached": "已触发", "at_risk": "临近触发", "ok": "未触发", "insufficient": "数据不足",
               "unknown": "未检查"}

# --- Data sufficiency of look-back verdicts (inspection/veto.py Sufficiency) ---
SUFFICIENCY_UNIT = {"probes": "次监测", "days": "天"}
SUFFICIENCY = "已有 {have}/{need} {unit}"  # "已有 5/140 次监测"
INSUFFICIENT = "数据不足（已有 {have}/{need} {unit}）"  # a verdict not reached yet

# Any: message templates (str) beside the table header (a tuple of str)
CLI: dict[str, Any] = {
    "bad_date": "日期格式错误：--as-of {value!r}，应为 YYYY-MM-DD，例如 2026-11-27",
    "unknown_site": "未登记的网站标识码：{codes}",
    "empty_site": "网站标识码不能为空：--site {value!r}",
    "unknown_check": "未知的检查项：{names}；可用的检查项：{known}",
    "no_checks": "没有指定检查项：--checks {value!r}；可用的检查项：{known}",
    "no_sites": "登记表中没有可检查的网站（已启用的网站为 0 个）",
    "rules_error": "检查规则文件错误：{error}",
    "demo_failed": "演示网站集群无法启动：{error}",
    "interrupted": "已中断：已完成的检查结果已保存",
    "start": "开始检查：{sites} 个网站 × {checks} 项检查，监测时间点 {as_of}（{zone}）",
    "progress": "检查",
    "progress_unit": "个网站",
    "progress_bar": "{desc} {n_fmt}/{total_fmt} 个网站 |{bar}| {percentage:3.0f}% 已用 {elapsed}，预计还需 {remaining}"
                    "{current}",
    "progress_line": "检查进度：{done}/{total} 个网站（{pct}%），已用时 {elapsed}{current}",
    "progress_current": "，最近完成 {site}",
    "summary": "检查完成：{sites} 个网站、{runs} 项次（完成 {ok}，无法判定 {error}，超时 {timeout}），用时 {elapsed}；"
               "未解决问题 {findings} 个（{by_severity}）；单项否决：已触发 {vetoed} 个网站，临近触发 {at_risk} 个，"
               "数据不足 {insufficient} 个",
    "run_failed": "{check}{status}：{n} 个网站（{sites}）：{error}",
    "and_more": " 等 {n} 个",
    "no_findings": "未发现问题",
    "hints_title": "监测提示：",
    "hint": "{kind}：{n} 个网站",
    "verdicts_title": "单项否决（监测时间点 {as_of}，{zone}）：",
    "verdict": "{code} {name}：{item} {status}{when}",
    "verdict_short": "{item} {status}：{n} 个网站{coverage}",
    "verdicts_none": "未发现已触发或临近触发的否决项",
    "days_left": "（距触发 {n} 天）",
    "header": ("网站标识码", "检查项", "问题类型", "级别", "位置", "说明", "期限", "否决", "首次发现"),
    "yes": "是",
    "no": "否",
    "demo_started": "演示网站集群已启动：{n} 个网站",
    "coverage_title": "全站覆盖（每 {days} 天检查一遍）：",
    "coverage": "覆盖：{name} 已知 {known:,} 页，本周期已检查 {checked:,} 页（{pct:.1f}%）",
}



def sufficiency_text(have: int | str, need: int, unit: str, *, verdict: bool = False) -> str:
    """"已有 5/140 次监测", or with ``verdict`` "数据不足（已有 5/140 次监测）": ``have`` counted toward the rule's
    minimum of ``need``. The one wording of a look-back rule's progress: the site page, ``inspect`` and the
    alert console (alerts/coverage.py) all say it through this function."""
    u = SUFFICIENCY_UNIT.get(unit, unit)
    return (INSUFFICIENT if verdict else SUFFICIENCY).format(have=have, need=need, unit=u)
