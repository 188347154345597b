"""Issue 12's fault test: a province and two city nodes as separate processes on loopback.

长沙 (430100) is cut from the province for a compressed hour (every second a minute of probes and host
samples) while it keeps collecting, alerting and notifying; during the cut one of its sites fails and
recovers, another fails and stays down, and the city is SIGKILLed mid-forward and restarted. The line comes
back, and the province is restarted. Afterwards every point and every event written at the city is at the
province exactly once (counts and sums compared), the alerts raised at the edge during the cut are at the
province with their true times (the one resolved during the cut resolved), the province raised no host or
site alert of its own for the cut city (one problem: the city's link) and an acknowledgement made at the
province reached the city once. 株洲 (430200) keeps its line throughout.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts import oncall
from alerts.states import AlertState
from db.models_alerts import Alert, AlertEvent
from db.models_federation import AppliedCommand, FederatedNode, NodeCommand, OutboxEvent
from db.session import make_engine, make_session_factory
from tests.e2e.federation_world import CITY_A, CITY_B, World, federation, until
from tests.support.victoria import victoria_metrics
from tsdb.factory import open_store
from tsdb.store import MetricStore, Query
from tsdb.victoriametrics import VictoriaMetricsStore

pytestmark = pytest.mark.e2e

A1, A2 = "4301000001", "4301000002"  # 长沙's sites: A1 fails and recovers during the cut, A2 fails and stays down
CUT_SECONDS = 60  # a compressed hour: one probe a second


def _db(url: str) -> Session:
    return make_session_factory(make_engine(url))()


def _totals(store: MetricStore, start: datetime, end: datetime, measurement: str = "host",
            field: str = "cpu_percent", **tags: str) -> tuple[int, float]:
    """(count, sum) of one field's samples in [start, end) with ``tags``."""
    out = []
    for agg in ("count", "sum"):
        df = store.query(Query(measurement, field, start, end, agg=agg, tags=tags))  # type: ignore[arg-type]
        out.append(float(df["value"].sum()) if len(df) else 0.0)
    return int(out[0]), out[1]


def _alerts(url: str, **where: Any) -> list[Alert]:
    with _db(url) as s:
        q = select(Alert).where(*[getattr(Alert, k) == v if v is not None else getattr(Alert, k).is_(None)
                                  for k, v in where.items()])
        rows = list(s.scalars(q))
        s.expunge_all()
        return rows


def _site_alerts(rows: list[Alert]) -> dict[str, Alert]:
    return {a.labels.get("site", ""): a for a in rows if a.rule == "site_down"}


def test_a_cut_city_keeps_working_and_the_province_converges_exactly_once(tmp_path: Path) -> None:
    with federation(tmp_path, victoria_metrics) as world:
        _run_scenario(world)


