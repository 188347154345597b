"""A demo fleet for the page checks (homepage_update, column_freshness, interaction) on 127.0.81.N.

One fleet per test session, declared by a fault file written here so every page-fault case is
present whatever the seeded default mix holds. The checks run against it over real HTTP(S).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from demo.fleet import build_fleet
from demo.server import FleetServer
from demo.truth import finding_sets
from inspection.base import CheckContext, CheckError, CheckResult, ColumnTarget, SiteTarget, undeclared
from webread.addresses import AddressPolicy
from webread.fetch import Fetcher

PAGE_CHECKS = ("homepage_update", "column_freshness", "interaction")

# (kind, parameters): each goes to its own site, in site order after the provincial portal.
FAULTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("stale_column", {"column": "news"}), ("stale_column", {"column": "notice"}),
    ("stale_column", {"column": "policy"}), ("stale_column", {"column": "personnel"}),
    ("stale_column", {"column": "planning"}), ("stale_column", {"column": "consultation", "days": 400}),
    ("stale_column", {"column": "news", "days": 10}),
    ("blank_column", {"column": "notice"}), ("blank_column", {"column": "personnel"}),
    ("blank_column", {"column": "consultation"}),
    ("homepage_stale", {}), ("homepage_stale", {"days": 12}),
    ("navigation_homepage", {"second_level": "fresh"}), ("navigation_homepage", {"second_level": "stale"}),
    ("unanswered_message", {}), ("unanswered_message", {"days": 200}), ("no_consultation", {}),
    ("gbk_no_charset", {"column": "notice"}), ("huge_page", {}), ("redirect_loop", {}),
    ("down", {}), ("error_status", {}), ("dead_links", {}),
)


def _toml(codes: list[str]) -> str:
    out = []
    for code, (kind, params) in zip(codes, FAULTS, strict=False):
        lines = [f'[[fault]]\nkind = "{kind}"\nsite = "{code}"']
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in params.items()]
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


@pytest.fixture(scope="session")
def page_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp: Path = tmp_path_factory.mktemp("pagefleet")
    # Session-scoped and shared by several modules: under pytest-xdist each worker starts its own fleet, so
    # each gets its own loopback block (127.<worker>.81.N; the whole 127/8 is loopback).
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    env = {"GOVOPS_DEMO__BIND_PREFIX": f"127.{worker % 200}.81", "GOVOPS_DEMO__PORT": "28181",
           "GOVOPS_DEMO__HTTPS_PORT": "28481", "GOVOPS_COLLECTORS__PROBE_TIMEOUT": "2",
           "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp / "demo-ca.pem")}
    as_of = datetime.now(UTC)
    plain = build_fleet(load_config(env=env), as_of)
    codes = [s.code for s in plain.sites if s.level != "provincial_portal"][: len(FAULTS)]
    (tmp / "faults.toml").write_text(_toml(codes), encoding="utf-8")
    config = load_config(env={**env, "GOVOPS_DEMO__FAULT_FILE": str(tmp / "faults.toml")})
    spec = build_fleet(config, as_of)
    handle = FleetServer(spec).start_in_thread()
    handle.ready()
    try:
        yield {"spec": spec, "truth": spec.ground_truth(), "as_of": as_of}
    finally:
        handle.stop()


def target(site: dict[str, Any]) -> SiteTarget:
    """A SiteTarget from a ground-truth site (every registered column, first-level)."""
    cols = tuple(ColumnTarget(c["name"], c["kind"], c["url"]) for c in site["columns"])
    return SiteTarget(site["code"], site["name"], site["url"], site["level"], site["node_code"],
                      site["node_code"][:4] + "00", cols)


def run_check(fleet: dict[str, Any], kind: type, sites: list[dict[str, Any]], settings: Any = None,
              sessions: Any = None, as_of: datetime | None = None) -> dict[str, CheckResult | CheckError]:
    """Run one check kind over ``sites`` with a real Fetcher trusting the fleet's CA."""

    async def main() -> dict[str, CheckResult | CheckError]:
        fetcher = Fetcher(timeout=5.0, ca_file=str(fleet["spec"].ca_file), resolve_path=Path,
                          policy=AddressPolicy(registered=[s["url"] for s in fleet["truth"]["sites"]]))
        check = kind(CheckContext(config=None, settings=settings, fetcher=fetcher, sessions=sessions))
        sem = asyncio.Semaphore(16)

        async def one(site: dict[str, Any]) -> CheckResult | CheckError:
            async with sem:
                try:
                    return await check.run(target(site), as_of or fleet["as_of"], 20.0)
                except CheckError as exc:
                    return exc

        try:
            results = await asyncio.gather(*(one(s) for s in sites))
        finally:
            await fetcher.aclose()
        for r in results:  # whatever a check says on a real site, the screens can label
            assert isinstance(r, CheckError) or not undeclared(kind, r), undeclared(kind, r)
        return {s["code"]: r for s, r in zip(sites, results, strict=True)}

    return asyncio.run(main())


def sample(truth: dict[str, Any], every: int = 4) -> list[dict[str, Any]]:
    """Every faulted site and every ``every``-th clean one (keeps the run short)."""
    clean = [s for s in truth["sites"] if s["clean"]]
    return [s for s in truth["sites"] if not s["clean"]] + clean[::every]


def compare(truth: dict[str, Any], check: str, results: dict[str, CheckResult | CheckError]) -> None:
    """Every required finding of ``check`` is found and nothing outside the allowed set is reported."""
    required, allowed = finding_sets(truth)
    found = {(code, f.check, f.kind, f.location) for code, r in results.items() if isinstance(r, CheckResult)
             for f in r.findings}
    want = {k for k in required if k[1] == check and k[0] in results}
    assert want, f"the fleet declares no fault {check} must find"
    assert want <= found, f"missed: {sorted(want - found)}"
    extra = {k for k in found if k not in allowed}
    assert not extra, f"false positives: {sorted(extra)}"


__all__ = ["PAGE_CHECKS", "compare", "page_fleet", "replace", "run_check", "sample", "target"]
