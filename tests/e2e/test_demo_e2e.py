"""End to end: demo fleet → registry → collectors → metric store → the overview's data functions.

Everything is real: the fleet listens on loopback, the probe makes real HTTP(S) requests, the store is
the embedded SQLite backend and the numbers come from the wall's own data layer. The expected counts are
derived from the fleet's exported ground truth, not written down here.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import Config, load_config
from runtime.bootstrap import (
    build_scheduler,
    collect_once,
    load_registry,
    open_metric_store,
    prepare_database,
    register_local_host,
    start_demo_fleet,
)

pytestmark = pytest.mark.e2e

# Roomy enough that a healthy loopback site answers in time on a loaded 2-core CI machine (the fleet's TLS
# handshakes share this process); the seeded slow sites wait longer than this, whatever it is.
PROBE_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp: Path = tmp_path_factory.mktemp("e2e")
    config: Config = load_config(env={
        "GOVOPS_DATABASE__URL": f"sqlite:///{tmp / 'govops.db'}",
        "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp / "metrics.db"),
        "GOVOPS_DEMO__BIND_PREFIX": "127.0.77",
        "GOVOPS_DEMO__PORT": "28080",
        "GOVOPS_DEMO__HTTPS_PORT": "28443",
        "GOVOPS_COLLECTORS__PROBE_TIMEOUT": str(PROBE_TIMEOUT),
        "GOVOPS_COLLECTORS__CONCURRENCY": "16",  # fewer simultaneous handshakes: counts, not load, are tested here
        "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp / "demo-ca.pem"),
        "GOVOPS_INSPECTION__SCHEDULED": "false",  # the inspection collectors are tested on their own
    })
    sessions = prepare_database(config)
    spec, handle, config = start_demo_fleet(config)
    store = open_metric_store(config)
    try:
        load_registry(config, sessions, spec)
        register_local_host(config, sessions)
        reports = asyncio.run(collect_once(build_scheduler(config, sessions, store)))
        yield {"config": config, "sessions": sessions, "store": store, "truth": spec.ground_truth(),
               "reports": {r.collector: r for r in reports}, "now": datetime.now(UTC)}
    finally:
        handle.stop()
        store.close()


@pytest.fixture(scope="module")
def wall(collected: dict[str, Any]) -> Iterator[Any]:
    from dashboard.data import wall_data
    from tests.support.web import wall_app

    app = wall_app(collected["config"], store=collected["store"], sessions=collected["sessions"])
    with app.server.app_context():
        yield wall_data()


def _expected_down(truth: dict[str, Any]) -> set[str]:
    return {s["code"] for s in truth["sites"] if any(not f["expect"]["probe_ok"] for f in s["faults"])}


def test_every_site_probed_once(collected: dict[str, Any]) -> None:
    report = collected["reports"]["site_probe"]
    assert report.ok + report.failed + report.timed_out == len(collected["truth"]["sites"])
    assert report.timed_out == 0  # the probe reports its own 15 s-rule failure before the scheduler's hard stop
    assert collected["reports"]["host"].ok == 1


def test_overview_counts_match_declared_faults(collected: dict[str, Any], wall: Any) -> None:
    truth, now = collected["truth"], collected["now"]
    down = _expected_down(truth)
    assert down, "the seeded demo mix must contain unreachable sites"
    kpis = wall.overview_kpis(now)
    assert kpis.sites_total == len(truth["sites"])
    assert kpis.sites_down == len(down)
    assert kpis.sites_up == len(truth["sites"]) - len(down)
    assert kpis.sites_stale == 0
    assert kpis.availability == pytest.approx(100.0 * kpis.sites_up / kpis.sites_total, abs=0.01)
    assert kpis.p95_latency_ms is not None and 0 < kpis.p95_latency_ms < PROBE_TIMEOUT * 1000
    assert kpis.hosts_total == 1 and kpis.hosts_stale == 0

    frame = wall.site_frame(now).set_index("code")
    assert set(frame.index[frame["status"] == "down"]) == down


def test_city_health_and_worst_sites(collected: dict[str, Any], wall: Any) -> None:
    truth, now = collected["truth"], collected["now"]
    down = _expected_down(truth)
    frame = wall.site_frame(now).set_index("code")
    expected_by_city = Counter(frame.loc[sorted(down), "city_code"])
    health = wall.city_health(now).set_index("code")
    assert len(health) >= 14
    for code, row in health.iterrows():
        assert row["down"] == expected_by_city.get(code, 0), code
        assert row["sites_total"] == int((frame["city_code"] == code).sum())
    worst = wall.worst_sites(now, n=len(down))
    assert set(worst["code"]) == down


def test_tls_days_reported_for_expiring_certificates(collected: dict[str, Any], wall: Any) -> None:
    frame = wall.site_frame(collected["now"]).set_index("code")
    expiring = [f for f in collected["truth"]["faults"] if f["kind"] == "tls_expiring"]
    assert expiring
    for f in expiring:
        assert frame.loc[f["site_code"], "tls_days"] == pytest.approx(f["expect"]["tls_days_left"], abs=1.0)


def test_old_data_is_stale_never_healthy(collected: dict[str, Any], wall: Any) -> None:
    later = collected["now"] + timedelta(seconds=3 * collected["config"].collectors.probe_interval)
    kpis = wall.overview_kpis(later)
    assert kpis.sites_up == 0 and kpis.sites_down == 0
    assert kpis.sites_stale == kpis.sites_total
