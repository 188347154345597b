"""Wording of the alert rules page (告警规则, /rules), in Simplified Chinese, kept in one place."""

from __future__ import annotations

from core.i18n.alerts import LABEL_NAME
from core.i18n.common import SEVERITY
from core.i18n.inspection import FINDING_KIND as INSPECTION_FINDING_KIND
from core.i18n.media import CHECK_LABEL as MEDIA_CHECK
from core.i18n.media import FINDING_KIND as MEDIA_FINDING_KIND

# Each check's name is declared by the check plug-in itself: layouts/rules.py reads inspection.catalog.CHECK_LABEL,
# beside the new-media findings' check (MEDIA_CHECK, newmedia/findings.py).
FINDING_KIND = {**INSPECTION_FINDING_KIND, **MEDIA_FINDING_KIND}
__all__ = ["AGG", "FINDING_KIND", "KIND", "LABEL_NAME", "MEDIA_CHECK", "OP", "SEVERITY", "STATE_NOTE", "SUMMARY_FACT",
           "TR"]

# Rule kinds (alerts/rules.py KINDS).
KIND = {"threshold": "阈值", "absence": "数据中断", "ratio": "比例", "finding": "巡检发现", "forecast": "趋势预测"}

# Aggregations over the window (tsdb/store.py AGGS).
AGG = {"avg": "平均值", "min": "最小值", "max": "最大值", "sum": "总和", "count": "数据点数", "last": "最新值"}

# Comparisons (alerts/rules.py OPS).
OP = {">": "大于", ">=": "大于等于", "<": "小于", "<=": "小于等于", "==": "等于", "!=": "不等于"}

# Measurement and metric names: their declarations (tsdb.catalogue).
# LABEL_NAME: each label key's one Chinese name (core/i18n/alerts.py, shared with the console).

# Computed placeholders of summaries (alerts/summary.py), as the page shows them.
SUMMARY_FACT = {"threshold": "〈阈值〉", "limit": "〈允许中断时长〉", "interval": "〈采集间隔〉",
                "samples": "〈样本数〉", "duration": "〈持续时长〉", "silence": "〈中断时长〉",
                "days_left": "〈到期情况〉", "days": "〈预计剩余时间〉", "target": "〈预测上限〉"}

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
    FILE_INHIBITS = "抑制规则 {n} 条"
    INHIBIT_TITLE = "抑制规则（一个故障只算一个问题）"
    INHIBIT = ("当 {source} 的告警触发时，{equal}相同且符合 {target} 的告警作为它的关联告警："
               "不单独通知，不上大屏，在告警处置页列在它下面")
    AND = " 且 "
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
    FORECAST = "{metric} 按近 {window}的稳健线性趋势（Theil–Sen），预计不到 {within}{reach} {limit}"
    FORECAST_UP, FORECAST_DOWN = "升至上限", "降至下限"
    FORECAST_LIMIT_FIELD = "同一序列的 {field} 字段"
    FORECAST_DATA = "数据要求：至少 {n} 个数据点、覆盖 {span}"
    RATIO_INVERT = "失败比例（1 − 平均值）"
    RATIO_PLAIN = "平均值"
    ABSENCE = "{metric} 超过 {span} 没有数据"
    ABSENCE_INTERVALS = "{metric} 超过 {n} 个采集间隔没有数据（不少于 {span}；间隔取自{source}，间隔未知时不判定）"
    INTERVAL_FIELD = "同一序列的 {metric}"
    INTERVAL_OF = "采集器 {collector} 记录的 {metric}"
    DATA_MIN_PER = "数据要求：近 {window} 每 {per} 至少 {n} 次监测，不足时不判定"
    DATA_MIN = "数据要求：窗口内至少 {n} 次监测，不足时不判定"
    COVERAGE_NONE = "监测中：尚无数据"
    COVERAGE_ALL = "监测中：{n} 个对象数据充足，可判定"
    COVERAGE_SOME = "监测中：数据充足 {ok} 个，数据不足 {short} 个（不判定；最多{best}）"  # best: 已有 N/M 次监测
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
