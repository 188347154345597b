"""User-visible alerting wording, in Simplified Chinese. Each area keeps its own block."""

from __future__ import annotations

# --- Alert summaries computed when shown (alerts/summary.py) ---

NO_VALUE = "—"
DETAIL_MISSING = "未记录"  # a rule's detail field (e.g. {reason}) the series has no value of
LIST_SEP = "、"
UNIT_SECOND, UNIT_MINUTE, UNIT_HOUR, UNIT_DAY = "秒", "分钟", "小时", "天"
DURATION_PENDING = "已持续 {span}（待触发）"
DURATION_OPEN = "自 {since} 起已持续 {span}"
DURATION_RESOLVED = "持续 {span} 后恢复"
ELAPSED_PENDING = "{span}（待触发）"
ELAPSED_RESOLVED = "{span}（已恢复）"
EXPIRED_DAYS = "已过期 {days} 天"
EXPIRED_TODAY = "已于今天过期"
EXPIRES_TODAY = "今天到期"
EXPIRES_IN = "将在 {days} 天后到期"
OVERDUE_DAYS = "已逾期 {days} 天"  # {overdue}: past a finding's deadline (an overdue rectification notice)
NOT_OVERDUE = "未逾期"
# Capacity forecasts (alerts/forecast.py): the time a trend leaves until its limit, never overstated.
FORECAST_DAYS = "约 {days} 天"
FORECAST_UNDER_DAY = "不到 1 天"
FORECAST_REACHED = "已达到上限"
FORECAST_REACHED_FLOOR = "已降至下限"
FORECAST_NOT_REACHING = "按当前趋势不会达到"
FORECAST_INSUFFICIENT = "数据不足（已有 {points}/{need} 个数据点，覆盖 {span}/{window}）"
FORECAST_TREND = "趋势 {slope}/天，当前约 {level}，上限 {limit}（{points} 个数据点，覆盖 {span}/{window}）"
COVERAGE_OK = "数据充足（共 {samples} 次监测）"  # short of data: core.i18n.inspection.sufficiency_text, as everywhere
SUMMARY_POSITIONAL = "占位符须有名称（如 {labels[site]}、{value}），不能用 {} 或 {0}"
SUMMARY_DISPLAY_SPEC = "占位符 {{{name}}} 在显示时计算，不能带格式或下标"
SUMMARY_UNKNOWN = "未知的占位符 {names}（可用：{known}）"

# --- On-call: silences, pipeline, operator actions, roster (alerts/silences, pipeline, oncall, roster) ---

SILENCE_KIND = {"silence": "静默", "maintenance": "维护窗口"}
SILENCE_STATE = {"pending": "未开始", "active": "生效中", "expired": "已过期"}
AUDIT_SILENCE_CREATE = "新建{kind}：{matchers}；原因：{reason}"
AUDIT_SILENCE_EXPIRE = "提前结束{kind}：{matchers}"

SUPPRESS_REASON = {
    "inhibited": "被告警 #{source} 抑制",
    "silenced": "被静默 #{id} 屏蔽（{author}：{reason}）",
    "maintenance": "处于维护窗口 #{id}（{author}：{reason}）",
    "no_recipient": "当前无人值班（{scope} 第 {tier} 级）",
}

# The one name of each alert state, everywhere: screens, notifications and audit summaries.
ALERT_STATE = {"pending": "待触发", "firing": "告警中", "acknowledged": "已确认", "resolved": "已恢复"}
# An alert by its number, never its rule's code (dashboard/audit_data.py rewrites only older entries).
AUDIT_STATE_CHANGE = "告警 #{id}（{summary}）状态：{from_state} → {to_state}"
AUDIT_STATE_NEW = "新建"
REASON_REMOVED = "规则已删除"  # resolve_reason of an open alert whose rule was removed
REASON_REGROUPED = "规则分组已修改，按新分组重新判定"  # ... whose rule no longer groups it so

