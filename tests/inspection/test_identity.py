"""identity: footer parsing of 标识码 / ICP / 公安备案 on real-world fragments, findings, TLS verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inspection.base import CHECKS, Severity, SiteTarget
from inspection.checks.identity import Identity, IdentityCheck, identity_findings, read_identity, tls_findings

TARGET = SiteTarget("4301000001", "长沙市人民政府", "http://www.changsha.gov.cn/", "city_portal", "430100", "430100")
AS_OF = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("html", "expected"), [
    ('<div class="footer"><p>主办：长沙市人民政府办公厅 网站标识码：4301000001</p>'
     '<p><a href="https://beian.miit.gov.cn">湘ICP备05003319号</a> '
     '<a href="http://www.beian.gov.cn">湘公网安备 43010202000123号</a></p></div>',
     Identity("4301000001", "", "湘ICP备05003319号", "湘公网安备 43010202000123号", "footer")),
    ("<footer>政府网站标识码 4301000001　湘ICP备12345678号-1　湘公网安备43010202000123号</footer>",
     Identity("4301000001", "", "湘ICP备12345678号-1", "湘公网安备 43010202000123号", "footer")),
    # full-width colon and digits, label split by a tag
    ('<div id="bottom"><span>标识码：</span>４３０１０００００１<br>湘ＩＣＰ备 12345678 号</div>',
     Identity("4301000001", "", "湘ICP备12345678号", "", "footer")),
    # no footer element: whole page as fallback; meta tag read separately
    ('<html><head><meta name="SiteIDCode" content="4301000001"></head><body><table><tr><td>'
     "版权所有 湘ICP备05003319号 标识码：4301000001</td></tr></table></body></html>",
     Identity("4301000001", "4301000001", "湘ICP备05003319号", "", "page")),
    ("<p>无任何备案信息</p>", Identity()),
    # an 11-digit number is not a site code; scripts are ignored
    ('<footer>标识码：43010000011<script>var s="湘ICP备99999999号";</script></footer>', Identity()),
])
def test_read_identity(html: str, expected: Identity) -> None:
    assert read_identity(html) == expected


def test_identity_findings() -> None:
    full = Identity("4301000001", "4301000001", "湘ICP备05003319号", "湘公网安备 43010202000123号", "footer")
    assert identity_findings(full, TARGET, TARGET.url) == []
    only_meta = Identity("", "4301000001", "", "", "")
    kinds = [f.kind for f in identity_findings(only_meta, TARGET, TARGET.url)]
    assert kinds == ["missing_site_code", "missing_icp", "missing_psb"]  # the meta tag alone is not "shown"
    wrong = Identity("4301000002", "4301000001", "湘ICP备05003319号", "湘公网安备 43010202000123号", "footer")
    (f,) = identity_findings(wrong, TARGET, TARGET.url)
    assert (f.kind, f.severity, f.location) == ("site_code_mismatch", Severity.MEDIUM, TARGET.url)
    assert "4301000002" in f.detail and f.evidence["icp"] == "湘ICP备05003319号"


@pytest.mark.parametrize(("days", "trusted", "kind", "severity"), [
    (200, True, None, None),
    (31, True, None, None),
    (30, True, "tls_expiring", Severity.HIGH),
    (3, True, "tls_expiring", Severity.HIGH),
    (-1, False, "tls_invalid", Severity.CRITICAL),
    (100, False, "tls_invalid", Severity.CRITICAL),  # valid dates but not trusted (self-signed, wrong host)
])
def test_tls_findings(days: int, trusted: bool, kind: str | None, severity: Severity | None) -> None:
    not_after = AS_OF + timedelta(days=days)
    found = tls_findings(TARGET.url, not_after, AS_OF, trusted, "certificate verify failed", 30)
    assert [(f.kind, f.severity) for f in found] == ([(kind, severity)] if kind else [])
    if kind == "tls_expiring":
        assert found[0].deadline == not_after.date() and found[0].evidence["days_left"] == days
    if kind == "tls_invalid":
        assert found[0].veto


def test_tls_untrusted_without_certificate() -> None:
    (f,) = tls_findings(TARGET.url, None, AS_OF, False, "handshake failure", 30)
    assert f.kind == "tls_invalid" and "handshake failure" in f.detail
    assert tls_findings(TARGET.url, None, AS_OF, True, "", 30) == []


def test_registered() -> None:
    assert CHECKS.get("identity") is IdentityCheck
    assert IdentityCheck.Settings().tls_warning_days == 30
