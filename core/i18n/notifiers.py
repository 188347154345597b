"""User-visible wording of notifications (Simplified Chinese), kept in one place."""

from __future__ import annotations

SEVERITY_TAG = {"critical": "【紧急】", "high": "【严重】", "medium": "【一般】", "low": "【提示】"}
RATE_LIMITED_SUMMARY = "另有 {count} 条告警通知因发送频率限制被合并，未单独发送："
RATE_LIMITED_MORE = "……等共 {count} 条"
EMAIL_FOOTER = "—— 湖南省政府网站集约化管理平台 · 运维指挥中心（系统自动发送，请勿直接回复）"
ALERT_COUNT = "涉及告警 {count} 条"

# Delivery-log wording written by the dispatcher (shown in the alert detail's notification log)
RECEIVER_UNKNOWN = "接收方 {name} 未在接收方配置文件中定义"
RECEIVER_DISABLED = "接收方 {name} 已停用"
NO_ONDUTY = "未指定值班人员，无法发送给值班人"
ONDUTY_NO_ADDRESS = "值班人员 {user} 未登记{what}，无法发送"
ADDRESS_WHAT = {"phone": "手机号码", "email": "电子邮箱"}
RATE_LIMITED = "限流：{scope}超过 {limit} 条/{window}，本条未发送，将合并到下一条通知中"
RATE_SCOPE_RECEIVER = "接收方 {name} "
RATE_SCOPE_RECIPIENT = "接收人 {who} "
WINDOW = {60: "分钟", 3600: "小时"}
SUMMARISED = "已合并至通知 #{id}"
SENT = "发送成功（第 {n} 次尝试）：{detail}"
RETRY = "发送失败（第 {n} 次尝试），{at} 重试：{detail}"
FAILED = "发送失败（第 {n} 次尝试），不再重试：{detail}"
# attempts whose outcome is unknown (alerts.delivery): the sender died mid-send, or the answer was lost
UNKNOWN_EARLIER = "（其中 {k} 次尝试结果未知，重发时使用同一幂等键，接收方只保留一份）"
UNKNOWN_EARLIER_PLAIN = "（此前 {k} 次尝试结果未知）"
UNKNOWN_SENDER_LOST = "结果未知：第 {n} 次尝试期间发送进程中断，接收方可能已收到；{why}，请向接收方核实"
UNKNOWN_ANSWER_LOST = ("结果未知（第 {n} 次尝试）：请求已发出但未收到应答（{detail}），接收方可能已收到；"
                       "{why}，请向接收方核实")
UNKNOWN_NO_KEY = "该接收方不按幂等键去重，为避免重复发送不再重发"
UNKNOWN_NO_ATTEMPTS_LEFT = "已达最多尝试次数，不再重发"
AUDIT = {"sent": "通知已发送", "retrying": "通知发送失败，等待重试", "failed": "通知发送失败",
         "rate_limited": "通知因限流未发送", "unknown": "通知发送结果未知"}

# `python app.py notify ...` (operator CLI)
CLI_CHECK_HELP = "校验接收方配置文件（默认读取配置中的 [alerts] receivers_file）"
CLI_TEST_HELP = "立即向一个接收方发送一条测试消息（不写数据库，停用的接收方也可测试）"
CLI_TEST_TO_HELP = "收件地址（手机号或电子邮箱），替代配置中的默认接收人"
CLI_SEND_HELP = "把到期的待发通知发送一轮后退出"
CLI_FILE_HELP = "接收方配置文件（.toml）"
CLI_LEASE_HELP = ("发送租约（秒，默认 60）：发送中的通知由本进程占用，期间每三分之一租约续租一次；"
                  "进程中断后，其他发送进程在租约到期后才接手")
CLI_LEASE_BAD = "租约秒数应为 0 到 86400 之间的数字，而不是 {value}"
CLI_RECEIVER_HELP = "接收方名称"
CLI_INVALID = "接收方配置有误：{error}"
CLI_VALID = "接收方配置有效：{count} 个接收方（{enabled} 个已启用），{routes} 条路由"
CLI_UNKNOWN_RECEIVER = "未知的接收方：{name}；已定义：{known}"
TEST_TITLE = "告警通知测试"
TEST_TEXT = "这是一条来自运维指挥中心的测试消息，收到即说明接收方 {name} 配置正确，无需处理。"
CLI_TEST_OK = "测试消息已送达 {name}：{detail}"
CLI_TEST_FAILED = "测试消息发送失败（{kind}）：{detail}"
CLI_SENT = "本轮发送：成功 {sent}，待重试 {retrying}，失败 {failed}，限流 {rate_limited}，结果未知 {unknown}"
KIND_RETRYABLE = {True: "可重试", False: "需检查配置"}

# E-mail transport security (Delivery details, shown in the notification log and by `notify test`)
SMTP_NO_STARTTLS = "邮件服务器 {where} 不支持 STARTTLS，已按配置拒绝以明文发送（security = \"starttls\"）"
SMTP_NO_AUTH = "邮件服务器 {where} 不支持登录（AUTH），无法以用户 {user} 登录"
SMTP_LOGIN_REFUSED = "邮件服务器 {where} 拒绝用户 {user} 登录（用户名或密码错误？）：SMTP {code} {reply}"
SMTP_CERT_UNTRUSTED = "邮件服务器 {where} 的证书未通过校验：{reason}；如使用内部 CA，请在 ca_file 中配置其证书"
SMTP_TLS_FAILED = "与邮件服务器 {where} 的 TLS 握手失败（security = \"{mode}\" 是否与端口匹配？）：{reason}"
SMTP_CA_UNREADABLE = "无法读取 ca_file {path}：{reason}"
