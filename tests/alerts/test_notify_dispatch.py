"""The dispatcher against a real database and real loopback receivers; time is injected, nothing sleeps."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.delivery import Claim
from alerts.dispatch import Dispatcher, DispatchReport, backoff_seconds
from alerts.pipeline import AlertSnap, GroupChange, payload_of, signature
from alerts.receivers import Receivers, parse_receivers
from core.clock import FixedClock
from db.models import Node, NodeLevel
from db.models_alerts import DeliveryStatus, Notification
from db.models_security import AuditEntry, Role, User
from tests.alerts.notify_receivers import HttpReceiver

R = TypeVar("R")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DB = tuple[str, sessionmaker[Session]]


def _receivers(url: str, **extra: dict[str, Any]) -> Receivers:
    doc: dict[str, Any] = {"receivers": {"hook": {"kind": "webhook", "url": url},
                                         "duty-sms": {"kind": "sms", "url": url, "on_duty": True}}}
    for name, settings in extra.items():
        doc["receivers"][name].update(settings)
    return parse_receivers(doc, "receivers.toml")


def _add(sessions: sessionmaker[Session], n: int, *, receiver: str = "hook", recipient: str | None = None,
         next_at: datetime | None = None, prefix: str = "n") -> list[int]:
    with sessions.begin() as s:
        rows = [Notification(idem_key=f"{prefix}-{i}", group_key="city:430100", alert_ids=[i], receiver=receiver,
                             notifier="webhook", recipient=recipient, status=DeliveryStatus.PENDING,
                             next_attempt_at=next_at,
                             payload={"title": f"长沙市网站告警 {prefix}-{i}", "text": "首页无法访问。",
                                      "severity": "critical", "city": "430100", "group_key": "city:430100",
                                      "alerts": [{"id": i}]})
                for i in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def _row(sessions: sessionmaker[Session], nid: int) -> Notification:
    with sessions() as s:
        row = s.get_one(Notification, nid)
        s.expunge(row)
        return row


def _at(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def run(server: HttpReceiver, body: Callable[[str], Awaitable[R]]) -> R:
    async def main() -> R:
        url = await server.start()
        try:
            return await body(url)
        finally:
            await server.stop()
    return asyncio.run(asyncio.wait_for(main(), 120))


def test_sends_due_rows_once_logs_the_attempt_and_audits(migrated_db: DB) -> None:
    _, sessions = migrated_db
    due = _add(sessions, 2)
    (later,) = _add(sessions, 1, next_at=T0 + timedelta(minutes=5), prefix="later")
    server = HttpReceiver()

    async def body(url: str) -> list[DispatchReport]:
        d = Dispatcher(sessions, _receivers(url), FixedClock(T0))
        first = await d.send_due(T0)
        again = await d.send_due(T0 + timedelta(seconds=1))
        restarted = Dispatcher(sessions, _receivers(url), FixedClock(T0))  # a restart sends nothing twice
        return [first, again, await restarted.send_due(T0 + timedelta(seconds=2))]

    first, again, restarted = run(server, body)
    assert first.sent == 2 and sorted(first.ids["sent"]) == sorted(due)
    assert again.sent == restarted.sent == 0
    assert sorted(s.body["idem_key"] for s in server.seen) == ["n-0", "n-1"]
    row = _row(sessions, due[0])
    assert row.status == DeliveryStatus.SENT and row.attempts == 1
    assert _at(row.sent_at) == T0 and _at(row.last_attempt_at) == T0 and row.detail.startswith("发送成功")
    assert _row(sessions, later).status == DeliveryStatus.PENDING
    with sessions() as s:
        audits = s.scalars(select(AuditEntry).where(AuditEntry.action == "notification.sent")).all()
    assert sorted(a.object_id for a in audits) == sorted(str(i) for i in due)
    assert all(a.actor == "system" and a.scope_code == "430100" and "通知已发送" in a.summary for a in audits)


def test_retries_with_exponential_backoff_and_jitter_then_sends(migrated_db: DB) -> None:
    _, sessions = migrated_db
    (nid,) = _add(sessions, 1)
    server = HttpReceiver(replies=[(500, {"e": 1}), (503, {"e": 2})])
    expect_rng = random.Random(7)
    delay1 = backoff_seconds(1, 30, 3600, 0.2, expect_rng.random())
    delay2 = backoff_seconds(2, 30, 3600, 0.2, expect_rng.random())
    assert 30 <= delay1 <= 36 and 60 <= delay2 <= 72

    async def body(url: str) -> list[tuple[int, Notification]]:
        d = Dispatcher(sessions, _receivers(url), FixedClock(T0), rng=random.Random(7))
        out = []
        for now in (T0, T0 + timedelta(seconds=delay1 - 1), T0 + timedelta(seconds=delay1),
                    T0 + timedelta(seconds=delay1 + delay2)):
            report = await d.send_due(now)
            out.append((report.sent + report.retrying + report.failed, _row(sessions, nid)))
        return out

    (n1, r1), (n2, r2), (n3, r3), (n4, r4) = run(server, body)
    assert (n1, r1.status, r1.attempts) == (1, DeliveryStatus.RETRYING, 1)
    assert _at(r1.next_attempt_at) == T0 + timedelta(seconds=delay1) and "HTTP 500" in r1.detail
    assert (n2, r2.attempts) == (0, 1)  # not yet due
    assert (n3, r3.status, r3.attempts) == (1, DeliveryStatus.RETRYING, 2)
    assert _at(r3.next_attempt_at) == T0 + timedelta(seconds=delay1 + delay2)
    assert (n4, r4.status, r4.attempts) == (1, DeliveryStatus.SENT, 3)
    assert len(server.seen) == 3


def test_gives_up_after_max_attempts_and_fails_at_once_when_not_retryable(migrated_db: DB) -> None:
    _, sessions = migrated_db
    (flaky,) = _add(sessions, 1, prefix="flaky")
    server = HttpReceiver(replies=[(500, {})] * 3 + [(400, {"error": "bad token"})])

    async def body(url: str) -> None:
        d = Dispatcher(sessions, _receivers(url), FixedClock(T0), max_attempts=3, rng=random.Random(1))
        now = T0
        for _ in range(5):  # bounded: more rounds than attempts allowed
            await d.send_due(now)
            now += timedelta(hours=2)
        (bad,) = _add(sessions, 1, prefix="bad")
        await d.send_due(now)
        row = _row(sessions, bad)
        assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1) and "不再重试" in row.detail

    run(server, body)
    row = _row(sessions, flaky)
    assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.FAILED, 3, None)
    assert "第 3 次尝试" in row.detail and len(server.seen) == 4


def _duty_user(sessions: sessionmaker[Session], username: str, phone: str | None) -> None:
    with sessions.begin() as s:
        if s.get(Node, "430100") is None:
            s.add(Node(code="430000", name="湖南省", level=NodeLevel.PROVINCE))
            s.flush()
            s.add(Node(code="430100", name="长沙市", level=NodeLevel.CITY, parent_code="430000"))
            s.flush()
        s.add(User(username=username, display_name="张三", password_hash="x", role=Role.ONCALL,
                   scope_code="430100", phone=phone, email=None))


def test_rate_limit_per_recipient_then_summary_in_the_next_message(migrated_db: DB) -> None:
    _, sessions = migrated_db
    _duty_user(sessions, "zhangsan", "13800000001")
    ids = _add(sessions, 4, receiver="duty-sms", recipient="zhangsan", prefix="storm")
    server = HttpReceiver()

    async def body(url: str) -> tuple[DispatchReport, DispatchReport]:
        d = Dispatcher(sessions, _receivers(url, **{"duty-sms": {"max_per_hour": 2}}), FixedClock(T0))
        storm = await d.send_due(T0)
        _add(sessions, 1, receiver="duty-sms", recipient="zhangsan", prefix="after")
        return storm, await d.send_due(T0 + timedelta(minutes=61))

    storm, after = run(server, body)
    assert (storm.sent, storm.rate_limited) == (2, 2) and after.sent == 1
    assert [s.body["phone"] for s in server.seen] == ["13800000001"] * 3
    last = server.seen[-1].body["content"]
    assert "另有 2 条告警通知因发送频率限制被合并" in last and "storm-2" in last and "storm-3" in last
    held = [_row(sessions, i) for i in ids[2:]]
    assert all(r.status == DeliveryStatus.RATE_LIMITED and r.attempts == 0 for r in held)
    assert all(r.detail.startswith("已合并至通知 #") for r in held)


def test_rate_limit_per_receiver_per_minute(migrated_db: DB) -> None:
    _, sessions = migrated_db
    _add(sessions, 3)
    server = HttpReceiver()

    async def body(url: str) -> list[DispatchReport]:
        d = Dispatcher(sessions, _receivers(url, hook={"max_per_minute": 1}), FixedClock(T0))
        first = await d.send_due(T0)
        _add(sessions, 1, prefix="within")
        within = await d.send_due(T0 + timedelta(seconds=30))
        _add(sessions, 1, prefix="after")
        return [first, within, await d.send_due(T0 + timedelta(seconds=61))]

    first, within, after = run(server, body)
    assert (first.sent, first.rate_limited) == (1, 2)
    assert (within.sent, within.rate_limited) == (0, 1)  # the first message is still inside the minute
    assert after.sent == 1 and len(server.seen) == 2
    assert "另有 3 条" in server.seen[-1].body["text"] and "within-0" in server.seen[-1].body["text"]


def test_two_dispatchers_never_send_a_row_twice(migrated_db: DB) -> None:
    _, sessions = migrated_db
    ids = _add(sessions, 6)
    server = HttpReceiver()

    async def body(url: str) -> tuple[DispatchReport, DispatchReport, bool]:
        a = Dispatcher(sessions, _receivers(url), FixedClock(T0))
        b = Dispatcher(sessions, _receivers(url), FixedClock(T0))
        ra, rb = await asyncio.gather(a.send_due(T0), b.send_due(T0))
        # a dispatcher that read a row before the other sent it: its guarded claim must lose
        stale = b._claim(ids[0], Claim(DeliveryStatus.PENDING, 0, None, None), T0, False)
        return ra, rb, stale

    ra, rb, stale = run(server, body)
    assert ra.sent + rb.sent == 6 and not stale
    assert sorted(s.body["idem_key"] for s in server.seen) == sorted(f"n-{i}" for i in range(6))


def test_on_duty_without_address_and_unknown_receiver_fail_with_a_reason(migrated_db: DB) -> None:
    _, sessions = migrated_db
    _duty_user(sessions, "lisi", None)
    (no_phone,) = _add(sessions, 1, receiver="duty-sms", recipient="lisi", prefix="a")
    (nobody,) = _add(sessions, 1, receiver="duty-sms", recipient=None, prefix="b")
    (unknown,) = _add(sessions, 1, receiver="pager", prefix="c")
    server = HttpReceiver()
    report = run(server, lambda url: Dispatcher(sessions, _receivers(url), FixedClock(T0)).send_due(T0))
    assert report.failed == 3 and server.seen == []
    assert "值班人员 lisi 未登记手机号码" in _row(sessions, no_phone).detail
    assert "未指定值班人员" in _row(sessions, nobody).detail
    assert "接收方 pager 未在接收方配置文件中定义" in _row(sessions, unknown).detail


def test_a_recovery_reaches_the_webhook_as_resolved(migrated_db: DB) -> None:
    """The planner's payload for a group whose alerts all resolved, through a real row and dispatcher."""
    _, sessions = migrated_db
    gone = AlertSnap(id=11, rule="site_down", state="resolved", severity="critical", labels={"site": "hn-cs-001"},
                     city_code="430100", group_key="city:430100", summary="长沙市政府门户网站首页无法访问",
                     fired_at=T0 - timedelta(hours=1))
    still = AlertSnap(id=12, rule="site_slow", state="firing", severity="medium", labels={"site": "hn-cs-001"},
                      city_code="430100", group_key="city:430100", summary="长沙市政府门户网站访问缓慢")
    cities = {"430100": "长沙市"}
    for key, open_ in (("all", ()), ("mixed", (still,))):
        change = GroupChange("city:430100", "430100", open_, (gone,), signature(open_), 2)
        with sessions.begin() as s:
            s.add(Notification(idem_key=key, group_key="city:430100", alert_ids=[11], receiver="hook",
                               notifier="webhook", status=DeliveryStatus.PENDING,
                               payload=payload_of(change, cities)))
    server = HttpReceiver()
    report = run(server, lambda url: Dispatcher(sessions, _receivers(url), FixedClock(T0)).send_due(T0))
    assert report.sent == 2
    bodies = {s.body["idem_key"]: s.body for s in server.seen}
    done, mixed = bodies["all"], bodies["mixed"]
    assert (done["status"], done["alerts"], done["title"]) == ("resolved", [], "【已恢复】长沙市告警 1 条已恢复")
    (entry,) = done["resolved"]
    assert (entry["id"], entry["status"], entry["state"], entry["labels"]) == (
        11, "resolved", "resolved", {"site": "hn-cs-001"})
    assert "[已恢复] 长沙市政府门户网站首页无法访问" in done["text"]
    assert mixed["status"] == "firing"
    assert [(a["id"], a["status"]) for a in mixed["alerts"]] == [(12, "firing")]
    assert [(a["id"], a["status"]) for a in mixed["resolved"]] == [(11, "resolved")]


