"""The internal-code scanner the screens' tests use: it finds codes, and leaves data and Chinese alone."""

from __future__ import annotations

from tests.support.internal_codes import english_codes_in, internal_codes


def test_the_list_covers_every_vocabulary() -> None:
    codes = internal_codes()
    for code in ("alert.firing", "login.failed", "hidden_link", "dead_links", "site_probe.up", "site_down",
                 "firing", "pending", "stale", "breached", "province_admin", "county_portal",
                 "SSLCertVerificationError", "None", "collector_silent", "availability_ratio_veto",
                 "inspection_columns", "site_probe", "condition_cleared"):
        assert code in codes, code


def test_finds_codes_and_exception_names_in_chinese_text() -> None:
    text = ("告警 site_down 状态：firing/pending；证书校验失败 SSLCertVerificationError: certificate verify failed；"
            "图表 site_probe.up，操作 alert.firing。ProbeWeirdError 与 None")
    # "failed" is a status code too: raw library text leaking into a sentence is caught as well.
    assert english_codes_in(text) == ["site_down", "firing", "pending", "SSLCertVerificationError", "failed",
                                      "site_probe.up", "alert.firing", "ProbeWeirdError", "None"]
    assert english_codes_in(text, allow=["None", "firing", "pending", "failed"]) == [
        "site_down", "SSLCertVerificationError", "site_probe.up", "alert.firing", "ProbeWeirdError"]


def test_leaves_data_and_acronyms_alone() -> None:
    text = ("网站 https://www.hunan.gov.cn/news/index.html 正常；主机 web-01（127.0.1.5）CPU 12%，"
            "HTTP 状态码 200，TLS 证书剩余 30 天；联系人 ops@example.gov.cn；用户 admin；P95 响应时间 120 毫秒；"
            "地址 /city/430100 不存在")
    assert english_codes_in(text) == []
