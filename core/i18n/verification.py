"""Wording of manual verification (人工核验) and rectification (整改), in Simplified Chinese: labels keyed by
the values of the operations/ enums, the audit summaries and the ``app.py verify`` messages."""

from __future__ import annotations

DECISION_KIND = {"confirmed": "已确认", "dismissed": "已排除"}
DISMISS_REASON = {"false_positive": "误报", "exempt_column": "豁免栏目", "already_fixed": "已整改", "other": "其他"}
DECISION_STATUS = {"undecided": "待核验", "confirmed": "已确认", "dismissed": "已排除",
                   "lapsed": "证据已变化，需重新核验"}
ENTRY_KIND = {"deduction": "人工扣分", "bonus": "加分项"}
NOTICE_STATE = {"draft": "草稿", "issued": "已下发", "partially_answered": "部分答复", "answered": "已答复",
                "closed": "已核验关闭", "reopened": "整改未通过"}
PROBLEM_STATE = {"open": "待答复", "answered": "已答复待复查", "fixed": "已整改", "failed": "整改未通过"}
NOTICE_ACTION = {"issue": "下发", "answer": "答复", "follow_up": "复查"}
OVERDUE = "已逾期"
# The alert on an overdue notice (operations/notice_alerts.py): its check and finding kind by name.
ALERT_CHECK_LABEL = {"rectification": "整改通知"}
ALERT_FINDING_KIND = {"notice_overdue": "整改通知逾期"}
SHEET_CHANGED = "签核后已变更"
SHEET_SIGNED = "已签核"
SHEET_UNSIGNED = "未签核"

# Audit action codes of verification and rectification → their Chinese names (core/i18n/security.py adds
# them to the audit screen's labels). DENIABLE: the actions a region scope can refuse (``<code>.denied``).
DENIABLE: dict[str, str] = {
    "verify.confirm": "确认问题", "verify.dismiss": "排除问题", "verify.entry.add": "添加人工扣分或加分项",
    "verify.entry.withdraw": "撤回人工扣分或加分项", "verify.entry.list": "查看人工扣分或加分项",
    "verify.signoff": "签核评分表", "verify.sheet": "查看评分表签核状态",
    "notice.create": "起草整改通知", "notice.issue": "下发整改通知", "notice.answer": "答复整改通知",
}
AUDIT_ACTIONS: dict[str, str] = {
    **{k: v for k, v in DENIABLE.items() if k not in ("verify.entry.list", "verify.sheet")},
    "notice.problem.fixed": "整改复查通过", "notice.problem.failed": "整改复查未通过",
    "notice.escalate": "整改通知逾期升级",
    **{f"{k}.denied": f"{v}被拒绝（超出地区范围）" for k, v in DENIABLE.items()},
}
AUDIT_GROUPS = {"verify": ("人工核验", ("verify",)), "notice": ("整改通知", ("notice",))}
AUDIT_OBJECTS = {"inspection_finding": "巡检问题", "manual_entry": "人工扣分或加分项", "score_sheet": "评分表",
                 "rectification_notice": "整改通知"}


# The verification page (/verify).
PAGE = {"title": "人工核验与整改", "queue": "待核验问题", "notices": "整改通知", "queue_empty": "没有待核验的问题",
        "notices_empty": "没有整改通知", "no_viewer": "请先登录", "notice_alert": "（告警：{alert}）",
        "note": "范围：{scope}。问题从未核验，或核验后证据已变化（需重新核验）时列在这里；核验、人工扣分加分、"
                "签核与整改通知在下方操作（也可用命令 app.py verify）。",
        "more": "另有 {n} 条未显示（共 {total} 条）"}
PAGE_QUEUE_COLUMNS = ("编号", "站点", "问题", "位置", "核验状态", "最近结论")
PAGE_NOTICE_COLUMNS = ("编号", "站点", "致", "状态", "期限", "已整改/问题数", "升级次数")


