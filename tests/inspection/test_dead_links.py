"""The dead_links check: pure finding building, and the check against the real demo fleet.

The fleet listens on its own block (127.0.82.N) with the seeded default fault mix; what must be
found comes from the fleet's exported ground truth (``expect.dead_links``), not from this file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from demo.faults import UNREACHABLE_KINDS
from inspection.base import CHECKS, CheckContext, CheckError, CheckResult, Severity, SiteTarget, undeclared
from inspection.checks.dead_links import DeadLinksCheck, Settings, error_label, findings_for
from runtime.bootstrap import start_demo_fleet
from webread.addresses import AddressPolicy
from webread.crawler import BrokenLink, CrawlReport, Reference
from webread.fetch import Fetcher

CLEAN_SAMPLE = 10
# Dead links sit on the homepage and on first pages of columns (depth 1); a small budget reaches them.
SETTINGS = Settings(page_budget=25, max_depth=1, request_timeout=5.0, per_host_rate=500, evidence_pages=3)


def test_findings_split_homepage_and_other_pages() -> None:
    home, inner = "http://a.gov.cn/", "http://a.gov.cn/xwdt/index.html"
    refs = tuple(Reference(f"http://a.gov.cn/p{i}.html", "a", "专题") for i in range(5))
    report = CrawlReport(start_url=home, homepage_url=home, broken=[
        BrokenLink("http://a.gov.cn/zt/1.html", "404", 404, "", (Reference(home, "a", "专题一"),
                                                                   Reference(inner, "a", "专题一")), True),
        BrokenLink("http://b.gov.cn:9/", "refused", None, "Connect call failed", refs, False),
    ])
    first, second = findings_for(report, evidence_pages=3)
    assert (first.kind, first.severity, first.location) == ("dead_link_homepage", Severity.HIGH,
                                                             "http://a.gov.cn/zt/1.html")
    assert first.evidence["pages"] == [home, inner] and first.evidence["status"] == 404
    assert first.detail == "首页链接不可用：专题一（http://a.gov.cn/zt/1.html）（HTTP 404）"
    assert (second.kind, second.severity) == ("dead_link_page", Severity.MEDIUM)
    assert second.evidence["page_count"] == 5 and len(second.evidence["pages"]) == 3
    assert second.evidence["error"] == "refused" and "连接被拒绝" in second.detail and "5 个页面" in second.detail
    assert error_label("timeout") == "访问超时" and error_label("503") == "HTTP 503"


def test_registered_with_settings() -> None:
    assert CHECKS.get("dead_links") is DeadLinksCheck
    s = DeadLinksCheck.Settings()
    assert (s.page_budget, s.max_depth, s.retries) == (300, 3, 1)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp: Path = tmp_path_factory.mktemp("deadlinks")
    config = load_config(env={
        "GOVOPS_DATABASE__URL": f"sqlite:///{tmp / 'govops.db'}",
        "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp / "metrics.db"),
        "GOVOPS_DEMO__BIND_PREFIX": "127.0.82",
        "GOVOPS_DEMO__PORT": "28281",
        "GOVOPS_DEMO__HTTPS_PORT": "28644",
        "GOVOPS_COLLECTORS__PROBE_TIMEOUT": "2",
        "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp / "demo-ca.pem"),
    })
    spec, handle, config = start_demo_fleet(config)
    try:
        yield {"config": config, "spec": spec, "truth": spec.ground_truth()}
    finally:
        handle.stop()


def _target(site: dict[str, Any]) -> SiteTarget:
    return SiteTarget(site["code"], site["name"], site["url"], site["level"], site["node_code"], site["node_code"][:4])


def _run_all(fleet: dict[str, Any], sites: list[dict[str, Any]]) -> dict[str, CheckResult | CheckError]:
    async def main() -> dict[str, CheckResult | CheckError]:
        fetcher = Fetcher(timeout=5.0, ca_file=str(fleet["spec"].ca_file), resolve_path=Path,
                          policy=AddressPolicy(registered=[s["url"] for s in fleet["truth"]["sites"]]))
        check = DeadLinksCheck(CheckContext(config=fleet["config"], settings=SETTINGS, fetcher=fetcher))

        async def one(site: dict[str, Any]) -> CheckResult | CheckError:
            try:
                return await check.run(_target(site), datetime.now(UTC), timeout=60.0)
            except CheckError as exc:
                return exc
        try:
            results = await asyncio.gather(*(one(s) for s in sites))
        finally:
            await fetcher.aclose()
        for r in results:  # whatever the check says on a real site, the screens can label
            assert isinstance(r, CheckError) or not undeclared(check, r), undeclared(check, r)
        return {s["code"]: r for s, r in zip(sites, results, strict=True)}
    return asyncio.run(asyncio.wait_for(main(), 120))


def _faults(site: dict[str, Any]) -> set[str]:
    return {f["kind"] for f in site["faults"]}


def test_fleet_dead_links_found_and_clean_sites_quiet(fleet: dict[str, Any]) -> None:
    sites = fleet["truth"]["sites"]
    faulted = [s for s in sites if "dead_links" in _faults(s) and not _faults(s) & UNREACHABLE_KINDS]
    assert faulted, "the seeded demo mix must plant dead links"
    clean = [s for s in sites if s["clean"]]
    sample = [clean[i * len(clean) // CLEAN_SAMPLE] for i in range(CLEAN_SAMPLE)]
    assert any(s["url"].startswith("https://") for s in sample) or not any(s["https"] for s in clean)
    down = next(s for s in sites if _faults(s) == {"down"})
    results = _run_all(fleet, faulted + sample + [down])

    for site in faulted:
        result = results[site["code"]]
        assert isinstance(result, CheckResult), (site["code"], result)
        fault = next(f for f in site["faults"] if f["kind"] == "dead_links")
        expected: dict[str, tuple[str, str]] = {}
        for d in fault["expect"]["dead_links"]:
            on_home = d["page"].rstrip("/") == site["url"].rstrip("/")
            kind = "dead_link_homepage" if on_home or expected.get(d["target"], ("",))[0] == "dead_link_homepage" \
                else "dead_link_page"
            expected[d["target"]] = (kind, d["expect"])
        got = {f.location: (f.kind, f.evidence["error"]) for f in result.findings}
        assert got == expected, site["code"]
        for f in result.findings:
            pages = {d["page"] for d in fault["expect"]["dead_links"] if d["target"] == f.location}
            assert set(f.evidence["pages"]) == pages
        assert result.stats["pages_crawled"] >= 3 and result.stats["partial"] == 0
        # what the crawl judged, broken or not: a stored finding elsewhere is not resolved by this run
        assert result.covered is not None and set(expected) <= result.covered
        assert len(result.covered) == result.stats["links_checked"]

    for site in sample:
        result = results[site["code"]]
        assert isinstance(result, CheckResult), (site["code"], result)
        assert result.findings == (), (site["code"], [f.location for f in result.findings])
        assert result.stats["pages_crawled"] == SETTINGS.page_budget
        assert result.stats["links_checked"] > result.stats["pages_crawled"]

    assert isinstance(results[down["code"]], CheckError)
    assert "连接被拒绝" in str(results[down["code"]])
