"""User-visible wording of the duty screen (值班与静默, /oncall), in Simplified Chinese."""

from __future__ import annotations

from core.i18n.alerts import SILENCE_KIND
from core.i18n.common import SEVERITY
from core.i18n.screens_alerts import ALERT_STATE

__all__ = ["ALERT_STATE", "SEVERITY", "SHIFT_STATUS", "SILENCE_KIND", "SILENCE_STATE", "TO"]

# The screen's words for the derived silence states (待生效 / 生效中 / 已失效).
SILENCE_STATE = {"pending": "待生效", "active": "生效中", "expired": "已失效"}
SHIFT_STATUS = {"on": "值班中", "upcoming": "待上岗", "over": "已结束"}


class TO:
    PAGE = "值班与静默"
    NONE = "暂无"
    TIER = "第 {tier} 级"
    # 当前值班
    DUTY_TITLE = "当前值班"
    DUTY_SCOPE = "地区"
    DUTY_NOBODY = "无人值班"
    DUTY_FALLBACK = "无人（由省本级兜底）"
    DUTY_COUNTY = "区县不单独排班：本区县的告警按所属市州的值班表通知市州值班人员。"
    DUTY_UNTIL = "至 {time}"
    # 值班表
    ROSTER_TITLE = "值班表（今日起 7 天）"
    ROSTER_COLUMNS = ("地区", "级别", "值班人", "开始", "结束", "状态", "操作")
    ROSTER_EMPTY = "该时段内没有排班"
    BTN_REMOVE = "删除"
    ADD_TITLE = "新增排班"
    F_SCOPE = "地区"
    F_TIER = "级别"
    F_USER = "值班人"
    F_START = "开始时间"
    F_END = "结束时间"
    BTN_ADD = "添加排班"
    # 交接班
    HANDOVER_TITLE = "交接班"
    F_FROM = "交班人"
    F_TO = "接班人"
    F_NOTE = "交接说明"
    NOTE_PLACEHOLDER = "未处理事项、注意事项"
    PASS_ON = "将移交的未关闭告警（{count} 条）"
    PASS_ON_NONE = "当前没有未关闭告警需要移交"
    BTN_HANDOVER = "确认交班"
    HISTORY_TITLE = "交接记录"
    HISTORY_COLUMNS = ("时间", "地区", "交班人", "接班人", "移交告警", "说明")
    HISTORY_EMPTY = "暂无交接记录"
    ALERTS_LINK = "查看告警"
    ALERTS_COUNT = "{count} 条"
    # 静默与维护窗口
    SILENCE_TITLE = "静默与维护窗口"
    SILENCE_FILTER = "状态"
    SILENCE_ALL = "全部"
    SILENCE_COLUMNS = ("编号", "类型", "状态", "匹配条件", "开始", "结束", "创建人", "原因", "操作")
    SILENCE_EMPTY = "没有符合条件的静默或维护窗口"
    SILENCE_STATE_UNKNOWN = "状态筛选“{value}”无法识别，可选：全部、{choices}"
    BTN_EXPIRE = "结束"
    SILENCE_ADD = "新建静默 / 维护窗口"
    F_KIND = "类型"
    F_MATCHERS = "匹配条件"
    MATCHERS_PLACEHOLDER = '例如 rule=site_down, site=~"4301.*", severity!=low'
    F_DURATION = "时长（小时）"
    TIME_PLACEHOLDER = "例如 2026-11-27 08:00"
    SILENCE_START_PLACEHOLDER = "留空表示立即生效"
    SILENCE_END_PLACEHOLDER = "留空则按时长计算"
    F_REASON = "原因"
    BTN_SILENCE = "新建"
    # permissions
    READ_ONLY = "只读：登录且具备相应权限后可操作"
    NO_ROSTER = "您没有管理值班表的权限"
    NO_HANDOVER = "您没有交接班的权限"
    NO_SILENCE = "您没有新建或结束静默的权限"
    # outcomes
    OK_ADD = "已添加排班 #{id}：{user} {scope}第 {tier} 级"
    OK_REMOVE = "已删除排班 #{id}（{user}）"
    OK_HANDOVER = "已交班给 {user}，移交未关闭告警 {count} 条"
    OK_SILENCE = "已新建{kind} #{id}"
    OK_EXPIRE = "已结束{kind} #{id}"
    ERR_LOGIN = "未登录，不能操作"
    ERR_SCOPE = "无权操作其他地区的数据"
    ERR_INPUT = "输入有误：{detail}"
    ERR_NEED_SCOPE = "请选择地区"
    ERR_NEED_TIER = "级别须为 1 至 {max} 的整数"
    ERR_NEED_USER = "请选择值班人"
    ERR_USER_NOT_ALLOWED = "用户 {user} 不能在{scope}值班（账号停用，或角色、地区不符）"
    ERR_TIME_EMPTY = "{field}：请填写时间（格式 2026-11-27 08:00）"
    ERR_TIME_FORMAT = "{field}：“{value}”不是有效时间（格式 2026-11-27 08:00）"
    ERR_END_BEFORE_START = "结束时间 {end} 须晚于开始时间 {start}"
    ERR_SHIFT_ENDED = "结束时间 {end} 已过，不能补录已结束的班次"
    ERR_SHIFT_TOO_LONG = "单个班次不能超过 {hours} 小时"
    ERR_SHIFT_OVERLAP = "{user} 在该地区同一级别已有重叠的排班（#{id}）"
    ERR_SHIFT_PAST = "排班 #{id} 已结束，作为值班记录保留，不能删除"
    ERR_SHIFT_GONE = "排班 #{id} 不存在（可能已被他人删除），请刷新"
    ERR_NEED_RECIPIENT = "请选择接班人"
    ERR_SELF_HANDOVER = "接班人不能是自己"
    ERR_RECIPIENT_NOT_ALLOWED = "用户 {user} 不能接班（账号停用，或角色、地区不符）"
    ERR_NEED_MATCHERS = "请填写匹配条件，例如 rule=site_down"
    ERR_MATCHER = "第 {n} 个匹配条件“{text}”有误：{detail}"
    ERR_MATCHER_QUOTE = "匹配条件中的引号没有配对"
    ERR_NEED_REASON = "请填写原因"
    ERR_NEED_END = "请填写结束时间或时长"
    ERR_DURATION = "时长须大于 0 且不超过 {max} 小时"
    ERR_SILENCE_PAST = "结束时间 {end} 已过，静默不会生效"
    ERR_SILENCE_TOO_LONG = "静默或维护窗口不能超过 {hours} 小时"
    ERR_SILENCE_GONE = "静默 #{id} 不存在，请刷新"
    ERR_SILENCE_EXPIRED = "静默 #{id} 已失效，无需结束"
    ERR_KIND = "请选择类型（静默或维护窗口）"
