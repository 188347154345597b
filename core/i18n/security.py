"""Every operator-visible string of the security package, in Simplified Chinese, in one place."""

from __future__ import annotations

from core.i18n.alerts import ALERT_STATE
from core.i18n.verification import AUDIT_ACTIONS as VERIFY_AUDIT_ACTIONS
from core.i18n.verification import AUDIT_GROUPS as VERIFY_AUDIT_GROUPS
from core.i18n.verification import AUDIT_OBJECTS as VERIFY_AUDIT_OBJECTS

# Keyed by db.models_security.Role values: Role is a StrEnum, so ROLE_LABELS[Role.ONCALL] finds "oncall"
# (core imports nothing of ours; tests/security/test_audit_labels.py checks every Role has a label).
ROLE_LABELS: dict[str, str] = {
    "province_admin": "省级管理员",
    "city_admin": "市州管理员",
    "oncall": "值班员",
    "manager": "领导（只读）",
    "security": "安全分析员",
    "editor": "编辑",
    "reviewer": "审核员",
}


# What an authorization action lets one do (security.auth.Action values; a StrEnum member finds its entry),
# named in a refusal (S.FORBIDDEN).
ACTION_LABELS: dict[str, str] = {
    "view": "查看", "ack": "确认告警", "assign": "指派告警", "silence": "静默告警",
    "resolve": "关闭或调整告警", "manage_roster": "管理值班表", "handover": "交接班",
    "manage_users": "管理用户",
    "manage_kiosk": "管理大屏令牌", "view_audit": "查看审计日志", "manage_rules": "管理告警规则",
    "edit_content": "编辑内容", "review_content": "审核内容",
    "verify_findings": "人工核验与下发整改通知", "answer_rectification": "答复整改通知",
}


# --- The audit log's action codes (security.audit.record(..., action, ...)) as people read them. ---
# One dictionary for every screen and export; tests/security/test_audit_labels.py finds every code the
# code base records and fails when one has no label here.

ALERT_ACTIONS: dict[str, str] = {  # alerts/oncall.py, core/i18n/alerts.py ACTION
    "ack": "确认告警", "unack": "取消确认告警", "severity": "调整告警级别", "assign": "指派告警",
    "close": "手动关闭告警", "note": "告警备注",
}
NOTIFICATION_STATUS: dict[str, str] = {  # db.models_alerts.DeliveryStatus
    "pending": "通知待发送", "sent": "通知已发送", "retrying": "通知发送失败，等待重试", "failed": "通知发送失败",
    "rate_limited": "通知因限流未发送", "suppressed": "通知被抑制", "unknown": "通知发送结果未知",
}
SILENCE_KINDS: dict[str, str] = {"silence": "静默", "maintenance": "维护窗口"}  # alerts.states.SilenceKind

AUDIT_ACTION_LABELS: dict[str, str] = {
    "login": "登录",
    "login.failed": "登录失败",
    "login.refused": "登录被拒绝（失败次数过多）",
    "logout": "退出登录",
    "user.create": "创建用户",
    "user.disable": "停用用户",
    "user.enable": "启用用户",
    "user.password": "修改密码",
    "user.role": "调整角色和范围",
    "kiosk.create": "创建大屏令牌",
    "kiosk.revoke": "吊销大屏令牌",
    "kiosk.refused": "拒绝大屏链接（浏览器已有个人登录）",
    "api_token.create": "创建开放接口令牌",
    "api_token.revoke": "吊销开放接口令牌",
    "host.add": "登记远程主机",
    "host.update": "修改远程主机登记",
    "host.trust": "信任远程主机密钥（首次）",
    "host.trust_replace": "更换远程主机密钥",
    "service.add": "登记平台服务",
    "service.remove": "删除平台服务",
    "service.enable": "启用平台服务",
    "service.disable": "停用平台服务",
    **{f"alert.{state}": f"告警状态：{label}" for state, label in ALERT_STATE.items()},
    **{f"alert.{code}": label for code, label in ALERT_ACTIONS.items()},
    **{f"alert.{code}.denied": f"{label}被拒绝（超出地区范围）" for code, label in ALERT_ACTIONS.items()},
    **{f"alert.{code}.conflict": f"{label}未生效（已被他人先行处理）" for code, label in ALERT_ACTIONS.items()},
    "alert.escalate": "告警升级",
    **{f"notification.{status}": label for status, label in NOTIFICATION_STATUS.items()},
    **{f"{kind}.create": f"新建{label}" for kind, label in SILENCE_KINDS.items()},
    **{f"{kind}.expire": f"提前结束{label}" for kind, label in SILENCE_KINDS.items()},
    "roster.add_shift": "新增排班",
    "roster.remove_shift": "删除排班",
    "roster.handover": "交接班",
    "audit.export": "导出审计日志",
    "score.export": "导出检查情况通报",
    "wall.create": "创建大屏轮播",
    "wall.update": "修改大屏轮播",
    "wall.rename": "大屏轮播改名",
    "wall.delete": "删除大屏轮播",
    "wall.kiosk_issue": "生成大屏轮播地址",
    "wall.kiosk_revoke": "吊销大屏轮播地址",
    **VERIFY_AUDIT_ACTIONS,
    "annual_report.fill": "填报年度报表（自动取数）",
    "annual_report.set": "手工填报年度报表字段",
    "annual_report.submit": "提交年度报表",
    "annual_report.review": "审核通过年度报表",
    "annual_report.return": "退回年度报表",
    "annual_report.publish": "发布年度报表",
}

