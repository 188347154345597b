"""Leases in the dispatcher, in process: a lapsed claim, the heartbeat, a late answer, a lost answer.

Real database (SQLite and PostgreSQL), real loopback receivers (CountingReceiver holds requests
unanswered). Leases here are fractions of a second of real time, every wait bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.dispatch import Dispatcher, DispatchReport
from alerts.receivers import Receivers, parse_receivers
from core.clock import FixedClock, SystemClock
from db.models_alerts import DeliveryStatus, Notification
from db.models_security import AuditEntry
from tests.alerts.notify_receivers import CountingReceiver

R = TypeVar("R")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DB = tuple[str, sessionmaker[Session]]


def _receivers(base: str, timeout: float = 30.0, **more: dict[str, Any]) -> Receivers:
    return parse_receivers({"receivers": {
        "hook": {"kind": "webhook", "url": f"{base}/hook", "timeout": timeout},
        "robot": {"kind": "dingtalk", "url": f"{base}/robot?access_token=t", "timeout": timeout}, **more}},
        "receivers.toml")


def _add(sessions: sessionmaker[Session], key: str, receiver: str, **state: Any) -> int:
    with sessions.begin() as s:
        row = Notification(idem_key=key, group_key="city:430100", alert_ids=[1], receiver=receiver,
                           notifier="webhook" if receiver == "hook" else "dingtalk",
                           status=state.pop("status", DeliveryStatus.PENDING),
                           payload={"title": key, "text": "首页无法访问。", "severity": "critical",
                                    "city": "430100", "group_key": "city:430100"}, **state)
        s.add(row)
        s.flush()
        return row.id


def _row(sessions: sessionmaker[Session], nid: int) -> Notification:
    with sessions() as s:
        row = s.get_one(Notification, nid)
        s.expunge(row)
        return row


def _at(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def _run(body: Callable[[], Awaitable[R]]) -> R:
    return asyncio.run(asyncio.wait_for(body(), 60))


async def _until(what: str, ok: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}"
        await asyncio.sleep(0.02)


def test_a_lapsed_claim_goes_again_with_its_key_only_where_the_receiver_deduplicates(migrated_db: DB) -> None:
    """Rows a dead dispatcher had claimed (attempt 1 counted, lease over) and one still leased."""
    _, sessions = migrated_db
    dead = {"attempts": 1, "claimed_by": "gone:4242:abcdef", "lease_until": T0 - timedelta(seconds=1),
            "last_attempt_at": T0 - timedelta(seconds=61)}
    hook = _add(sessions, "hook-lapsed", "hook", **dead)
    robot = _add(sessions, "robot-lapsed", "robot", **dead)
    plain = _add(sessions, "plain-lapsed", "plain", **dead)
    live = _add(sessions, "hook-live", "hook", attempts=1, claimed_by="alive:1:000000",
                lease_until=T0 + timedelta(seconds=30))
    with CountingReceiver() as rx:
        receivers = parse_receivers({"receivers": {
            "hook": {"kind": "webhook", "url": f"{rx.url}/hook"},
            "plain": {"kind": "webhook", "url": f"{rx.url}/hook", "idempotent": False},  # ignores the key
            "robot": {"kind": "dingtalk", "url": f"{rx.url}/robot?access_token=t"}}}, "receivers.toml")
        report = _run(lambda: Dispatcher(sessions, receivers, FixedClock(T0)).send_due(T0))
        requests = rx.snapshot()[0]
    assert (report.sent, report.unknown, report.lost_claim) == (1, 2, 0)
    assert requests == {"hook-lapsed": 1}  # the same key again; nothing to the robot, the plain hook, the live row
    r = _row(sessions, hook)
    assert (r.status, r.attempts, r.unknown_attempts, r.claimed_by, r.lease_until) == (
        DeliveryStatus.SENT, 2, 1, None, None)
    assert r.detail.startswith("发送成功（第 2 次尝试）") and "其中 1 次尝试结果未知" in r.detail
    for nid in (robot, plain):
        r = _row(sessions, nid)
        assert (r.status, r.attempts, r.unknown_attempts, r.sent_at) == (DeliveryStatus.UNKNOWN, 1, 1, None)
        assert "第 1 次尝试期间发送进程中断" in r.detail and "不按幂等键去重" in r.detail
    r = _row(sessions, live)
    assert (r.status, r.attempts, r.claimed_by) == (DeliveryStatus.PENDING, 1, "alive:1:000000")
    with sessions() as s:
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "notification.unknown")).all()
    assert sorted(a.object_id for a in audits) == sorted([str(robot), str(plain)])
    assert sorted(a.summary for a in audits) == ["通知发送结果未知：plain", "通知发送结果未知：robot"]
    assert all(a.detail["unknown_attempts"] == 1 and a.detail["attempts"] == 1 for a in audits)


def test_the_heartbeat_keeps_a_slow_send_to_itself_and_each_outcome_is_recorded_at_once(migrated_db: DB) -> None:
    _, sessions = migrated_db
    slow = _add(sessions, "hook-slow", "hook")
    quick = _add(sessions, "hook-quick", "hook")
    lease = 0.6  # renewed every 0.2 s: a margin for a busy machine

    async def body() -> tuple[DispatchReport, DispatchReport, list[datetime]]:
        with CountingReceiver() as rx:
            rx.hold.add("hook-slow")
            a = Dispatcher(sessions, _receivers(rx.url), SystemClock(), lease_s=lease)
            task = asyncio.create_task(a.send_due())
            await _until("the slow row is held", lambda: rx.snapshot()[2] == 1)
            # recorded while the other row is still in flight: not at the end of the batch
            await _until("the quick row recorded", lambda: _row(sessions, quick).status == DeliveryStatus.SENT)
            leases = []
            for _ in range(3):  # three leases long: each time a later lease, never a lapsed one
                await asyncio.sleep(lease)
                until = _at(_row(sessions, slow).lease_until)
                assert until is not None and until > datetime.now(UTC), until
                leases.append(until)
            b = await Dispatcher(sessions, _receivers(rx.url), SystemClock(), lease_s=lease).send_due()
            rx.release()
            return await task, b, leases

    a, b, leases = _run(body)
    assert leases == sorted(leases) and len(set(leases)) == 3
    assert (a.sent, b.sent, b.lost_claim, b.unknown) == (2, 0, 0, 0)
    r = _row(sessions, slow)
    assert (r.status, r.attempts, r.unknown_attempts, r.claimed_by) == (DeliveryStatus.SENT, 1, 0, None)


@pytest.mark.parametrize("kind", ["robot", "hook"])
def test_a_sender_that_lost_its_lease_but_lived(migrated_db: DB, kind: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The database refused the heartbeat; another dispatcher took the row over after the lease.

    Robot: the other one gave it up as unknown; the late answer of the first is the truth and wins.
    Webhook: the other one sent it again with the key; its record stands, the first one's is dropped.
    """
    _, sessions = migrated_db
    nid = _add(sessions, f"{kind}-1", kind)
    lease = 0.3

    async def body() -> tuple[DispatchReport, DispatchReport, dict[str, int]]:
        with CountingReceiver() as rx:
            rx.hold.add(f"{kind}-1")
            a = Dispatcher(sessions, _receivers(rx.url), SystemClock(), lease_s=lease)

            def refuse(*_: Any) -> int:
                raise ConnectionError("database unreachable")

            monkeypatch.setattr(a, "_renew", refuse)
            task = asyncio.create_task(a.send_due())
            await _until("held", lambda: rx.snapshot()[2] == 1)
            await asyncio.sleep(lease * 1.5)
            b = asyncio.create_task(Dispatcher(sessions, _receivers(rx.url), SystemClock(), lease_s=lease).send_due())
            if kind == "hook":
                await _until("sent again with the key", lambda: rx.snapshot()[0].get("hook-1") == 2)
            else:
                await _until("given up", lambda: _row(sessions, nid).status == DeliveryStatus.UNKNOWN)
            rx.release()
            return await task, await b, rx.snapshot()[1]

    a, b, delivered = _run(body)
    r = _row(sessions, nid)
    if kind == "robot":
        assert (b.unknown, a.sent) == (1, 1) and delivered == {"robot-1": 1}
        assert (r.status, r.attempts, r.unknown_attempts) == (DeliveryStatus.SENT, 1, 0), r.detail
    else:
        assert (a.lost_claim, b.sent) == (1, 1) and delivered == {"hook-1": 1}
        assert (r.status, r.attempts, r.unknown_attempts) == (DeliveryStatus.SENT, 2, 1), r.detail


