"""Operator-facing wording of the platform services (平台服务): collection failures, ``app.py services`` and
the 平台服务 wall, in Simplified Chinese."""

from __future__ import annotations

KIND_LABELS: dict[str, str] = {
    "postgresql": "PostgreSQL 数据库",
    "mysql": "MySQL/MariaDB 数据库",
    "redis": "Redis 缓存",
    "nginx": "nginx 网页服务",
    "http": "HTTP 健康检查",
    "tcp": "TCP 端口",
}

# a driver's message (lower case fragment) → the cause in Chinese (collectors.services.detail_zh), first match
DRIVER_REASONS: tuple[tuple[str, str], ...] = (
    ("connection refused", "连接被拒绝（服务未在该端口提供服务）"),
    ("can't connect to", "无法建立连接（服务未在该端口提供服务或网络不通）"),
    ("timeout expired", "连接超时"),
    ("timed out", "连接超时"),
    ("could not translate host name", "域名解析失败"),
    ("name or service not known", "域名解析失败"),
    ("temporary failure in name resolution", "域名解析失败"),
    ("password authentication failed", "用户名或密码错误"),
    ("no password supplied", "服务要求密码，但未登记凭据引用"),
    ("access denied", "用户名或密码错误，或该用户无权从本机登录"),
    ("invalid username-password", "用户名或密码错误"),
    ("wrongpass", "用户名或密码错误"),
    ("noauth", "服务要求密码，但未登记凭据引用"),
    ("authentication required", "服务要求密码，但未登记凭据引用"),
    ("already authenticated", "服务要求密码，但未登记凭据引用"),
    ("does not exist", "登记的用户或数据库不存在"),
    ("connection reset", "连接被对方重置"),
    ("server closed the connection", "服务端关闭了连接"),
    ("ssl", "TLS 握手或证书校验失败"),
    ("certificate", "TLS 证书校验失败"),
)

T: dict[str, str] = {
    # one poll of a service (collectors/services.py and collectors/kinds/service_*.py)
    "connect_failed": "无法连接服务“{service}”（{where}）：{detail}",
    "tls_verify": "证书校验未通过（{detail}）",
    "tls_failed": "TLS 握手失败（{detail}）",
    "timeout": "服务“{service}”（{where}）在 {seconds:g} 秒内未应答",
    "auth_failed": "服务“{service}”（{where}）拒绝了登录：{detail}",
    "query_failed": "服务“{service}”（{where}）的状态查询失败：{detail}",
    "bad_status": "服务“{service}”（{where}）返回 HTTP {status}，预期 {expected}",
    "bad_body": "服务“{service}”（{where}）的应答无法识别：{detail}",
    "expect_failed": "服务“{service}”的健康字段 {path} 为 {actual}，预期 {expected}",
    "secret_env_missing": "服务“{service}”的凭据引用 {ref}：环境变量 {name} 未设置",
    "secret_file_missing": "服务“{service}”的凭据引用 {ref}：文件 {path} 无法读取（{detail}）",
    "log_unreadable": "服务“{service}”的访问日志 {path} 无法读取：{detail}",
    # registry validation (app.py services add, collectors/services.py)
    "ref_literal": "凭据引用“{ref}”无效：只接受 env:变量名 或 file:文件名（文件位于 [collectors] secrets_dir），"
                   "不接受明文密码",
    "ref_env_name": "凭据引用“{ref}”无效：环境变量名只能包含字母、数字和下划线，且不以数字开头",
    "ref_file_name": "凭据引用“{ref}”无效：文件名不能包含路径分隔符或“..”",
    "kind_unknown": "服务类型“{kind}”无效，可选：{kinds}",
    "address_hostport": "服务地址“{address}”无效：{kind} 服务应写成 主机:端口（如 127.0.0.1:{port}）",
    "address_port": "服务地址“{address}”无效：端口应为 1–65535 的整数",
    "address_url": "服务地址“{address}”无效：{kind} 服务应写成 http:// 或 https:// 开头的网址",
    "option_syntax": "选项“{option}”无效：应写成 键=值",
    "option_unknown": "{kind} 服务没有选项“{key}”，可用：{keys}",
    "option_value": "选项 {key}={value} 无效：{detail}",
    # app.py services
    "added": "已登记服务“{name}”（{kind}，{address}，节点 {node}）",
    "add_summary": "登记平台服务“{name}”（{kind}，{address}）",
    "exists": "已有名为“{name}”的服务",
    "unknown_service": "未登记名为“{name}”的服务（app.py services list 可查看已登记服务）",
    "unknown_node": "节点代码“{node}”未登记（应为已导入的省、市或县的 6 位区划代码）",
    "removed": "已删除服务“{name}”",
    "remove_summary": "删除平台服务“{name}”",
    "enabled": "已启用服务“{name}”",
    "disabled": "已停用服务“{name}”",
    "enable_summary": "启用平台服务“{name}”",
    "disable_summary": "停用平台服务“{name}”",
    "unchanged": "服务“{name}”已是{state}状态，无需变更",
    "list_header": "名称\t类型\t地址\t节点\t凭据引用\t状态\t选项",
    "list_empty": "尚未登记任何平台服务（app.py services add 登记）",
    "state_enabled": "启用",
    "state_disabled": "停用",
}

# the 平台服务 wall (dashboard/pages/services.py, layouts/services.py)
PAGE = "平台服务"
SERVICE_STATUS: dict[str, str] = {"up": "正常", "down": "异常", "stale": "未知", "unknown": "未知"}
W: dict[str, str] = {
    "kpi_up": "正常服务",
    "kpi_down": "异常服务",
    "kpi_unknown": "状态未知",
    "suffix": "项",
    "table": "服务明细",
    "col_name": "服务",
    "col_kind": "类型",
    "col_node": "所属节点",
    "origin": "（由{node}采集）",
    "origin_node": "{city}节点",
    "col_status": "状态",
    "col_figures": "关键指标",
    "col_last": "最近采集",
    "stale_note": "数据已过期，最近一次采集于 {age}",
    "never": "从未采集",
    "no_services": "当前范围内尚未登记平台服务（app.py services add 登记）",
    "card_counts": "正常 {up} · 异常 {down} · 未知 {unknown}",
    "card_none": "未登记",
}
