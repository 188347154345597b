"""The whole cycle: metrics → engine → pipeline → a real webhook on loopback, driven by a fixed clock."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts import oncall
from alerts.service import AlertingBackgroundService, AlertService
from alerts.states import AlertState
from core.clock import FixedClock, to_ns
from core.config import AlertsConfig, Config
from db.models_alerts import Alert, DeliveryStatus, Notification
from tests.support.oncall_rules import RULES
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
TAGS = {"site": "4301020001", "node": "430102", "city": "430100", "level": "county_portal"}


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append(json.loads(body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.received = []  # type: ignore[attr-defined]
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def world(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path,
          hook: tuple[str, list[dict]]) -> Iterator[tuple]:
    _, sessions = migrated_db
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "sites.yaml").write_text(RULES, encoding="utf-8")
    receivers = tmp_path / "receivers.toml"
    receivers.write_text(f'[receivers.ops]\nkind = "webhook"\nurl = "{hook[0]}"\ntimeout = 5.0\n\n'
                         '[[routes]]\nreceivers = ["ops"]\n', encoding="utf-8")
    config = dataclasses.replace(Config(), alerts=AlertsConfig(rules_dir=str(rules), receivers_file=str(receivers)))
    store = SQLiteMetricStore(tmp_path / "m.db")
    try:
        yield config, sessions, store, hook[1]
    finally:
        store.close()


def _down(store: SQLiteMetricStore, at: datetime) -> None:
    store.write([Point("site_probe", {"up": 0}, to_ns(at - timedelta(seconds=10)), TAGS)])


def test_site_down_is_told_once_then_ack_then_restart_sends_nothing_twice(world: tuple) -> None:
    config, sessions, store, received = world
    clock = FixedClock(T0)
    svc = AlertService(config, sessions, store, clock)
    assert svc.skipped == {}
    for minute in range(0, 5):
        now = T0 + timedelta(minutes=minute)
        _down(store, now)
        rep = svc.tick(now)
        assert rep.errors == {}
    assert len(received) == 1 and received[0]["alerts"][0]["labels"]["site"] == TAGS["site"]
    # Times named in texts are the walls' (web.timezone, 北京时间), computed at the tick that sent them.
    assert received[0]["text"] == f"[紧急·告警中] 网站 {TAGS['site']} 无法访问，自 16:00 起已持续 3 分钟"
    with sessions() as s:
        alert = s.scalars(select(Alert)).one()
        assert alert.state is AlertState.FIRING
        oncall.acknowledge(s, alert.id, alert.version, oncall.Actor("op", "430000"), T0 + timedelta(minutes=5))
    restarted = AlertService(config, sessions, store, FixedClock(T0 + timedelta(minutes=6)))
    for minute in (6, 7):
        _down(store, T0 + timedelta(minutes=minute))
        restarted.tick(T0 + timedelta(minutes=minute))
    assert len(received) == 2  # the acknowledgement, once; the restart added nothing
    with sessions() as s:
        statuses = [n.status for n in s.scalars(select(Notification).order_by(Notification.id))]
    assert statuses == [DeliveryStatus.SENT, DeliveryStatus.SENT]


def test_missing_parts_are_skipped_and_the_thread_stops_promptly(world: tuple, tmp_path: Path) -> None:
    config, sessions, store, _ = world
    bare = dataclasses.replace(config, alerts=AlertsConfig(rules_dir=str(tmp_path / "none"),
                                                           receivers_file=str(tmp_path / "none.toml")))
    svc = AlertService(bare, sessions, store, FixedClock(T0))
    assert set(svc.skipped) == {"evaluate", "dispatch"}
    rep = svc.tick(T0)
    assert rep.errors == {} and rep.planned == 0
    bg = AlertingBackgroundService(svc, every_s=3600)
    bg.start()
    bg.stop(timeout=5)
    assert not bg._thread.is_alive()


def test_rule_files_reload_on_change_and_a_broken_edit_keeps_the_rules_in_force(world: tuple) -> None:
    config, sessions, store, _ = world
    rules_dir = config.resolve_path(config.alerts.rules_dir)
    svc = AlertService(config, sessions, store, FixedClock(T0))
    assert [r.name for r in svc.engine.ruleset.rules] == ["site_down"] and svc.rules_error == ""

    broken = rules_dir / "zz-broken.yaml"
    broken.write_text(RULES.replace("site_down", "site_slow").replace("op: \"==\"", "op: \"≈\""), encoding="utf-8")
    rep = svc.tick(T0)
    assert "zz-broken.yaml:" in rep.rules_error and "继续按原规则运行" in rep.rules_error
    assert [r.name for r in svc.engine.ruleset.rules] == ["site_down"] and "evaluate" not in rep.skipped
    _down(store, T0)
    svc.tick(T0)
    svc.tick(T0 + timedelta(minutes=4))
    with sessions() as s:
        assert [a.rule for a in s.scalars(select(Alert))] == ["site_down"]  # still evaluated while the edit is broken

    broken.write_text(RULES.replace("site_down", "site_slow"), encoding="utf-8")  # fixed: taken on the next tick
    rep = svc.tick(T0 + timedelta(minutes=5))
    assert rep.rules_error == "" and sorted(r.name for r in svc.engine.ruleset.rules) == ["site_down", "site_slow"]

    broken.unlink()
    (rules_dir / "sites.yaml").unlink()  # an emptied directory is more likely an accident than a decision
    rep = svc.tick(T0 + timedelta(minutes=6))
    assert "没有规则文件" in rep.rules_error
    assert sorted(r.name for r in svc.engine.ruleset.rules) == ["site_down", "site_slow"]


def test_rules_broken_at_start_are_skipped_until_fixed(world: tuple) -> None:
    config, sessions, store, _ = world
    rules = config.resolve_path(config.alerts.rules_dir) / "sites.yaml"
    good = rules.read_text(encoding="utf-8")
    rules.write_text(good.replace("kind: threshold", "kind: thresh"), encoding="utf-8")
    svc = AlertService(config, sessions, store, FixedClock(T0))
    rep = svc.tick(T0)
    assert "sites.yaml:" in rep.skipped["evaluate"] and rep.evaluated is None and not svc.engine.ruleset.rules
    rules.write_text(good, encoding="utf-8")
    rep = svc.tick(T0)
    assert "evaluate" not in rep.skipped and rep.evaluated is not None and rep.evaluated.rules == 1


def test_a_cycle_is_timed_and_its_delivery_counted_in_the_self_metrics(world: tuple) -> None:
    config, sessions, store, received = world
    evaluations0 = REGISTRY.get_sample_value("govops_rule_evaluation_seconds_count") or 0.0
    sent = {"receiver_kind": "webhook", "status": "sent"}
    sent0 = REGISTRY.get_sample_value("govops_notifications_total", sent) or 0.0
    svc = AlertService(config, sessions, store, FixedClock(T0))
    for minute in range(0, 4):
        now = T0 + timedelta(minutes=minute)
        _down(store, now)
        assert svc.tick(now).errors == {}
    assert len(received) == 1
    assert REGISTRY.get_sample_value("govops_rule_evaluation_seconds_count") == evaluations0 + 4
    assert REGISTRY.get_sample_value("govops_notifications_total", sent) == sent0 + 1
