"""content_errors, defacement and identity against the real demo fleet on loopback (127.0.83.N).

The seeded default mix plants every fault kind; what must be found comes from the fleet's exported
ground truth (``expect.findings`` / ``expect.allowed`` via :func:`demo.truth.finding_sets`): every
required finding of these three checks is reported, nothing outside the allowed set is, and the
clean sample yields no finding at all. Defacement is dormant until activated after the baseline run.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from demo.truth import finding_sets
from inspection.base import CheckContext, CheckError, CheckResult, SiteTarget, undeclared
from inspection.checks.content_errors import ContentErrors
from inspection.checks.content_errors import Settings as ContentSettings
from inspection.checks.defacement import Defacement, MemoryBaselines
from inspection.checks.identity import IdentityCheck
from runtime.bootstrap import start_demo_fleet
from webread.addresses import AddressPolicy
from webread.crawler import CrawlSettings
from webread.fetch import Fetcher

MINE = ("content_errors", "defacement", "identity")
MY_FAULTS = {"content_error", "defacement", "external_script", "hidden_link", "identity_missing", "tls_expiring",
             "tls_expired", "gbk_no_charset", "huge_page", "redirect_loop", "down", "slow", "error_status"}
CLEAN_SAMPLE = 10
TIMEOUT = 8.0
CONTENT = ContentSettings(max_pages=150, max_depth=2, concurrency=8)


class LoopbackContentErrors(ContentErrors):
    """The check as shipped, its crawl's politeness limit lifted on loopback (a real portal gets 20 requests/s:
    ~250 requests a site took 12 s of waiting here, the other crawl limits stay)."""

    def crawl_settings(self) -> CrawlSettings:
        return dataclasses.replace(super().crawl_settings(), per_host_rate=1000.0)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp: Path = tmp_path_factory.mktemp("security")
    config = load_config(env={
        "GOVOPS_DATABASE__URL": f"sqlite:///{tmp / 'govops.db'}",
        "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp / "metrics.db"),
        "GOVOPS_DEMO__BIND_PREFIX": "127.0.83",
        "GOVOPS_DEMO__PORT": "28381",
        "GOVOPS_DEMO__HTTPS_PORT": "28743",
        "GOVOPS_COLLECTORS__PROBE_TIMEOUT": "2",
        "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp / "demo-ca.pem"),
    })
    spec, handle, config = start_demo_fleet(config)
    try:
        yield {"config": config, "spec": spec, "handle": handle, "truth": spec.ground_truth()}
    finally:
        handle.stop()


def _target(site: dict[str, Any]) -> SiteTarget:
    return SiteTarget(site["code"], site["name"], site["url"], site["level"], site["node_code"], site["node_code"][:4])


Outcome = CheckResult | CheckError


def _run(fleet: dict[str, Any], sites: list[dict[str, Any]], baselines: MemoryBaselines | None = None,
         names: tuple[str, ...] = MINE) -> dict[tuple[str, str], Outcome]:
    """(site code, check) -> result or CheckError, all checks of ``names`` over ``sites`` concurrently."""
    async def main() -> dict[tuple[str, str], Outcome]:
        fetcher = Fetcher(timeout=TIMEOUT, ca_file=str(fleet["spec"].ca_file), resolve_path=Path,
                          policy=AddressPolicy(registered=[s["url"] for s in fleet["truth"]["sites"]]))
        ctx = CheckContext(config=fleet["config"], settings=None, fetcher=fetcher)
        checks = {"content_errors": LoopbackContentErrors(CheckContext(config=fleet["config"], settings=CONTENT,
                                                               fetcher=fetcher)),
                  "defacement": Defacement(ctx, baselines or MemoryBaselines()), "identity": IdentityCheck(ctx)}
        sem = asyncio.Semaphore(12)

        async def one(site: dict[str, Any], name: str) -> Outcome:
            async with sem:
                try:
                    return await checks[name].run(_target(site), datetime.now(UTC), timeout=TIMEOUT * 3)
                except CheckError as exc:
                    return exc
        jobs = [(s["code"], n) for s in sites for n in names]
        try:
            results = await asyncio.gather(*(one(s, n) for s in sites for n in names))
        finally:
            await fetcher.aclose()
        for (_code, name), r in zip(jobs, results, strict=True):  # every kind and key has a Chinese label
            assert isinstance(r, CheckError) or not undeclared(checks[name], r), undeclared(checks[name], r)
        return dict(zip(jobs, results, strict=True))
    return asyncio.run(asyncio.wait_for(main(), 240))


def _keys(code: str, r: Outcome) -> set[tuple[str, str, str, str]]:
    return set() if isinstance(r, CheckError) else {(code, f.check, f.kind, f.location) for f in r.findings}


def test_fleet_findings_match_ground_truth(fleet: dict[str, Any]) -> None:
    truth = fleet["truth"]
    required, allowed = finding_sets(truth)
    required = {k for k in required if k[1] in MINE}
    sites = truth["sites"]
    faulted = [s for s in sites if {f["kind"] for f in s["faults"]} & MY_FAULTS]
    clean = [s for s in sites if s["clean"]]
    sample = [clean[i * len(clean) // CLEAN_SAMPLE] for i in range(CLEAN_SAMPLE)]
    assert any(s["https"] for s in sample), "the clean sample must include an HTTPS site"
    baselines = MemoryBaselines()  # shared by both runs, as the page_baseline table would be
    results = _run(fleet, faulted + sample, baselines)

    found: set[tuple[str, str, str, str]] = set()
    for (code, _name), r in results.items():
        found |= _keys(code, r)
    for site in sample:
        for name in MINE:
            r = results[(site["code"], name)]
            assert isinstance(r, CheckResult), (site["code"], name, r)
            assert r.findings == (), (site["code"], name, [(f.kind, f.location, f.detail) for f in r.findings])
    assert results[(sample[0]["code"], "identity")].facts["icp"] == sample[0]["icp"]

    # Defacement: baselines were taken above; switch the dormant faults on and look again.
    dormant = [f for f in truth["faults"] if f["kind"] == "defacement" and f["params"]["activation"] == "manual"]
    assert dormant, "the seeded mix must hold a dormant defacement"
    for f in dormant:
        assert not _keys(f["site_code"], results[(f["site_code"], "defacement")]) & required
        fleet["handle"].activate(f["site_code"], "defacement")
    again = _run(fleet, [s for s in sites if s["code"] in {f["site_code"] for f in dormant}], baselines,
                 ("defacement",))
    for (code, _name), r in again.items():
        assert isinstance(r, CheckResult), (code, r)
        found |= _keys(code, r)

    assert required - found == set(), "required findings missing"
    assert found - allowed == set(), "findings the ground truth does not allow"
    kinds = {k[2] for k in found}
    assert {"wrong_name", "wrong_formulation", "banned_word", "fingerprint_drift", "external_script", "hidden_link",
            "missing_site_code", "missing_icp", "missing_psb", "tls_expiring", "tls_invalid"} <= kinds


def test_unreachable_sites_raise_clear_errors(fleet: dict[str, Any]) -> None:
    sites = fleet["truth"]["sites"]
    down = next(s for s in sites if {f["kind"] for f in s["faults"]} == {"down"})
    results = _run(fleet, [down])
    for name in MINE:
        r = results[(down["code"], name)]
        assert isinstance(r, CheckError) and "连接被拒绝" in str(r), (name, r)