def test_a_request_whose_answer_never_came(migrated_db: DB) -> None:
    """Past the notifier's timeout the receiver may have the message: the webhook tries again with its key,
    the robot is left unknown; a receiver that could not be reached at all is simply retried."""
    _, sessions = migrated_db
    hook = _add(sessions, "hook-t", "hook")
    robot = _add(sessions, "robot-t", "robot")
    refused = _add(sessions, "robot-r", "closed")
    with CountingReceiver() as rx:
        rx.hold.update({"hook-t", "robot-t"})
        receivers = _receivers(rx.url, timeout=0.5, closed={"kind": "dingtalk", "url": "http://127.0.0.1:9/robot"})
        report = _run(lambda: Dispatcher(sessions, receivers, FixedClock(T0)).send_due(T0))
    assert (report.retrying, report.unknown) == (2, 1)
    r = _row(sessions, hook)
    assert (r.status, r.attempts, r.unknown_attempts) == (DeliveryStatus.RETRYING, 1, 1)
    assert "其中 1 次尝试结果未知" in r.detail
    r = _row(sessions, robot)
    assert (r.status, r.attempts, r.unknown_attempts, r.next_attempt_at) == (DeliveryStatus.UNKNOWN, 1, 1, None)
    assert r.detail.startswith("结果未知（第 1 次尝试）：请求已发出但未收到应答")
    r = _row(sessions, refused)
    assert (r.status, r.unknown_attempts) == (DeliveryStatus.RETRYING, 0) and "network error" in r.detail


def test_a_draining_dispatcher_finishes_what_is_in_flight_and_starts_nothing_new(migrated_db: DB) -> None:
    """A graceful stop: the held delivery completes and is recorded, the rows behind it stay due, untouched."""
    _, sessions = migrated_db
    first, *rest = [_add(sessions, f"robot-{i}", "robot") for i in range(3)]

    async def body() -> tuple[DispatchReport, DispatchReport]:
        with CountingReceiver() as rx:
            rx.hold.add("robot-0")
            d = Dispatcher(sessions, _receivers(rx.url), SystemClock(), concurrency=1)
            task = asyncio.create_task(d.send_due())
            await _until("the first row is held", lambda: rx.snapshot()[2] == 1)
            await asyncio.to_thread(d.drain)  # as AlertingBackgroundService.stop does, from another thread
            rx.release()
            drained = await task
            later = await Dispatcher(sessions, _receivers(rx.url), SystemClock()).send_due()
            assert rx.snapshot()[1] == {"robot-0": 1, "robot-1": 1, "robot-2": 1}
            return drained, later

    drained, later = _run(body)
    assert (drained.sent, drained.deferred, drained.unknown) == (1, 2, 0)
    assert later.sent == 2
    assert [(_row(sessions, i).status, _row(sessions, i).attempts) for i in (first, *rest)] == \
        [(DeliveryStatus.SENT, 1)] * 3
