"""The wall test world (tests/dashboard/world.py) with alerts raised by the real engine and the shipped
rule files: site_down fires for 芙蓉区 (X0102, down for 12 hours of a week of probes), with its slowness and
7-day ratio alerts as its dependants, among whatever else the rules find."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from alerts.engine import AlertEngine
from alerts.rules import load_rule_files
from core.clock import FixedClock, to_ns
from db.models_alerts import Alert
from tests.dashboard.world import NOW, SITES, World, build_world
from tsdb.point import Point


def older_week(code: str = "X0102") -> list[Point]:
    """Six more days of 10-minute probes, all up, before the world's 24 hours: with them the site's 7-day
    window holds 144 probes a day, so the 7-day ratio rules may judge it (7 % failures: veto and warning)."""
    node, city, level = next((n, c, lv.value) for c0, _, lv, n, c, _ in SITES if c0 == code)
    first = NOW - timedelta(seconds=30) - timedelta(minutes=10 * 143)
    return [Point("site_probe", {"up": 1, "latency_ms": 300.0, "status": 200, "tls_days": 90.0},
                  to_ns(first - timedelta(minutes=10 * k)), {"site": code, "node": node, "city": city, "level": level})
            for k in range(1, 6 * 144 + 1)]


def fire_alerts(world: World) -> dict[str, int]:
    """Evaluate the shipped rules at NOW - 10 min, - 6 min and NOW (probes are 10 minutes apart), after
    giving X0102 a full week of probes (:func:`older_week`; the other sites have one day: no ratio verdict).

    Returns ``{"rule/site-or-host-or-city": alert id}``."""
    world.store.write(older_week())
    rules = load_rule_files([world.config.resolve_path(world.config.alerts.rules_dir)])
    engine = AlertEngine(world.sessions, world.store, rules, FixedClock(NOW))
    for minutes in (10, 6, 0):
        engine.evaluate(NOW - timedelta(minutes=minutes))
    with world.sessions() as s:
        return {f"{a.rule}/{(a.labels or {}).get('site') or (a.labels or {}).get('host') or a.city_code}": a.id
                for a in s.scalars(select(Alert).order_by(Alert.id))}


def build_alert_world(tmp: Path, *, db_url: str | None = None, **kw: int) -> tuple[World, dict[str, int]]:
    """The world (registry at ``db_url`` if given, else SQLite in ``tmp``) with the engine's alerts raised."""
    world = build_world(tmp, db_url=db_url, **kw)
    return world, fire_alerts(world)


def version(world: World, alert_id: int) -> int:
    """The alert's current version (the engine bumps it on each change)."""
    with world.sessions() as s:
        a = s.get(Alert, alert_id)
        assert a is not None
        return a.version
