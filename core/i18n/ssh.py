"""Operator-facing wording of remote (SSH) host collection and ``app.py hosts``, in Simplified Chinese."""

from __future__ import annotations

T: dict[str, str] = {
    # one section of a poll (collectors.ssh_parse)
    "section_missing": "本项未返回结果（输出被截断或命令未执行）",
    "command_missing": "远程主机缺少该命令：{detail}",
    "command_failed": "命令执行失败（退出码 {status}）：{detail}",
    "unexpected": "{what} 的输出无法识别：{detail}",
    "auth_unreadable": "无法读取登录日志（journalctl 无记录且 /var/log/auth.log、/var/log/secure 不可读，"
                       "可将采集账号加入 adm 或 systemd-journal 组）",
    # a whole poll (collectors.ssh_session); {host} is the registered name, {where} address:port
    "hostkey_unknown": "主机“{host}”（{where}）的主机密钥未登记，已拒绝连接；核对指纹后运行 "
                       "app.py hosts trust {host} 登记",
    "hostkey_changed": "主机“{host}”（{where}）的主机密钥已变更（现为 {fingerprint}），与已登记的不符，已拒绝连接；"
                       "可能是重装系统，也可能是中间人攻击，请核实后再处理",
    "auth_failed": "主机“{host}”（{where}）拒绝了用户 {user} 的密钥登录",
    "key_missing": "主机“{host}”未登记 SSH 私钥（ssh_key_path）",
    "key_unreadable": "主机“{host}”的 SSH 私钥“{path}”无法读取：{detail}",
    "user_missing": "主机“{host}”未登记 SSH 用户名（ssh_user）",
    "connect_timeout": "连接主机“{host}”（{where}）超时（{seconds:g} 秒）",
    "connect_failed": "无法连接主机“{host}”（{where}）：{detail}",
    "command_timeout": "主机“{host}”的采集命令在 {seconds:g} 秒内未完成，已中止",
    "ssh_error": "与主机“{host}”（{where}）的 SSH 会话出错：{detail}",
    # app.py hosts
    "trust_unknown_host": "未登记名为“{host}”的主机（app.py hosts list 可查看已登记主机）",
    "trust_local_host": "主机“{host}”是本机（psutil 采集），无需 SSH 主机密钥",
    "trust_fetched": "主机“{host}”（{where}）的主机密钥：{key_type} {fingerprint}",
    "trust_mismatch": "主机“{host}”提供的指纹 {fingerprint} 与 --fingerprint 指定的 {expected} 不符，未登记",
    "trust_same": "主机“{host}”的主机密钥已登记，且与当前一致，无需变更",
    "trust_conflict": "主机“{host}”已登记了不同的主机密钥（{old}）；确认是主机重装等正当原因后，加 --replace 替换",
    "trust_written": "已登记到 {path}，并写入审计日志",
    "trust_summary": "登记主机“{host}”的 SSH 主机密钥 {fingerprint}",
    "trust_replace_summary": "替换主机“{host}”的 SSH 主机密钥：{old} → {fingerprint}",
    "list_header": "名称\t地址\t端口\t用户\t角色\t节点\t主机密钥",
    "list_trusted": "已登记",
    "list_untrusted": "未登记",
    "list_local": "本机",
}