def test_texts_are_computed_when_sent_not_when_planned(migrated_db: DB) -> None:
    """Planned at T0, delivered ten minutes later (a retry, a rate limit): the message says what is true then."""
    _, sessions = migrated_db
    down = AlertSnap(id=21, rule="site_down", state="firing", severity="critical", labels={"site": "hn-cs-001"},
                     city_code="430100", group_key="city:430100", summary="长沙市政府门户网站首页无法访问",
                     fired_at=T0 - timedelta(minutes=2), started_at=T0 - timedelta(minutes=5), last_eval_at=T0,
                     template="长沙市政府门户网站首页无法访问")
    tls = AlertSnap(id=22, rule="tls_expiring", state="firing", severity="high", labels={"site": "hn-cs-001"},
                    city_code="430100", group_key="city:430100", summary="证书今天到期", value=0.1,
                    fired_at=T0, started_at=T0, last_eval_at=T0, template="长沙市政府门户网站的 HTTPS 证书{days_left}")
    change = GroupChange("city:430100", "430100", (down, tls), (), signature((down, tls)), 1)
    planned = payload_of(change, {"430100": "长沙市"}, T0)
    assert planned["text"].splitlines() == [
        "[紧急·告警中] 长沙市政府门户网站首页无法访问（自 00:55 起已持续 5 分钟）",
        "[严重·告警中] 长沙市政府门户网站的 HTTPS 证书今天到期（自 01:00 起已持续 0 秒）"]
    with sessions.begin() as s:
        s.add(Notification(idem_key="later", group_key="city:430100", alert_ids=[21, 22], receiver="hook",
                           notifier="webhook", status=DeliveryStatus.PENDING, payload=planned))
    server = HttpReceiver()
    sent_at = T0 + timedelta(hours=3)
    report = run(server, lambda url: Dispatcher(sessions, _receivers(url), FixedClock(sent_at)).send_due(sent_at))
    assert report.sent == 1
    (seen,) = server.seen
    assert seen.body["text"].splitlines() == [
        "[紧急·告警中] 长沙市政府门户网站首页无法访问（自 00:55 起已持续 3 小时 5 分钟）",
        "[严重·告警中] 长沙市政府门户网站的 HTTPS 证书已于今天过期（自 01:00 起已持续 3 小时）"]
    assert [a["summary"] for a in seen.body["alerts"]][1] == "长沙市政府门户网站的 HTTPS 证书已于今天过期"