# The first part of an action code names its area; the audit screen's action filter groups by it.
AUDIT_ACTION_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "accounts": ("账号与登录", ("login", "logout", "user")),
    "alerts": ("告警", ("alert",)),
    "notifications": ("通知", ("notification",)),
    "duty": ("值班与静默", ("roster", "silence", "maintenance")),
    "kiosk": ("大屏令牌", ("kiosk",)),
    "api_token": ("开放接口令牌", ("api_token",)),
    "hosts": ("远程主机", ("host",)),
    "services": ("平台服务", ("service",)),
    "audit": ("审计日志", ("audit",)),
    "walls": ("大屏轮播", ("wall",)),
    "score": ("评分与通报", ("score",)),
    **VERIFY_AUDIT_GROUPS,
    "annual": ("年度报表", ("annual_report",)),
}

AUDIT_OBJECT_LABELS: dict[str, str] = {
    "user": "用户", "kiosk_token": "大屏令牌", "api_token": "开放接口令牌", "host": "远程主机",
    "service": "平台服务",
    "alert": "告警", "notification": "通知", "duty_shift": "排班",
    "handover": "交接班", "silence": "静默/维护窗口", "audit": "审计日志", "wall_playlist": "大屏轮播",
    "score_bulletin": "检查情况通报",
    **VERIFY_AUDIT_OBJECTS,
    "annual_report": "年度报表",
}

AUDIT_ACTORS: dict[str, str] = {"system": "系统", "cli": "本机命令行"}
UNKNOWN_ACTION = "其他操作"


def action_label(code: str) -> str:
    """The Chinese name of an audit action code; a code without one reads 其他操作 (never the code)."""
    return AUDIT_ACTION_LABELS.get(code, UNKNOWN_ACTION)


def object_label(object_type: str) -> str:
    return AUDIT_OBJECT_LABELS.get(object_type, "其他对象")


def actor_label(actor: str) -> str:
    """``system`` → 系统, ``kiosk:省中心大屏`` → 大屏 省中心大屏; user names as they are."""
    if actor.startswith("kiosk:"):
        return f"大屏 {actor[len('kiosk:'):]}"
    return AUDIT_ACTORS.get(actor, actor)