class TV:
    """Audit summaries, errors and CLI lines."""

    # audit summaries
    AUDIT_DECIDE = "核验问题 #{id}（{site}）：{kind}{reason}{note}"
    AUDIT_DENIED = "越权操作被拒：{what}（站点 {site} 不在 {scope} 范围内）"
    AUDIT_ROLE_DENIED = "越权操作被拒：{what}（角色“{role}”无此权限）"
    AUDIT_ENTRY_ADD = "{site} {period} 添加{kind} {code} {points:g} 分：{note}"
    AUDIT_ENTRY_WITHDRAW = "{site} {period} 撤回{kind} #{id}：{note}"
    AUDIT_SIGNOFF = "{site} {period} 评分表签核{note}"
    AUDIT_NOTICE_CREATE = "为 {site} 起草整改通知 #{id}：{n} 个问题，期限 {deadline}，致 {addressee}"
    AUDIT_NOTICE_ISSUE = "下发整改通知 #{id}（{site}）"
    AUDIT_NOTICE_ANSWER = "答复整改通知 #{id} 的问题 #{finding}：{text}"
    AUDIT_PROBLEM_JUDGED = "整改通知 #{id} 的问题 #{finding}：{state}"
    AUDIT_NOTICE_ESCALATE = "整改通知 #{id}（{site}）逾期 {days} 天，第 {n} 次升级"
    # errors
    NO_FINDING = "问题 #{id} 不存在"
    NO_SITE = "站点 {code} 不存在"
    NO_NOTICE = "整改通知 #{id} 不存在"
    NO_ENTRY = "人工条目 #{id} 不存在"
    OUT_OF_SCOPE = "站点 {site} 不在您的管辖范围（{scope}）内"
    ROLE_FORBIDDEN = "您的角色“{role}”无权{what}"
    REGION_OUT_OF_SCOPE = "地区 {region} 不在您的管辖范围（{scope}）内"
    NO_ORGANIZER = "站点 {site} 在登记表中没有主办单位，无法确定整改通知的对象：请先补登主办单位"
    FINDING_NOT_OF_SITE = "问题 #{id} 不属于站点 {site}"
    FINDING_CLOSED = "问题 #{id} 已消除，不能列入整改通知"
    FINDING_ON_NOTICE = "问题 #{id} 已在未关闭的整改通知 #{notice} 中"
    PROBLEM_NOT_ON_NOTICE = "问题 #{finding} 不在整改通知 #{id} 中"
    VERSION_CONFLICT = "整改通知 #{id} 已被他人修改（您读到的是第 {read} 版，现为第 {now} 版），请刷新后重试"
    ENTRY_WITHDRAWN = "人工条目 #{id} 已撤回"
    CONCURRENT_CHANGE = "整改通知 #{id} 刚被他人修改，本次操作未保存：请刷新后重试"
    PERIOD_NOT_STARTED = "周期 {period} 尚未开始（{start} 起），不能录入人工条目或签核"
    NO_USER = "用户 {name} 不存在或已停用"
    # CLI
    CLI_QUEUE_HEADER = "编号\t站点\t问题\t位置\t核验状态\t最近结论"
    CLI_QUEUE_EMPTY = "没有待核验的问题"
    CLI_DECIDED = "问题 #{id}：{kind}"
    CLI_ENTRY_ADDED = "已添加{kind} #{id}：{site} {period} {code} {points:g} 分"
    CLI_ENTRY_WITHDRAWN = "已撤回人工条目 #{id}"
    CLI_ENTRY_HEADER = "编号\t类型\t指标\t分值\t说明\t佐证\t录入人\t录入时间\t状态"
    CLI_ENTRY_EMPTY = "{site} {period} 没有人工条目"
    CLI_WITHDRAWN = "已撤回"
    CLI_VALID = "有效"
    CLI_SIGNED = "{site} {period} 评分表已签核（{by}，{at}）"
    CLI_SHEET = "{site} {period}：{state}"
    CLI_SHEET_SIGNED_BY = "签核：{by}，{at}"
    CLI_SHEET_CHANGE = "  签核后变更：{at} {by} {what}"
    CLI_NOTICE_CREATED = ("已起草整改通知 #{id}（{site}，{n} 个问题，期限 {deadline}，致 {addressee}）；"
                          "用 notice issue {id} 下发")
    CLI_NOTICE_ISSUED = "已下发整改通知 #{id}"
    CLI_NOTICE_ANSWERED = "已答复整改通知 #{id} 的问题 #{finding}；通知现为“{state}”"
    CLI_NOTICE_HEADER = "编号\t站点\t致\t状态\t期限\t问题（已整改/总数）"
    CLI_NOTICE_EMPTY = "没有整改通知"
    CLI_FOLLOW_UP = "复查：{judged} 个问题有新结论，{escalated} 份逾期通知已升级"


