"""网站标识与证书: 政府网站标识码, ICP 备案号, 公安机关备案号 in the footer, and the TLS certificate.

Identity values are read from the footer (``<footer>`` or an element whose id/class says foot,
bottom or copyright), then the whole page as fallback; the ``SiteIDCode`` meta tag is compared with
the registry too (it does not replace the visible code). Missing → ``missing_site_code`` /
``missing_icp`` / ``missing_psb`` (medium); a code differing from the registry's → ``site_code_mismatch``.
HTTPS sites: days left on the certificate (read without verification) → ``tls_expiring``
(≤ ``tls_warning_days``, high, deadline = expiry) and ``tls_invalid`` (expired or not trusted,
critical). Values found go to the evidence and stats.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from core.i18n.inspection import fetch_error_zh
from inspection.base import CHECKS, CheckBase, CheckError, CheckResult, FindingDraft, Severity, SiteTarget
from webread.fetch import FetchError
from webread.tls import fetch_cert_unverified

NAME = "identity"

SITE_CODE = re.compile(r"标识码\s*[:：]?\s*([0-9]{10})(?![0-9])")
ICP = re.compile(r"([\u4e00-\u9fff]\s*ICP\s*[备证]\s*[0-9]{6,10}\s*号?(?:\s*-\s*[0-9]{1,3})?)", re.I)
PSB = re.compile(r"([\u4e00-\u9fff]\s*公网安备\s*[0-9]{10,16}\s*号?)")
_FOOTER_HINT = re.compile(r"foot|bottom|copyright|banquan", re.I)

TEXT = {
    "label": "网站标识与证书",
    "missing_site_code": "页面底部未展示政府网站标识码",
    "missing_icp": "页面底部未展示ICP备案号",
    "missing_psb": "页面底部未展示公安机关备案号",
    "site_code_mismatch": "页面展示的政府网站标识码 {found} 与登记的 {expected} 不一致",
    "tls_expiring": "HTTPS 证书将于 {date} 到期（剩余 {days} 天）",
    "tls_expired": "HTTPS 证书已于 {date} 过期",
    "tls_untrusted": "HTTPS 证书不受信任：{detail}",
    "unreachable": "首页无法读取，无法检查网站标识：{error}",
    "status": "首页返回 HTTP {status}，无法检查网站标识",
}


@dataclass(frozen=True)
class Settings:
    tls_warning_days: int = 30
    check_tls: bool = True


@dataclass(frozen=True)
class Identity:
    """What a page shows; empty strings when absent. ``meta_code`` comes from ``<meta name=SiteIDCode>``."""

    site_code: str = ""
    meta_code: str = ""
    icp: str = ""
    psb: str = ""
    where: str = ""  # "footer" or "page": where the values were found

    def as_evidence(self) -> dict[str, str]:
        return {"site_code": self.site_code, "meta_site_code": self.meta_code, "icp": self.icp, "psb": self.psb}


def _clean(s: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", s).split())


def _search(text: str) -> tuple[str, str, str]:
    code = SITE_CODE.search(text)
    icp = ICP.search(text)
    psb = PSB.search(text)
    return (code.group(1) if code else "", re.sub(r"\s+", "", icp.group(1)) if icp else "",
            re.sub(r"\s+", "", psb.group(1)).replace("公网安备", "公网安备 ", 1) if psb else "")


def read_identity(html: str) -> Identity:
    """The identity values a page shows, footer first, whole page as fallback. Pure."""
    tree = LexborHTMLParser(html or "<html></html>")
    tree.strip_tags(["script", "style", "noscript"])
    meta = ""
    for m in tree.css("meta[name]"):
        if (m.attributes.get("name") or "").lower() == "siteidcode":
            meta = _clean(m.attributes.get("content") or "")
    footers = [n for n in tree.css("footer, div, p, table, section")
               if n.tag == "footer" or _FOOTER_HINT.search((n.attributes.get("id") or "")
                                                           + " " + (n.attributes.get("class") or ""))]
    footer_text = _clean(" ".join(n.text(separator=" ") for n in footers))
    top = tree.body or tree.root
    page_text = _clean(top.text(separator=" ") if top else "")
    code, icp, psb = _search(footer_text)
    where = "footer" if (code or icp or psb) else ""
    if not (code and icp and psb):
        p_code, p_icp, p_psb = _search(page_text)
        if (not code and p_code) or (not icp and p_icp) or (not psb and p_psb):
            where = where or "page"
        code, icp, psb = code or p_code, icp or p_icp, psb or p_psb
    return Identity(code, meta, icp, psb, where)


def identity_findings(ident: Identity, target: SiteTarget, page_url: str) -> list[FindingDraft]:
    """Missing and mismatching identity values, located at ``page_url`` (the homepage). Pure."""
    out: list[FindingDraft] = []
    ev = {**ident.as_evidence(), "registered_code": target.code, "page": page_url}
    # The rule asks for the code where visitors see it; the meta tag alone does not count as shown.
    if not ident.site_code:
        out.append(FindingDraft(NAME, "missing_site_code", page_url, Severity.MEDIUM, TEXT["missing_site_code"], ev))
    for found in dict.fromkeys(c for c in (ident.site_code, ident.meta_code) if c):
        if found != target.code:
            out.append(FindingDraft(NAME, "site_code_mismatch", page_url, Severity.MEDIUM,
                                    TEXT["site_code_mismatch"].format(found=found, expected=target.code), ev))
            break
    if not ident.icp:
        out.append(FindingDraft(NAME, "missing_icp", page_url, Severity.MEDIUM, TEXT["missing_icp"], ev))
    if not ident.psb:
        out.append(FindingDraft(NAME, "missing_psb", page_url, Severity.MEDIUM, TEXT["missing_psb"], ev))
    return out


def tls_findings(url: str, not_after: datetime | None, as_of: datetime, trusted: bool, detail: str,
                 warning_days: int) -> list[FindingDraft]:
    """Certificate findings from its expiry and whether a verified handshake succeeded. Pure."""
    if not_after is None:
        return [] if trusted else [FindingDraft(NAME, "tls_invalid", url, Severity.CRITICAL,
                                                TEXT["tls_untrusted"].format(detail=detail), {"error": detail},
                                                veto=True)]
    days = (not_after - as_of).total_seconds() / 86400.0
    ev: dict[str, Any] = {"not_after": not_after.isoformat(), "days_left": round(days, 2)}
    if days < 0:
        return [FindingDraft(NAME, "tls_invalid", url, Severity.CRITICAL,
                             TEXT["tls_expired"].format(date=not_after.date().isoformat()),
                             {**ev, "reason": "expired"}, veto=True)]
    if not trusted:
        return [FindingDraft(NAME, "tls_invalid", url, Severity.CRITICAL, TEXT["tls_untrusted"].format(detail=detail),
                             {**ev, "reason": "untrusted", "error": detail}, veto=True)]
    if days <= warning_days:
        return [FindingDraft(NAME, "tls_expiring", url, Severity.HIGH,
                             TEXT["tls_expiring"].format(date=not_after.date().isoformat(), days=int(days)),
                             ev, deadline=not_after.date())]
    return []


@CHECKS.register(NAME)
class IdentityCheck(CheckBase):
    """Footer identity and TLS certificate of the homepage; raises CheckError when it can't be read at all."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "identity"  # schedule group: collector kind inspection_identity
    order: ClassVar[int] = 8
    interval: ClassVar[float] = 24 * 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("missing_site_code", "site_code_mismatch", "missing_icp",
                                          "missing_psb", "tls_expiring", "tls_invalid")
    evidence_keys: ClassVar[tuple[str, ...]] = (
        "site_code", "meta_site_code", "icp", "psb", "registered_code", "page", "error", "not_after",
        "days_left", "reason")

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        findings: list[FindingDraft] = []
        stats: dict[str, float] = {}
        page = None
        tls_error = ""
        facts: dict[str, Any] = {}
        try:
            page = await self.ctx.fetcher.get(target.url, timeout=timeout)
        except FetchError as exc:
            if exc.kind != "tls":
                raise CheckError(TEXT["unreachable"].format(error=fetch_error_zh(exc.kind))) from exc
            tls_error = exc.detail
        parts = urlsplit(target.url)
        if parts.scheme == "https" and self.settings.check_tls:
            der = await fetch_cert_unverified(parts.hostname or "", parts.port or 443, timeout)
            not_after = _not_after(der) if der else None
            if der is None and page is None:
                raise CheckError(TEXT["unreachable"].format(error=fetch_error_zh("tls")))
            findings += tls_findings(target.url, not_after, as_of, page is not None, tls_error,
                                     self.settings.tls_warning_days)
            if not_after is not None:
                facts["tls_not_after"] = not_after.isoformat()
                stats["tls_days"] = round((not_after - as_of).total_seconds() / 86400.0, 2)
        if page is not None:
            if page.status >= 400:
                raise CheckError(TEXT["status"].format(status=page.status))
            ident = read_identity(page.text)
            findings += identity_findings(ident, target, target.url)  # location: the homepage as registered
            stats.update({"has_site_code": float(bool(ident.site_code or ident.meta_code)),
                          "has_icp": float(bool(ident.icp)), "has_psb": float(bool(ident.psb))})
            facts = {**ident.as_evidence(), "found_in": ident.where}
        return CheckResult(NAME, target.code, as_of, tuple(findings), stats, facts)


def _not_after(der: bytes) -> datetime | None:
    from cryptography import x509

    try:
        return x509.load_der_x509_certificate(der).not_valid_after_utc
    except ValueError:
        return None
