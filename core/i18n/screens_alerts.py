"""User-visible wording of the alert screens (wall ticker, on-call console), in Simplified Chinese."""

from __future__ import annotations

from core.i18n.alerts import ALERT_STATE
from core.i18n.common import SEVERITY
from core.i18n.inspection import FINDING_KIND

# Evidence of findings in the alert detail is worded by inspection/evidence.py (the site page's words).
__all__ = ["ACTION_OK", "ALERT_STATE", "DELIVERY", "EVENT_KIND", "EVENT_NOTE", "FINDING_KIND", "HISTORY_DAYS",
           "METRIC_AGG", "NOTIFIER_KIND", "SEVERITY", "TA"]

# The console chart's title per aggregation (the metric's Chinese label and unit come from its declaration).
METRIC_AGG = {"avg": "{label}（每 {every}平均{unit}）", "count": "{label} 数据点数（每 {every}）"}

EVENT_KIND = {"state": "状态变化", "ack": "确认", "unack": "取消确认", "assign": "指派", "severity": "级别调整",
              "note": "备注", "escalate": "升级", "close": "手动关闭", "fire": "触发", "resolve": "恢复"}
# The engine's reasons for a state change (alert_event.note of kind "state"), in words.
EVENT_NOTE = {"for_elapsed": "条件持续满足，触发", "condition_cleared": "条件已恢复",
              "dropped_before_firing": "未触发即恢复", "rule_removed": "规则已删除", "rule_regrouped": "规则分组已修改"}
NOTIFIER_KIND = {"webhook": "网络回调", "dingtalk": "钉钉", "wecom": "企业微信", "email": "电子邮件", "sms": "短信"}
DELIVERY = {"pending": "待发送", "sent": "已发送", "retrying": "重试中", "failed": "失败", "rate_limited": "已限流",
            "suppressed": "已抑制", "unknown": "结果未知"}

ACTION_OK = {"ack": "已确认告警 #{id}", "unack": "已取消确认告警 #{id}", "assign": "已指派告警 #{id}",
             "severity": "已调整告警 #{id} 的级别", "close": "已关闭告警 #{id}", "note": "已为告警 #{id} 添加备注"}
HISTORY_DAYS = {7: "近 7 天", 30: "近 30 天"}


