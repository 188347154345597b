"""Every operator-visible string of the security package, in Simplified Chinese, in one place."""

from __future__ import annotations

from db.models_security import Role

ROLE_LABELS: dict[Role, str] = {
    Role.PROVINCE_ADMIN: "省级管理员",
    Role.CITY_ADMIN: "市州管理员",
    Role.ONCALL: "值班员",
    Role.MANAGER: "领导（只读）",
    Role.SECURITY: "安全分析员",
    Role.EDITOR: "编辑",
    Role.REVIEWER: "审核员",
}


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
    FORBIDDEN_SCOPE = "无权查看其他地区的数据：{code}"
    KIOSK_READ_ONLY = "大屏令牌为只读，不能执行修改操作"
    KIOSK_INVALID = "大屏令牌无效或已被吊销"
    CSRF_FAILED = "表单已失效（缺少或错误的安全令牌），请刷新页面后重试"
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
    DEMO_ADMIN = "已创建演示管理员 {user}，初始密码（只显示这一次）：{password}"
    # audit page
    AUDIT_PAGE = "审计日志"
    AUDIT_COLUMNS = ("时间", "操作人", "操作", "对象类型", "对象", "范围", "来源地址", "说明")
    AUDIT_FILTER_ACTOR = "操作人"
    AUDIT_FILTER_ACTION = "操作"
    AUDIT_FILTER_OBJECT = "对象"
    AUDIT_EMPTY = "没有符合条件的审计记录"
