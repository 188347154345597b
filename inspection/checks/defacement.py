"""网页篡改与暗链: homepage template drift, new external scripts/iframes, CSS-hidden links.

The first run on a site stores the homepage fingerprint as its baseline (table page_baseline,
check "defacement", key "homepage") and reports no drift. Later runs compare with it:
``fingerprint_drift`` when the Jaccard distance exceeds ``drift_threshold``. Scripts and iframes
from hosts that are neither the site's own, nor under ``allowed_domains``, nor accepted in the
baseline are ``external_script``; hidden off-site links are ``hidden_link``. All critical. The
baseline is replaced only by :meth:`Defacement.accept` (an operator confirming a redesign), so a
defaced page never becomes the new normal by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from core.i18n.inspection import fetch_error_zh
from inspection.base import (
    CHECKS,
    CheckBase,
    CheckContext,
    CheckError,
    CheckResult,
    FindingDraft,
    Severity,
    SiteTarget,
    VetoFeed,
)
from inspection.fingerprint import (
    PLATFORM_DOMAINS,
    Fingerprint,
    diff,
    external_sources,
    fingerprint,
    hidden_links,
    resource_key,
)
from webread.fetch import FetchError

NAME = "defacement"
BASELINE_KEY = "homepage"

TEXT = {
    "label": "网页篡改与暗链",
    "drift": "首页页面模板与基线相比变化 {pct:.0%}（阈值 {limit:.0%}），疑似被篡改",
    "drift_foreign": "，并新增 {n} 个外部脚本或框架",
    "external": "首页新增来自外部域名 {host} 的{what}：{url}",
    "script": "脚本",
    "iframe": "内嵌框架",
    "hidden": "首页存在隐藏链接（{how}）指向外部网站 {host}",
    "hidden_suspicious": "首页存在隐藏链接（{how}）指向疑似赌博/色情网站 {host}，锚文本“{text}”",
    "unreachable": "首页无法读取，无法检查篡改：{error}",
    "status": "首页返回 HTTP {status}，无法检查篡改",
}


@dataclass(frozen=True)
class Settings:
    drift_threshold: float = 0.25
    allowed_domains: tuple[str, ...] = PLATFORM_DOMAINS  # hosts under these never count as foreign


class BaselineStore(Protocol):
    def get(self, site_code: str, key: str) -> dict[str, Any] | None: ...

    def put(self, site_code: str, key: str, digest: str, data: dict[str, Any], taken_at: datetime) -> None: ...


class MemoryBaselines:
    """Baselines kept in the process: for runs without a database (they last as long as the check object)."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], dict[str, Any]] = {}

    def get(self, site_code: str, key: str) -> dict[str, Any] | None:
        return self._rows.get((site_code, key))

    def put(self, site_code: str, key: str, digest: str, data: dict[str, Any], taken_at: datetime) -> None:
        self._rows[(site_code, key)] = dict(data)


class DbBaselines:
    """Baselines in table page_baseline through a sqlalchemy sessionmaker."""

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions

    def get(self, site_code: str, key: str) -> dict[str, Any] | None:
        from sqlalchemy import select

        from db.models import PageBaseline, Site

        with self.sessions() as s:
            row = s.execute(select(PageBaseline.data).join(Site, Site.id == PageBaseline.site_id)
                            .where(Site.code == site_code, PageBaseline.check == NAME,
                                   PageBaseline.key == key)).scalar_one_or_none()
            return dict(row) if row is not None else None

    def put(self, site_code: str, key: str, digest: str, data: dict[str, Any], taken_at: datetime) -> None:
        from sqlalchemy import select

        from db.models import PageBaseline, Site

        with self.sessions.begin() as s:
            site_id = s.execute(select(Site.id).where(Site.code == site_code)).scalar_one_or_none()
            if site_id is None:
                raise CheckError(f"网站 {site_code} 不在登记库中，无法保存基线")
            row = s.execute(select(PageBaseline).where(PageBaseline.site_id == site_id, PageBaseline.check == NAME,
                                                       PageBaseline.key == key)).scalar_one_or_none()
            if row is None:
                row = PageBaseline(site_id=site_id, check=NAME, key=key, taken_at=taken_at)
                s.add(row)
            row.digest, row.data, row.taken_at, row.updated_at = digest, dict(data), taken_at, taken_at