class TA:
    # wall
    TICKER_TITLE = "实时告警"
    TICKER_EMPTY = "当前无告警"
    COUNTS_TITLE = "告警分布"
    COUNTS_EMPTY = "各市州无未恢复告警"
    UNACKED = "未确认"
    # console
    PAGE = "告警处置"
    FILTER_SEVERITY = "级别"
    FILTER_CITY = "市州"
    FILTER_SITE = "网站"
    FILTER_STATE = "状态"
    ANY = "全部"
    LIST_TITLE = "告警列表"
    LIST_COLUMNS = ("编号", "级别", "状态", "市州", "网站", "摘要", "持续", "处理人")
    LIST_EMPTY = "没有符合条件的告警"
    DETAIL_TITLE = "告警详情"
    DETAIL_NONE = "请在左侧列表中选择一条告警"
    DETAIL_GONE = "该告警不存在或不在您的管辖范围内"
    F_RULE = "规则"
    F_SEVERITY = "级别"
    F_STATE = "状态"
    F_CITY = "市州"
    F_SITE = "网站"
    F_STARTED = "开始时间"
    F_FIRED = "触发时间"
    F_DURATION = "时长"
    NOT_YET = "未触发"  # 触发时间 of an alert that never fired (pending, or resolved before firing)
    TICKER_ELAPSED = "持续 {span}"
    F_ACK = "确认人"
    F_ASSIGNEE = "处理人"
    F_LABELS = "标签"
    LABEL_ITEM = "{key} {value}"
    LABEL_SEP = "，"
    ALERT_REF = "#{id} {summary}"
    F_REASON = "关闭原因"
    F_COVERAGE = "数据"
    COVERAGE_UNDECIDED = "{coverage}：暂不判定，保持“{state}”"  # the data fell short while the alert was open
    F_LIMIT = "允许中断"
    F_FORECAST = "预测依据"
    F_SOURCE = "所属问题"
    SOURCE_NOTE = "本告警由下列告警引起，已被抑制（不单独通知、不上大屏）："
    F_DEPENDANTS = "关联告警（{n} 条）"
    DEPENDANT_OF = "被 #{id} 抑制"
    HAS_DEPENDANTS = "含 {n} 条关联告警"
    CHART_TITLE = "触发前后指标"
    EVIDENCE_TITLE = "巡检发现与证据"
    METRIC_UNKNOWN = "指标"
    FINDINGS_NONE = "没有与本告警对应的巡检发现（可能已整改，或巡检记录已清理）"
    FINDING_OPEN = "未整改"
    FINDING_RESOLVED = "已于 {at} 整改"
    FINDING_LOCATION = "位置"
    FINDING_SEEN = "首次发现 {first} · 最近发现 {last}"
    CHART_NONE = "无可用指标数据"
    CHART_FIRED = "触发"
    EVENTS_TITLE = "处置记录"
    EVENTS_COLUMNS = ("时间", "动作", "操作人", "状态", "备注")
    NOTIFY_TITLE = "通知记录"
    NOTIFY_COLUMNS = ("时间", "接收方", "方式", "接收人", "状态", "次数", "说明")
    AUDIT_TITLE = "审计记录"
    AUDIT_COLUMNS = ("时间", "操作人", "动作", "内容", "来源地址")
    NONE = "暂无"
    # actions
    NOTE_PLACEHOLDER = "备注 / 关闭原因 / 静默原因"
    USER_PLACEHOLDER = "指派给（选择处理人）"
    ASSIGNEE_OPTION = "{name}（{user}）· {role}"
    HOURS_LABEL = "静默小时数"
    BTN_ACK = "确认"
    BTN_UNACK = "取消确认"
    BTN_ASSIGN = "指派"
    BTN_SEVERITY = "调整级别"
    BTN_CLOSE = "关闭"
    BTN_SILENCE = "静默"
    BTN_NOTE = "备注"
    READ_ONLY = "只读：登录后可处置告警"  # a kiosk wall or an anonymous viewer
    READ_ONLY_ROLE = "只读：当前角色“{role}”无处置告警的权限"  # logged in, but the role cannot act
    OK_SILENCE = "已新建静默 #{id}，时长 {hours} 小时"
    ERR_CONFLICT = "已被他人处理，请刷新"
    ERR_SCOPE = "无权处理其他地区的告警"
    ERR_STATE = "告警当前状态不允许此操作，请刷新"
    # A city node's alert mirrored at the province (docs/federation.md): acknowledged here reaches the city
    ERR_MIRRORED = "这条告警由市级节点 {node} 负责，省级只能确认或备注，其他处置请在该市级节点进行"
    ERR_GONE = "告警不存在"
    ERR_LOGIN = "未登录，不能处置告警"
    ERR_INPUT = "输入有误：{detail}"
    ERR_NEED_USER = "请选择要指派的处理人"
    ERR_ASSIGNEE_UNKNOWN = "指派对象 {user}：用户不存在"
    ERR_ASSIGNEE_DISABLED = "指派对象 {user}：账号已停用"
    ERR_ASSIGNEE_ROLE = "指派对象 {user}：角色（{role}）不能处置告警"
    ERR_ASSIGNEE_SCOPE = "指派对象 {user}：管辖范围 {scope} 不含该告警所属地区 {city}"
    ERR_NEED_SEVERITY = "请选择级别"
    ERR_NEED_REASON = "请填写原因"
    ERR_NEED_NOTE = "请填写备注内容"
    ERR_HOURS = "静默时长须大于 0 且不超过 {max} 小时"
    # history
    HISTORY_TITLE = "响应时效（MTTA / MTTR）"
    HISTORY_COLUMNS = ("市州", "告警数", "已确认", "已恢复", "平均确认时长", "平均恢复时长")
    HISTORY_EMPTY = "该时段内没有告警"