def _run_scenario(world: World) -> None:
    city, province = world.cities[CITY_A], world.province
    # Both cities are heard from and their hosts' samples reach the province.
    until(lambda: _online(world, CITY_A) and _online(world, CITY_B), 120, "both cities online at the province")
    prov_vm = VictoriaMetricsStore(world.vm_url, timeout=10)
    until(lambda: _totals(prov_vm, datetime.now(UTC) - timedelta(minutes=5), datetime.now(UTC),
                          host=f"e2e-{CITY_A}")[0] > 0, 60, "长沙's host samples at the province")
    window_start = datetime.now(UTC)

    # --- the cut ---------------------------------------------------------------------------------------
    world.cut(CITY_A)
    cut_at = time.monotonic()
    world.sites.down.add("a1")
    fired = until(lambda: _site_alerts(_alerts(city.database_url, state="firing")).get(A1), 60,
                  "长沙 raises site_down for A1 during the cut")
    world.sites.down.discard("a1")
    until(lambda: (_site_alerts(_alerts(city.database_url)).get(A1) or fired).resolved_at is not None, 60,
          "长沙 resolves A1's alert during the cut")
    world.sites.down.add("a2")
    until(lambda: _site_alerts(_alerts(city.database_url, state="firing")).get(A2), 60,
          "长沙 raises site_down for A2 during the cut")
    # SIGKILL mid-forward (the city forwards every second), then a restart with the line still cut.
    city.kill()
    city.start()
    # The province tells a cut city from failed hosts: the city's link is lost, and no host or site alert of
    # the province's own engine names the city.
    until(lambda: not _online(world, CITY_A), 60, "the province sees 长沙's link lost")
    while time.monotonic() - cut_at < CUT_SECONDS:
        time.sleep(1)
    own = [a for a in _alerts(province.database_url, origin_node=None)
           if a.city_code == CITY_A or a.labels.get("city") == CITY_A]
    assert [a.rule for a in own if a.rule != "city_node_unreachable"] == [], "the province raised a storm"
    assert len([a for a in own if a.rule == "city_node_unreachable"]) == 1  # one fault, one problem
    assert any(labels.get("site") == A1 for p in world.hook_posts for labels in _labels_in(p)), \
        "长沙 notified its on-call during the cut"
    window_end = datetime.now(UTC)

    # --- the line comes back; the province restarts ---------------------------------------------------
    world.restore(CITY_A)
    province.stop()
    province.start()
    until(lambda: _online(world, CITY_A), 120, "长沙 online again")

    # Every host sample of 长沙 in the window is at the province exactly once.
    city_store = open_store(_city_config(city.env))
    try:
        want = _totals(city_store, window_start, window_end, host=f"e2e-{CITY_A}")
        probes = _totals(city_store, window_start, window_end, "site_probe", "latency_ms", vantage=CITY_A)
    finally:
        city_store.close()
    assert want[0] >= CUT_SECONDS // 2  # the city kept collecting through the cut (with a kill in it)
    assert probes[0] >= CUT_SECONDS  # two sites and the portal probed every second, less the restart
    _converge(lambda: _totals(prov_vm, window_start, window_end, host=f"e2e-{CITY_A}"), want, 180,
              "长沙's host samples at the province exactly once")
    _converge(lambda: _totals(prov_vm, window_start, window_end, "site_probe", "latency_ms", vantage=CITY_A), probes,
              60, "长沙's probe samples at the province exactly once")

    # Every event of 长沙 is applied once, in order.
    def events_converged() -> bool:
        with _db(city.database_url) as cs, _db(province.database_url) as ps:
            total = cs.scalar(select(func.count()).select_from(OutboxEvent)) or 0
            unsent = cs.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None)))
            row = ps.get(FederatedNode, CITY_A)
            return bool(total and not unsent and row is not None and row.events_applied == total)

    until(events_converged, 120, "长沙's outbox applied at the province exactly once")

    # The alerts raised at the edge are at the province with their true times and states.
    at_city = _site_alerts(_alerts(city.database_url))
    mirrored = _site_alerts(_alerts(province.database_url, origin_node=CITY_A))
    assert set(mirrored) == set(at_city) >= {A1, A2}
    for site, alert in at_city.items():
        m = mirrored[site]
        assert (m.started_at, m.fired_at, m.resolved_at, m.state) == (
            alert.started_at, alert.fired_at, alert.resolved_at, alert.state), site
    assert mirrored[A1].resolved_at is not None and mirrored[A2].resolved_at is None
    with _db(city.database_url) as cs, _db(province.database_url) as ps:
        city_events = cs.scalar(select(func.count()).select_from(AlertEvent)) or 0
        prov_events = ps.scalar(select(func.count()).select_from(AlertEvent).join(Alert).where(
            Alert.origin_node == CITY_A)) or 0
    assert prov_events == city_events

    # An acknowledgement made at the province reaches the city, once.
    with _db(province.database_url) as ps:
        m = ps.scalars(select(Alert).where(Alert.origin_node == CITY_A, Alert.state == AlertState.FIRING,
                                           Alert.labels["site"].as_string() == A2)).one()
        oncall.acknowledge(ps, m.id, m.version, oncall.Actor("省值班员", "430000"), datetime.now(UTC),
                           note="省里已知悉")
        ps.commit()
    acked = until(lambda: _site_alerts(_alerts(city.database_url, state=AlertState.ACKNOWLEDGED)).get(A2), 60,
                  "the province's acknowledgement applied at 长沙")
    assert acked.acknowledged_by and "省值班员" in acked.acknowledged_by
    with _db(city.database_url) as cs:
        assert cs.scalar(select(func.count()).select_from(AppliedCommand)) == 1
    until(lambda: _command_applied(province.database_url), 60, "the command reported applied at the province")


def _labels_in(post: dict[str, Any]) -> list[dict[str, str]]:
    """The labels of every alert a webhook message carried."""
    body = post["body"]
    return [a.get("labels") or {} for a in [*body.get("alerts", []), *body.get("resolved", [])]
            if isinstance(a, dict)]


def _converge(read: Any, want: tuple[int, float], timeout: float, what: str) -> None:
    """Poll ``read()`` until it equals ``want`` (count and sum); fail saying what was there."""
    seen: list[tuple[int, float]] = []

    def same() -> bool:
        seen.append(read())
        return seen[-1][0] == want[0] and abs(seen[-1][1] - want[1]) <= 1e-6 * max(1.0, abs(want[1]))

    try:
        until(same, timeout, what)
    except AssertionError:
        raise AssertionError(f"{what}: the city holds {want}, the province {seen[-1] if seen else None}") from None


def _command_applied(url: str) -> bool:
    with _db(url) as s:
        rows = list(s.scalars(select(NodeCommand).where(NodeCommand.node_code == CITY_A)))
        return len(rows) == 1 and rows[0].applied_at is not None


def _online(world: World, city: str) -> bool:
    limit = timedelta(seconds=float(world.province.env["GOVOPS_FEDERATION__UNREACHABLE_AFTER"]))
    with _db(world.province.database_url) as s:
        row = s.get(FederatedNode, city)
        return row is not None and datetime.now(UTC) - row.last_seen_at <= limit


def _city_config(env: dict[str, str]) -> Any:
    from core.config import load_config

    return load_config(env=env)

