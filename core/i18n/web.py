"""Every user-visible word of ``webread``: why a body or an address was refused, in Chinese."""

from __future__ import annotations

TEXT: dict[str, str] = {
    "too_large": "页面过大（超过 {size}）",
    "inflated_too_large": "页面解压后过大（超过 {size}）",
    "bomb": "页面解压后过大（压缩比超过 {ratio:g} 倍，疑似压缩炸弹），已停止读取",
    # a refused address: the host as the link or redirect wrote it, never what it resolved to
    "internal": "指向内网地址，未访问（{host}）",
    "metadata": "指向云平台元数据地址，未访问（{host}）",
}


def size_text(n: int) -> str:
    """A byte count for people: 5 MB, 16 KB."""
    return f"{n / 1048576:.3g} MB" if n >= 1048576 else f"{n / 1024:.3g} KB"


# --- Probes (webread/tls.py cert_problem, webread/probe.py explain) ---

# OpenSSL's X509_V_ERR_* codes (ssl.SSLCertVerificationError.verify_code) → what is wrong with the certificate.
CERT_PROBLEMS: dict[int, str] = {
    9: "证书尚未生效",
    10: "证书已过期",
    18: "自签名证书，不受信任",
    19: "证书链中有自签名证书，不受信任",
    20: "签发机构不受信任",
    21: "签发机构不受信任",
    2: "签发机构不受信任",
    23: "证书已被吊销",
    62: "证书与域名不符",
    64: "证书与 IP 地址不符",
}
CERT_TEXTS: tuple[tuple[str, str], ...] = (  # the same, from the text when there is no code (older records)
    ("certificate has expired", "证书已过期"),
    ("certificate is not yet valid", "证书尚未生效"),
    ("self-signed certificate in certificate chain", "证书链中有自签名证书，不受信任"),
    ("self signed certificate in certificate chain", "证书链中有自签名证书，不受信任"),
    ("self-signed certificate", "自签名证书，不受信任"),
    ("self signed certificate", "自签名证书，不受信任"),
    ("unable to get local issuer certificate", "签发机构不受信任"),
    ("unable to get issuer certificate", "签发机构不受信任"),
    ("certificate revoked", "证书已被吊销"),
    ("hostname mismatch", "证书与域名不符"),
    ("ip address mismatch", "证书与 IP 地址不符"),
    ("doesn't match", "证书与域名不符"),
)

# Reason phrases of the error statuses a probe reports (webread.probe.explain).
HTTP_STATUS_ZH: dict[int, str] = {
    400: "请求有误", 401: "需要登录", 403: "禁止访问", 404: "页面不存在", 405: "请求方法不允许",
    408: "请求超时", 410: "页面已删除", 429: "请求过多被限流", 500: "服务器内部错误", 502: "网关错误",
    503: "服务暂不可用", 504: "网关超时",
}
