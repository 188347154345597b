"""Wording of the alert rules page (告警规则, /rules), in Simplified Chinese, kept in one place."""

from __future__ import annotations

from core.text import SEVERITY
from inspection.text import CHECK_LABEL, FINDING_KIND

__all__ = ["AGG", "CHECK_LABEL", "FINDING_KIND", "KIND", "LABEL_NAME", "MEASUREMENT", "OP", "SEVERITY", "STATE_NOTE",
           "TR"]

# Rule kinds (alerts/rules.py KINDS).
KIND = {"threshold": "阈值", "absence": "数据中断", "ratio": "比例", "finding": "巡检发现"}

# Aggregations over the window (tsdb/store.py AGGS).
AGG = {"avg": "平均值", "min": "最小值", "max": "最大值", "sum": "总和", "count": "数据点数", "last": "最新值"}

# Comparisons (alerts/rules.py OPS).
OP = {">": "大于", ">=": "大于等于", "<": "小于", "<=": "小于等于", "==": "等于", "!=": "不等于"}

# Measurements without a collector declaration in this process, and the labels rules group by.
MEASUREMENT = {"site_probe": "网站探测", "host": "主机", "host_disk": "主机磁盘", "collector_run": "采集器运行",
               "inspection": "巡检"}
LABEL_NAME = {"site": "网站", "node": "节点", "city": "市州", "level": "网站类别", "host": "主机", "mount": "挂载点",
              "collector": "采集器", "check": "检查项", "kind": "问题类型", "location": "位置"}

# The set as a whole (dashboard/rules_data.py STATE_*): what the engine does with these files.
STATE_NOTE = {
    "ok": "规则文件已全部载入：生效规则 {rules} 条，来自 {files} 个文件（目录 {directory}）。",
    "kept": "规则文件有误，修改未生效：任一文件有误时告警引擎拒绝整套新规则（所有文件都不载入），"
            "继续按上次完整载入的规则运行。下列为仍在生效的 {rules} 条规则；改正错误后自动载入。",
    "rejected": "规则文件有误，当前没有规则在运行：任一文件有误时告警引擎拒绝整套规则，且此前没有成功载入过规则，"
                "不评估任何告警。改正错误后自动载入。",
    "empty_kept": "规则目录 {directory} 中没有规则文件：继续按上次载入的 {rules} 条规则运行。",
    "empty": "规则目录 {directory} 中没有规则文件：当前不评估任何告警。",
}


class TR:
    """Labels of the rules page."""

    PAGE = "告警规则"
    FILTER_SEVERITY = "级别"
    FILTER_KIND = "类型"
    FILTER_TEXT = "搜索"
    TEXT_PLACEHOLDER = "规则名、指标、标签、摘要…"
    ANY = "全部"
    SHOWN = "显示 {shown} / {total} 条规则"
    COLUMNS = ("规则", "类型", "级别", "触发条件", "持续与保持", "附加标签", "分组", "未恢复告警")
    OPEN_SCOPE_PROVINCE = "未恢复告警按全省统计"
    OPEN_SCOPE_CITY = "未恢复告警仅统计本市州（{code}）"
    FILE_MTIME = "修改时间"
    FILE_SHA = "SHA-256"
    FILE_RULES = "生效规则 {n} 条"
    FILE_IN_FORCE = "生效中"
    FILE_BROKEN = "有误，未载入"
    FILE_REMOVED = "已从目录删除，规则仍在生效"
    FILE_LOADED = "生效版本：修改时间 {mtime} · SHA-256 {sha}（磁盘上的当前内容未载入）"
    FILE_NOT_LOADED = "本文件没有规则在生效"
    FILE_UNREADABLE = "无法读取"
    NO_MATCH = "本文件没有符合筛选条件的规则"
    NO_RULES = "本文件没有规则"
    VERSION_NOTE = ("文件版本以修改时间和内容 SHA-256 前 12 位标识；"
                    "告警引擎每轮评估前检查规则目录，文件变化后自动重新载入。")
    READ_ONLY = "规则为全省统一配置，此处只读；修改请编辑规则文件并用 python app.py rules check 校验。"

    # conditions
    METRIC = "{label}（{key}）"
    THRESHOLD = "{metric} 近 {window}{agg} {op}（{sym}）{value}"
    RATIO = "{metric} 近 {window}{what} {op}（{sym}）{value}"
    RATIO_INVERT = "失败比例（1 − 平均值）"
    RATIO_PLAIN = "平均值"
    ABSENCE = "{metric} 超过 {span} 没有数据"
    FINDING = "巡检项 {checks} 发现问题"
    FINDING_KINDS = "问题类型：{kinds}"
    FINDING_MIN = "级别不低于 {severity}"
    FINDING_DEADLINE = "{days} 天内到期"
    FOR = "持续 {span} 后触发"
    FOR_NONE = "满足即触发"
    KEEP = "恢复后保持 {span}"
    KEEP_NONE = "条件消失即恢复"
    SUMMARY_VALUE = "〈值〉"
    DAY = "天"
    HOUR = "小时"
    MINUTE = "分钟"
    SECOND = "秒"
    NONE = "—"
    SEP = "；"
    LIST_SEP = "、"
