"""A dispatcher killed with SIGKILL mid-batch: every notification reaches its receiver at most once.

A real ``app.py notify send-due`` runs in a subprocess against a slow receiver on loopback that counts
what arrives per idempotency key (tests/alerts/notify_receivers.CountingReceiver): eight webhook rows
(the receiver honours ``Idempotency-Key``) and eight DingTalk-robot rows (no key), of which four each are
held unanswered. While they are held a second dispatcher finds nothing to send (the first one's heartbeat
keeps renewing its leases); then the first is killed with ``kill -9``, and after the leases lapse a third
one (the restart) sends what is left. Time is real here, bounded: each wait has a deadline.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models_alerts import DeliveryStatus, Notification
from db.models_security import AuditEntry
from tests.alerts.notify_receivers import CountingReceiver

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 3.0  # renewed every second; short enough to wait for, long enough for a busy machine
KINDS = ("hook", "robot")
FAST = [f"{k}-{i}" for i in range(0, 8, 2) for k in KINDS]
HELD = [f"{k}-{i}" for i in range(1, 8, 2) for k in KINDS]
DB = tuple[str, sessionmaker[Session]]


def _title(key: str) -> str:
    return f"告警 {key}"


def _rows(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Sixteen pending rows, webhook and robot taking turns, a held one after each fast pair."""
    with sessions.begin() as s:
        rows = [Notification(idem_key=f"{kind}-{i}", group_key="city:430100", alert_ids=[i], receiver=kind,
                             notifier="webhook" if kind == "hook" else "dingtalk", status=DeliveryStatus.PENDING,
                             payload={"title": _title(f"{kind}-{i}"), "text": "首页无法访问。", "severity": "critical",
                                      "city": "430100", "group_key": "city:430100"})
                for i in range(8) for kind in KINDS]
        s.add_all(rows)
        s.flush()
        return {r.idem_key: r.id for r in rows}


def _config(tmp: Path, db_url: str, base: str) -> Path:
    receivers = tmp / "receivers.toml"
    # the held requests must outlast the test's steps, not end in the notifier's own timeout
    receivers.write_text(f'[receivers.hook]\nkind = "webhook"\nurl = "{base}/hook"\ntimeout = 100\n\n'
                         f'[receivers.robot]\nkind = "dingtalk"\nurl = "{base}/robot?access_token=t"\ntimeout = 100\n\n'
                         '[[routes]]\nreceivers = ["hook", "robot"]\n', encoding="utf-8")
    cfg = tmp / "govops.toml"
    cfg.write_text(f'[database]\nurl = "{db_url}"\n\n[alerts]\nreceivers_file = "{receivers}"\n', encoding="utf-8")
    return cfg


def _dispatcher(cfg: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "app.py", "--config", str(cfg), "notify", "send-due",
                             "--lease", str(LEASE_S)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(p: subprocess.Popen[str]) -> str:
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, (p.returncode, out, err)
    return out


def _wait(what: str, ok: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}"
        time.sleep(0.1)


def _state(sessions: sessionmaker[Session]) -> dict[str, Notification]:
    with sessions() as s:
        rows = s.scalars(select(Notification)).all()
        s.expunge_all()
    return {r.idem_key: r for r in rows}


def _utc(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def test_kill_9_mid_batch_delivers_each_notification_at_most_once(migrated_db: DB, tmp_path: Path) -> None:
    db_url, sessions = migrated_db
    _rows(sessions)
    with CountingReceiver() as rx:
        rx.hold.update(_title(k) if k.startswith("robot") else k for k in HELD)
        cfg = _config(tmp_path, db_url, rx.url)
        first = _dispatcher(cfg)
        try:
            # the receiver has every message, eight of them unanswered, and the sender has recorded the others
            _wait("every row reached the receiver, eight held", lambda: rx.snapshot()[2] == 8, 60)
            sent_before_kill = lambda: sorted(k for k, r in _state(sessions).items()  # noqa: E731
                                              if r.status == DeliveryStatus.SENT)
            _wait("the eight answered rows recorded as sent while the others are still held (not per batch)",
                  lambda: sent_before_kill() == sorted(FAST), 30)
            claimed = _state(sessions)
            first_lease = max(_utc(claimed[k].lease_until) or datetime.max.replace(tzinfo=UTC) for k in HELD)
            # past the first lease the heartbeat has renewed it: a second dispatcher finds nothing to take
            _wait("the first lease is over", lambda: datetime.now(UTC) > first_lease + timedelta(seconds=0.5), 30)
            renewed = _state(sessions)
            assert all(_utc(renewed[k].lease_until) > first_lease for k in HELD), \
                {k: renewed[k].lease_until for k in HELD}
            seen = rx.snapshot()[0]
            second = _finish(_dispatcher(cfg))
            assert "本轮发送：成功 0，待重试 0，失败 0，限流 0，结果未知 0" in second, second
            assert rx.snapshot()[0] == seen
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.communicate(timeout=60)
        assert first.returncode == -signal.SIGKILL
        after_kill = _state(sessions)
        for k in HELD:  # killed mid-send: the attempt is counted, its outcome is not known
            r = after_kill[k]
            assert (r.status, r.attempts, r.sent_at) == (DeliveryStatus.PENDING, 1, None), (k, r.status, r.detail)
            assert r.claimed_by is not None
        rx.release()
        lease_end = max(_utc(after_kill[k].lease_until) or datetime.min.replace(tzinfo=UTC) for k in HELD)
        _wait("the killed dispatcher's leases lapsed", lambda: datetime.now(UTC) > lease_end, 30)
        restart = _finish(_dispatcher(cfg))
        again = _finish(_dispatcher(cfg))
        requests, delivered, holding = rx.snapshot()

    assert "本轮发送：成功 4，待重试 0，失败 0，限流 0，结果未知 4" in restart, restart
    assert "本轮发送：成功 0，待重试 0，失败 0，限流 0，结果未知 0" in again, again
    key = {k: _title(k) if k.startswith("robot") else k for k in [*FAST, *HELD]}
    # at most once per key: the webhook deduplicates the held rows sent again with the same key,
    # the robot (no key) never gets a held row a second time
    assert {k: delivered[key[k]] for k in key} == dict.fromkeys(key, 1), delivered
    assert {k: requests[key[k]] for k in key} == {k: 2 if k in HELD and k.startswith("hook") else 1 for k in key}
    final = _state(sessions)
    for k in FAST:
        r = final[k]
        assert (r.status, r.attempts, r.unknown_attempts) == (DeliveryStatus.SENT, 1, 0), (k, r.detail)
        assert r.detail.startswith("发送成功（第 1 次尝试）")
    for k in HELD:
        r = final[k]
        assert r.claimed_by is None or k.startswith("robot")
        if k.startswith("hook"):  # sent again with its key: attempt 2, the first one's outcome unknown
            assert (r.status, r.attempts, r.unknown_attempts) == (DeliveryStatus.SENT, 2, 1), (k, r.detail)
            assert r.detail.startswith("发送成功（第 2 次尝试）") and "其中 1 次尝试结果未知" in r.detail, r.detail
        else:  # not sent again: unknown, attempt 1 — never "sent, attempt 1"
            assert (r.status, r.attempts, r.unknown_attempts) == (DeliveryStatus.UNKNOWN, 1, 1), (k, r.detail)
            assert r.sent_at is None and r.detail.startswith("结果未知：第 1 次尝试期间发送进程中断"), r.detail
    with sessions() as s:
        unknown = s.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "notification.unknown")).all()
    assert sorted(unknown) == sorted(str(final[k].id) for k in HELD if k.startswith("robot"))
    assert holding == 0