class S:
    LOGIN_TITLE = "登录 · 运维指挥中心"
    LOGIN_HEADING = "湖南省政府网站集约化管理平台 · 运维指挥中心"
    USERNAME = "用户名"
    PASSWORD = "密码"
    LOGIN_BUTTON = "登录"
    LOGOUT = "退出登录"
    BAD_CREDENTIALS = "用户名或密码错误"
    THROTTLED = "登录失败次数过多，请在 {minutes} 分钟后再试"
    LOGGED_OUT = "已退出登录"
    FORBIDDEN = "无权执行此操作：{what}"
    # names no code: a refusal must not tell another region's objects apart from missing ones
    FORBIDDEN_SCOPE = "无权查看其他地区的数据"
    UNDECLARED = "此页面或接口未声明访问权限，已拒绝"
    BAD_CODE = "请求中的地区、网站或主机编码格式有误"
    KIOSK_READ_ONLY = "大屏令牌为只读，不能执行修改操作"
    KIOSK_INVALID = "大屏令牌无效或已被吊销"
    KIOSK_OVER_PERSONAL = "此浏览器已登录个人账号 {user}，不能同时作为大屏使用。请先退出登录，再打开大屏链接。"
    KIOSK_OVER_PERSONAL_HEADING = "无法打开大屏链接"
    CSRF_FAILED = "表单已失效（缺少或错误的安全令牌），请刷新页面后重试"
    # the dark error page (security.web._refuse) a browser gets instead of plain text
    ERROR_WALL_HEADING = "大屏连接中断，正在重试…"
    ERROR_HEADING = "无法显示此页面"
    ERROR_STATUS = "状态码 {status}"
    ERROR_LAST_GOOD = "最后一次正常数据：{t}"
    ERROR_LAST_NONE = "最后一次正常数据：无记录"
    ERROR_COUNTDOWN = "{n} 秒后自动重试"
    ERROR_TRYING = "正在重试…"
    ERROR_NETWORK = "无法连接服务器（服务器已停止或正在重启）"
    ERROR_STILL = "仍无法访问（状态码 {status}）"
    ERROR_HOME = "返回首页"
    # audit summaries
    AUDIT_LOGIN = "用户 {user} 登录成功"
    AUDIT_LOGIN_FAILED = "用户名 {user} 登录失败"
    AUDIT_LOGIN_REFUSED = "用户名 {user} 登录被拒绝（失败次数过多）"
    AUDIT_LOGOUT = "用户 {user} 退出登录"
    AUDIT_USER_CREATED = "创建用户 {user}（{role}，范围 {scope}）"
    AUDIT_USER_DISABLED = "停用用户 {user}"
    AUDIT_USER_ENABLED = "启用用户 {user}"
    AUDIT_USER_PASSWORD = "修改用户 {user} 的密码"
    AUDIT_USER_ROLE = "调整用户 {user} 的角色：{old_role}（范围 {old_scope}）→ {role}（范围 {scope}）"
    AUDIT_KIOSK_CREATED = "创建大屏令牌 {name}（范围 {scope}）"
    AUDIT_KIOSK_REVOKED = "吊销大屏令牌 {name}"
    AUDIT_KIOSK_REFUSED = "用户 {user} 已登录的浏览器打开大屏链接（{name}），已拒绝：须先退出登录"
    # account changes (UserError)
    USER_UNKNOWN = "用户 {user}：不存在"
    ROLE_UNKNOWN = "角色 {role!r}：未知，可选 {choices}"
    LAST_ADMIN = "用户 {user}：是唯一启用的省级管理员，不能{what}（请先启用或创建另一名省级管理员）"
    WHAT_DISABLE = "停用"
    WHAT_DEMOTE = "改为其他角色"
    # CLI
    ADMIN_EXISTS = "已存在省级管理员；如确需再建，请加 --force"
    USER_CREATED = "已创建用户 {user}（{role}，范围 {scope}）"
    PASSWORD_PROMPT = "请输入密码："
    PASSWORD_AGAIN = "请再次输入密码："
    PASSWORD_MISMATCH = "两次输入的密码不一致"
    PASSWORD_NO_TTY = ("没有可输入密码的终端（标准输入不是终端）：请加 --password-stdin 从标准输入读取第一行"
                       "（如 echo 密码 | app.py users add … --password-stdin），"
                       "或用 --password-file 文件 读取文件第一行")
    PASSWORD_STDIN_EMPTY = "--password-stdin：标准输入中没有读到密码（第一行为空）"
    PASSWORD_FILE_MISSING = "--password-file：文件 {path} 不存在"
    PASSWORD_FILE_UNREADABLE = "--password-file：无法读取文件 {path}（没有权限或不是 UTF-8 文本）"
    PASSWORD_SHORT = "密码至少需要 {n} 个字符"
    USER_DISABLED = "已停用用户 {user}；其已登录的会话在下一次请求时失效"
    USER_ENABLED = "已启用用户 {user}"
    USER_ALREADY_DISABLED = "用户 {user} 已是停用状态，未做修改"
    USER_ALREADY_ENABLED = "用户 {user} 已是启用状态，未做修改"
    USER_PASSWORD_SET = "已修改用户 {user} 的密码；其已登录的会话在下一次请求时失效"
    USER_ROLE_SET = "已将用户 {user} 调整为 {role}（范围 {scope}），下一次请求起生效"
    USER_ROLE_SAME = "用户 {user} 已是 {role}（范围 {scope}），未做修改"
    KIOSK_CREATED = "已创建大屏令牌 {name}（范围 {scope}）。令牌只显示这一次，请妥善保存：\n{token}"
    KIOSK_REVOKED = "已吊销大屏令牌 {name}"
    KIOSK_LIST_HEADER = "名称\t范围\t创建时间\t最近使用\t状态"
    USER_LIST_HEADER = "用户名\t姓名\t角色\t范围\t状态\t最近登录"
    ACTIVE = "启用"
    INACTIVE = "停用"
    REVOKED = "已吊销"
    VALID = "有效"
    NEVER = "从未"
    DEMO_WALL = "大屏地址（演示令牌，勿外传）：{url}"
    DEMO_ACCOUNTS = "演示账号（管理员 admin 和值班员）的初始密码保存在：{path}（仅本机可读）"
    DEMO_ROSTER = "演示值班表：新建值班员 {users} 人，新增班次 {shifts} 个（覆盖今后 {days} 天）"
    # audit page
    AUDIT_PAGE = "审计日志"
    AUDIT_COLUMNS = ("时间", "操作人", "操作", "对象类型", "对象", "范围", "来源地址", "说明")
    AUDIT_FILTER_ACTOR = "操作人"
    AUDIT_FILTER_ACTION = "操作"
    AUDIT_FILTER_OBJECT = "对象"
    AUDIT_EMPTY = "没有符合条件的审计记录"