AUDIT_ACK = "确认告警 #{id}：{note}"
AUDIT_UNACK = "取消确认告警 #{id}"
AUDIT_SEVERITY = "告警 #{id} 级别由 {old} 改为 {new}"
AUDIT_ASSIGN = "告警 #{id} 指派给 {user}"
AUDIT_CLOSE = "手动关闭告警 #{id}：{reason}"
AUDIT_NOTE = "告警 #{id} 备注：{note}"
AUDIT_CONFLICT = "告警 #{id} 的{action}未生效：已被他人先行处理"
AUDIT_DENIED = "无权处理告警 #{id}（所属地区 {city}）"
AUDIT_ESCALATE = "告警 #{id} 超时未确认，升级到第 {tier} 级"
AUDIT_HANDOVER = "交接班：{from_user} → {to_user}，移交未关闭告警 {count} 条；{note}"
AUDIT_SHIFT = "排班：{user} 第 {tier} 级值班 {start} 至 {end}"
ACTION = {"ack": "确认", "unack": "取消确认", "severity": "级别调整", "assign": "指派", "close": "关闭", "note": "备注"}

NOTIFY_TITLE = "【{severity}】{city}告警 {count} 条"
NOTIFY_RESOLVED_TITLE = "【已恢复】{city}告警 {count} 条已恢复"
NOTIFY_DURATION = "（{duration}）"

SERVICE_SKIP = {
    "rules_rejected": "规则文件有误，未载入：{exc}",
    "rules_kept": "规则文件有误，未载入，继续按原规则运行：{exc}",
    "no_rules": "目录 {path} 中没有规则文件",
    "no_receivers": "未找到通知接收方配置文件 {path}",
}

# --- Duty screen (/oncall): roster changes (alerts/roster.py) ---

AUDIT_SHIFT_REMOVE = "删除排班：{user} 第 {tier} 级值班 {start} 至 {end}"

# --- Alert labels as people read them (alerts/labels.py composes these with the checks' declared names) ---

PROVINCE_LEVEL = "省本级"  # the province's own sites and alerts, as the screens call them
# Each label key's one Chinese name (the /rules page uses it too, beside the raw key).
LABEL_NAME = {"site": "网站", "node": "节点", "city": "市州", "level": "网站类别", "host": "主机", "mount": "挂载点",
              "collector": "采集器", "check": "检查项", "kind": "问题类型", "location": "位置", "veto": "单项否决",
              "account": "新媒体账号", "notice": "整改通知",
              "inhibits": "抑制范围"}
# Label values with fixed wording; check, kind and level values are named where they are declared.
LABEL_VALUE: dict[str, dict[str, str]] = {
    "veto": {"true": "是", "false": "否"},
    "inhibits": {"site": "同一网站的其他告警", "node": "同一节点的主机告警"},
}

# --- Matchers (alerts/matchers.py): silences, inhibitions, rule selectors ---

# RE2's error codes (re2.h ErrorCode texts) in Chinese; the part of the pattern RE2 names follows them.
RE2_ERRORS: dict[str, str] = {
    "missing )": "缺少右括号 )",
    "unexpected )": "多出一个右括号 )",
    "missing ]": "缺少右方括号 ]",
    "trailing \\": "末尾的反斜杠 \\ 后面缺少字符",
    "invalid escape sequence": "不支持的转义序列",
    "invalid character class range": "字符范围无效",
    "invalid character class": "字符类无效",
    "no argument for repetition operator": "重复符号前面缺少可重复的内容",
    "invalid repetition size": "重复次数无效（最多 1000 次）",
    "bad repetition operator": "重复符号用法有误",
    "invalid perl operator": "不支持的写法（RE2 语法不支持反向引用和前后断言）",
    "invalid UTF-8": "含有无效的 UTF-8 字符",
    "invalid named capture group": "命名分组写法有误",
    "pattern too large - compile failed": "表达式过于复杂",
    "bad nesting depth": "括号嵌套过深",
}

# The province's built-in rule for a federated city whose node is no longer heard from (alerts/federated.py).
BUILTIN_RULE_FILE = "（内置规则）"
NODE_UNREACHABLE_TITLE = "市级节点失联"
NODE_UNREACHABLE_SUMMARY = ("市级节点 {names[node]} 自 {since} 起失联，已 {silence} 未收到其消息；"
                            "其网站和主机状态暂为未知")