def judge(target_url: str, page_url: str, html: str, baseline: dict[str, Any] | None,
          settings: Settings) -> tuple[list[FindingDraft], Fingerprint]:
    """Findings for one homepage against its baseline (None = first sight: no drift judged). Pure.

    Drift is a template distance above ``drift_threshold``, or a script/iframe from a foreign host that
    the baseline did not have (the usual payload of an injected banner); such a source is also reported
    as ``external_script`` (its own location, so it resolves on its own once removed).
    """
    now = fingerprint(html, page_url)
    accepted = set(baseline.get("accepted_hosts", ())) if baseline is not None else set()
    allowed = (*settings.allowed_domains, *accepted)
    foreign = list(dict.fromkeys(external_sources(html, page_url, target_url, allowed)))
    findings: list[FindingDraft] = []
    if baseline is not None:
        d = diff(Fingerprint.from_data(baseline), now)
        new_foreign = [url for kind, url in foreign if f"{kind}|{resource_key(url)}" in d.added_resources]
        if d.distance > settings.drift_threshold or new_foreign:
            findings.append(FindingDraft(
                NAME, "fingerprint_drift", target_url, Severity.CRITICAL,
                TEXT["drift"].format(pct=d.distance, limit=settings.drift_threshold)
                + (TEXT["drift_foreign"].format(n=len(new_foreign)) if new_foreign else ""),
                {"distance": d.distance, "threshold": settings.drift_threshold,
                 "baseline_digest": baseline.get("digest", ""), "digest": now.digest,
                 "new_foreign_sources": new_foreign, "added": list(d.added[:30]), "removed": list(d.removed[:30]),
                 "added_resources": list(d.added_resources), "removed_resources": list(d.removed_resources)},
                veto=True))
    for kind, url in foreign:
        host = urlsplit(url).hostname or ""
        findings.append(FindingDraft(NAME, "external_script", url, Severity.CRITICAL,
                                     TEXT["external"].format(host=host, what=TEXT[kind], url=url),
                                     {"tag": kind, "host": host, "page": page_url}, veto=True))
    for link in hidden_links(html, page_url, target_url, allowed):
        host = urlsplit(link.url).hostname or ""
        key = "hidden_suspicious" if link.suspicious else "hidden"
        findings.append(FindingDraft(NAME, "hidden_link", link.url, Severity.CRITICAL,
                                     TEXT[key].format(how=link.how, host=host, text=link.text),
                                     {"page": page_url, "hidden_by": link.how, "text": link.text,
                                      "suspicious": link.suspicious, "host": host}, veto=True))
    return findings, now


def baseline_data(fp: Fingerprint, accepted_hosts: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    return {**fp.as_data(), "digest": fp.digest, "accepted_hosts": sorted(accepted_hosts)}


@CHECKS.register(NAME)
class Defacement(CheckBase):
    """Compares the homepage with its baseline; raises CheckError when the homepage can't be read."""

    name: ClassVar[str] = NAME
    label_zh: ClassVar[str] = TEXT["label"]
    group: ClassVar[str] = "defacement"  # schedule group: collector kind inspection_defacement
    order: ClassVar[int] = 7
    veto: ClassVar[tuple[VetoFeed, ...]] = (
        VetoFeed("serious_errors", holds=("fingerprint_drift", "external_script", "hidden_link")),)
    interval: ClassVar[float] = 3600.0
    Settings: ClassVar[type] = Settings
    kinds: ClassVar[tuple[str, ...]] = ("fingerprint_drift", "external_script", "hidden_link")
    evidence_keys: ClassVar[tuple[str, ...]] = (
        "distance", "threshold", "baseline_digest", "digest", "new_foreign_sources", "added", "removed",
        "added_resources", "removed_resources", "tag", "host", "page", "hidden_by", "text", "suspicious")

    def __init__(self, ctx: CheckContext, baselines: BaselineStore | None = None) -> None:
        super().__init__(ctx)
        self.baselines: BaselineStore = baselines or (DbBaselines(ctx.sessions) if ctx.sessions is not None
                                                      else MemoryBaselines())

    async def _homepage(self, target: SiteTarget, timeout: float) -> tuple[str, str]:
        try:
            page = await self.ctx.fetcher.get(target.url, timeout=timeout)
        except FetchError as exc:
            raise CheckError(TEXT["unreachable"].format(error=fetch_error_zh(exc.kind))) from exc
        if page.status >= 400:
            raise CheckError(TEXT["status"].format(status=page.status))
        return page.final_url, page.text

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        page_url, html = await self._homepage(target, timeout)
        baseline = self.baselines.get(target.code, BASELINE_KEY)
        findings, fp = judge(target.url, page_url, html, baseline, self.settings)
        if baseline is None:
            self.baselines.put(target.code, BASELINE_KEY, fp.digest, baseline_data(fp), as_of)
        stats = {"baseline_new": float(baseline is None), "findings": float(len(findings)),
                 "template_tokens": float(len(fp.structure)), "resources": float(len(fp.resources))}
        return CheckResult(NAME, target.code, as_of, tuple(findings), stats)

    async def accept(self, target: SiteTarget, as_of: datetime, timeout: float) -> Fingerprint:
        """Make the current homepage the baseline, accepting its external script/iframe hosts (after review)."""
        page_url, html = await self._homepage(target, timeout)
        fp = fingerprint(html, page_url)
        hosts = {urlsplit(u).hostname or "" for _, u in
                 external_sources(html, page_url, target.url, self.settings.allowed_domains)}
        self.baselines.put(target.code, BASELINE_KEY, fp.digest, baseline_data(fp, hosts), as_of)
        return fp