class TVA:
    """The /verify page's forms and the messages of dashboard/verify_actions.py."""

    ERR_LOGIN = "请先登录"
    ERR_FINDING_GONE = "问题 #{id} 不存在或已消除，请刷新"
    ERR_NEED_REASON = "请选择排除理由"
    ERR_NEED_SITE = "请选择站点"
    ERR_NEED_PERIOD = "请填写周期，如 2026Q4"
    ERR_KIND = "请选择条目类型：人工扣分或加分项"
    ERR_CODE = "指标“{code}”不在指标表（{version} 版）的{kind}中，请从下拉列表选择"
    ERR_ENTRY_GONE = "人工条目 #{id} 不存在，请刷新"
    ERR_NEED_WITHDRAW_NOTE = "撤回人工条目需要填写撤回说明"
    ERR_NEED_FINDINGS = "请选择要列入整改通知的问题"
    ERR_DEADLINE = "整改期限“{value}”不是有效日期（应为 YYYY-MM-DD）"
    ERR_NOTICE_GONE = "整改通知 #{id} 不存在，请刷新"
    ERR_NEED_PROBLEM = "请选择要答复的问题"
    ERR_NEED_ANSWER = "请填写整改答复"
    OK_CONFIRM = "已确认问题 #{id}"
    OK_DISMISS = "已排除问题 #{id}（{reason}）"
    OK_ENTRY = "已添加{kind} #{id}：{site} {period} {code} {points:g} 分"
    OK_WITHDRAW = "已撤回人工条目 #{id}"
    OK_SIGNOFF = "{site} {period} 评分表已签核"
    OK_NOTICE = "已起草整改通知 #{id}（{n} 个问题，期限 {deadline}，致 {addressee}），请下发"
    OK_ISSUE = "已下发整改通知 #{id}"
    OK_ANSWER = "已答复整改通知 #{id} 的问题 #{finding}；通知现为“{state}”"

    # page
    READ_ONLY_VERIFY = "您的角色只能答复整改通知；核验、人工录入、签核与起草通知需要“人工核验”权限"
    FILTER_OPEN = "待核验"
    FILTER_ALL = "全部未消除问题"
    F_REASON = "排除理由"
    F_NOTE = "说明"
    BTN_CONFIRM = "确认"
    BTN_DISMISS = "排除"
    SHEET_TITLE = "评分表：人工录入与签核"
    F_SITE = "站点"
    F_PERIOD = "周期"
    F_KIND = "类型"
    F_CODE = "指标或加分项"
    F_POINTS = "分值"
    F_EVIDENCE = "佐证（文字或链接）"
    BTN_ADD = "添加"
    ENTRIES_TITLE = "人工条目"
    ENTRY_COLUMNS = ("编号", "类型", "指标", "分值", "说明", "佐证", "录入", "状态", "")
    ENTRIES_EMPTY = "该站点本周期没有人工条目"
    F_WITHDRAW_NOTE = "撤回说明"
    BTN_WITHDRAW = "撤回"
    VALID = "有效"
    WITHDRAWN = "已撤回（{by}，{at}）"
    F_SIGN_NOTE = "签核意见"
    BTN_SIGN = "签核"
    SHEET_STATE = "评分表状态：{state}"
    SHEET_SIGNED_BY = "签核：{by}，{at}"
    SHEET_CHANGES = "签核后变更："
    SHEET_PICK = "选择站点和周期后显示"
    NOTICE_TITLE = "起草整改通知"
    F_FINDINGS = "问题（该站点未消除的）"
    F_DEADLINE = "整改期限"
    BTN_CREATE = "起草"
    BTN_ISSUE = "下发"
    ANSWER_TITLE = "答复整改通知"
    F_NOTICE = "整改通知"
    F_PROBLEM = "问题"
    F_ANSWER = "整改情况"
    BTN_ANSWER = "答复"
    NOTICE_COLUMNS = ("编号", "站点", "致", "状态", "期限", "已整改/问题数", "升级次数", "")
    ANSWER_NONE = "没有可答复的整改通知"
