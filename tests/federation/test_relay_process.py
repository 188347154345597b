"""The relay as the real process (``app.py worker relay``) against the province's real app on loopback: events
written while the province is down, the relay SIGKILLed mid-drain and started again, the province restarted
meanwhile — afterwards every event is at the province exactly once, and alerts resolved during the cut are
resolved there with their true times."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.states import AlertState
from db.models import Host
from db.models_alerts import Alert
from db.models_federation import FederatedNode, OutboxEvent
from tests.federation.relational import CITY, T0, City, M, Province, make_city, make_province, rows

ROOT = Path(__file__).resolve().parents[2]
HOSTS = 300


def _until(what: Callable[[], bool], deadline_s: float) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if what():
            return True
        time.sleep(0.05)
    return what()


def _applied(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as s:
        row = s.get(FederatedNode, CITY)
        return (row.last_event_seq, row.events_applied) if row else (0, 0)


@pytest.fixture
def linked(tmp_path: Path, migrated_db: tuple[str, sessionmaker[Session]]
           ) -> Iterator[tuple[City, Province, dict[str, str]]]:
    (tmp_path / "city").mkdir()
    city, engine = make_city(tmp_path / "city")
    province, token = make_province(tmp_path, migrated_db[1])
    with province.serve():
        pass  # fixes the port; down until the test serves it
    token_file = tmp_path / "province.token"
    token_file.write_text(token + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVOPS_")}
    env.update({"GOVOPS_NODE__ROLE": "city", "GOVOPS_NODE__CODE": CITY, "GOVOPS_NODE__PROVINCE_URL": province.url,
                "GOVOPS_NODE__TOKEN_FILE": str(token_file),
                "GOVOPS_DATABASE__URL": f"sqlite:///{tmp_path / 'city' / 'city.db'}",
                "GOVOPS_FEDERATION__RELAY_INTERVAL": "0.2", "GOVOPS_FEDERATION__RELAY_BATCH": "5",
                "GOVOPS_FEDERATION__RETRY_MAX_SECONDS": "0.5", "GOVOPS_FEDERATION__REQUEST_TIMEOUT": "5"})
    try:
        yield city, province, env
    finally:
        city.store.close()
        province.store.close()
        engine.dispose()


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen([sys.executable, str(ROOT / "app.py"), "worker", "relay", "--parent", str(os.getpid())],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_killed_relay_and_restarted_province_deliver_every_event_once(
        linked: tuple[City, Province, dict[str, str]], tmp_path: Path) -> None:
    city, province, env = linked
    log = tmp_path / "relay.log"
    relay = _start(env, log)
    try:
        # Written at the city while the province is down: an alert raised and resolved, one still open, hosts.
        city.evaluate(T0, 0)
        city.evaluate(T0 + 2 * M, 1)
        city.evaluate(T0 + 4 * M, 0)
        for start in range(0, HOSTS, 50):
            with city.sessions() as s:
                s.add_all(Host(name=f"h{i:04d}", address=f"10.0.{i // 250}.{i % 250}", node_code="430102")
                          for i in range(start, start + 50))
                s.commit()
        with city.sessions() as s:
            total = int(s.scalar(select(func.count()).select_from(OutboxEvent)) or 0)
            top = int(s.scalar(select(func.max(OutboxEvent.id))) or 0)
        assert relay.poll() is None, log.read_text(encoding="utf-8")
        with province.serve():
            assert _until(lambda: _applied(province.sessions)[1] > 20, 60), log.read_text(encoding="utf-8")
            _stop(relay, signal.SIGKILL)  # mid-drain
            mid = _applied(province.sessions)[1]
            assert 0 < mid < total, "the drain ended before the kill: make it slower (relay_batch)"
        relay = _start(env, log)  # back, with the province down again
        time.sleep(0.5)
        with province.serve():  # the province restarted
            assert _until(lambda: _applied(province.sessions)[0] == top, 90), log.read_text(encoding="utf-8")
        _stop(relay)
    finally:
        _stop(relay, signal.SIGKILL)
    seq, applied = _applied(province.sessions)
    assert (seq, applied) == (top, total)
    with city.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None))) == 0
    assert len(rows(province.sessions, Host)) == HOSTS
    got = rows(province.sessions, Alert, Alert.origin_node == CITY)
    assert [a.state for a in got] == [AlertState.RESOLVED, AlertState.FIRING]

    def aware(t: datetime | None) -> datetime | None:
        return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t

    assert (aware(got[0].started_at), aware(got[0].resolved_at), aware(got[1].started_at)) == (
        T0, T0 + 2 * M, T0 + 4 * M)
