"""The city's outbox: every change of an alert, alert event, finding, check run and host is an event written by
the same commit; a rollback leaves none; a factory without the hooks writes none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts import oncall
from alerts.states import AlertState
from db.models import Host, HostRole, Site
from db.models_alerts import Alert
from db.models_federation import OutboxEvent
from db.session import make_session_factory
from federation.outbox import install, installed
from inspection.base import CheckResult
from inspection.findings import record_run, save_result
from tests.federation.relational import SITE, T0, City, M, make_city, rows
from tests.inspection.support import draft


@pytest.fixture
def city(tmp_path: Path, db_url: str) -> Iterator[City]:
    c, engine = make_city(tmp_path, db_url)
    try:
        yield c
    finally:
        c.store.close()
        engine.dispose()


def events(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    return [(e.entity, e.entity_key, e.op) for e in rows(sessions, OutboxEvent)]


def test_seeding_the_registry_writes_no_event_and_install_is_idempotent(city: City) -> None:
    assert events(city.sessions) == []
    assert installed(city.sessions) and install(city.sessions) is city.sessions


def test_alert_lifecycle_and_its_events_are_captured_in_order(city: City) -> None:
    city.evaluate(T0, 0)  # fires at once (for: 0m)
    (a,) = rows(city.sessions, Alert)
    got = events(city.sessions)
    assert got == [("alert", f"alert:{a.id}", "upsert"), ("alert_event", f"alert:{a.id}", "insert")]
    (first,) = [e for e in rows(city.sessions, OutboxEvent) if e.entity == "alert"]
    assert first.payload["state"] == "firing" and first.payload["fingerprint"] == a.fingerprint
    assert first.payload["labels"]["site"] == SITE and first.payload["started_at"].startswith("2026-11-27T08:00")
    city.evaluate(T0 + M, 0)  # still firing: a refresh (a bulk UPDATE) is an upsert too
    city.evaluate(T0 + 2 * M, 1)  # resolved
    last = [e for e in rows(city.sessions, OutboxEvent) if e.entity == "alert"][-1]
    assert last.payload["state"] == "resolved" and last.payload["resolved_at"].startswith("2026-11-27T08:02")
    assert [e.id for e in rows(city.sessions, OutboxEvent)] == sorted(e.id for e in rows(city.sessions, OutboxEvent))


def test_an_acknowledgement_is_captured(city: City) -> None:
    city.evaluate(T0, 0)
    (a,) = rows(city.sessions, Alert)
    with city.sessions() as s:
        oncall.acknowledge(s, a.id, a.version, oncall.Actor("张三", "430100"), T0 + M, note="处理中")
    last_alert = [e for e in rows(city.sessions, OutboxEvent) if e.entity == "alert"][-1]
    assert last_alert.payload["state"] == AlertState.ACKNOWLEDGED.value
    assert last_alert.payload["acknowledged_by"] == "张三"
    last = rows(city.sessions, OutboxEvent)[-1]
    assert last.entity == "alert_event" and last.payload["kind"] == "ack" and last.payload["note"] == "处理中"


def test_findings_runs_and_hosts_are_captured(city: City) -> None:
    with city.sessions() as s:
        sid = s.scalar(select(Site.id).where(Site.code == SITE))
        assert sid is not None
        save_result(s, sid, CheckResult("dead_links", SITE, T0, (
            draft("dead_link_homepage", "http://127.0.0.1:9/a", check="dead_links"),)), T0)
        record_run(s, sid, "dead_links", as_of=T0, started_at=T0, finished_at=T0 + M, status="ok", findings=1)
        s.add(Host(name="web-01", address="10.0.0.1", node_code="430102", role=HostRole.WEB))
        s.commit()
    got = events(city.sessions)
    assert {e[0] for e in got} == {"finding", "check_run", "host"}
    finding = next(e for e in rows(city.sessions, OutboxEvent) if e.entity == "finding")
    assert finding.payload["site"] == SITE and finding.entity_key.startswith(f"finding:{SITE}|dead_links|")
    with city.sessions() as s:  # seen again unchanged: only its last_seen moves, no event
        before = len(rows(city.sessions, OutboxEvent))
        save_result(s, sid, CheckResult("dead_links", SITE, T0 + M / 2, (
            draft("dead_link_homepage", "http://127.0.0.1:9/a", check="dead_links"),)), T0 + M / 2)
        s.commit()
    assert len(rows(city.sessions, OutboxEvent)) == before
    with city.sessions() as s:  # resolved by the next run: an update of the same finding
        save_result(s, sid, CheckResult("dead_links", SITE, T0 + M), T0 + M)
        s.execute(update(Host).where(Host.name == "web-01").values(address="10.0.0.2"))
        s.commit()
    tail = rows(city.sessions, OutboxEvent)[-2:]
    assert {(e.entity, e.op) for e in tail} == {("finding", "upsert"), ("host", "upsert")}
    assert next(e for e in tail if e.entity == "finding").payload["resolved_at"] is not None
    assert next(e for e in tail if e.entity == "host").payload["address"] == "10.0.0.2"
    with city.sessions() as s:
        s.execute(delete(Host).where(Host.name == "web-01"))
        s.commit()
    last = rows(city.sessions, OutboxEvent)[-1]
    assert (last.entity, last.entity_key, last.op, last.payload["name"]) == ("host", "host:web-01", "delete",
                                                                             "web-01")
    with city.sessions() as s:  # an ORM delete too
        s.add(Host(name="web-02", address="10.0.0.3", node_code="430102"))
        s.commit()
        s.delete(s.scalars(select(Host).where(Host.name == "web-02")).one())
        s.commit()
    assert [(e.entity_key, e.op) for e in rows(city.sessions, OutboxEvent)[-2:]] == [("host:web-02", "upsert"),
                                                                                     ("host:web-02", "delete")]
    with city.sessions() as s:  # renamed: the new name upserted, the old one deleted
        s.add(Host(name="web-03", address="10.0.0.4", node_code="430102"))
        s.commit()
        s.scalars(select(Host).where(Host.name == "web-03")).one().name = "web-04"
        s.commit()
    assert [(e.entity_key, e.op) for e in rows(city.sessions, OutboxEvent)[-2:]] == [("host:web-04", "upsert"),
                                                                                     ("host:web-03", "delete")]


def test_a_rolled_back_transaction_leaves_no_event(city: City) -> None:
    with city.sessions() as s:
        s.add(Host(name="web-09", address="10.0.0.9", node_code="430102"))
        s.flush()
        s.execute(update(Host).where(Host.name == "web-09").values(address="10.0.0.10"))
        s.rollback()
        s.add(Host(name="web-10", address="10.0.0.10", node_code="430102"))  # the same session goes on
        s.commit()
    assert events(city.sessions) == [("host", "host:web-10", "upsert")]
    with pytest.raises(RuntimeError), city.sessions() as s, s.begin():
        s.add(Host(name="web-11", address="10.0.0.11", node_code="430102"))
        s.flush()
        raise RuntimeError("boom")
    assert events(city.sessions) == [("host", "host:web-10", "upsert")]
    assert rows(city.sessions, Host, Host.name == "web-11") == []


def test_a_factory_without_the_hooks_writes_no_event(city: City) -> None:
    plain = make_session_factory(city.sessions.kw["bind"])
    assert not installed(plain)
    with plain() as s:
        s.add(Host(name="web-20", address="10.0.0.20", node_code="430102"))
        s.commit()
    assert events(city.sessions) == []


def test_sent_events_are_pruned_and_ids_never_reused(city: City) -> None:
    from datetime import timedelta

    from federation.outbox import prune

    for i in range(3):
        with city.sessions() as s:
            s.add(Host(name=f"web-3{i}", address="10.0.0.30", node_code="430102"))
            s.commit()
    ids = [e.id for e in rows(city.sessions, OutboxEvent)]
    with city.sessions() as s:
        s.execute(update(OutboxEvent).where(OutboxEvent.id < ids[-1]).values(sent_at=T0))
        s.execute(update(OutboxEvent).where(OutboxEvent.id == ids[-1]).values(sent_at=T0 + timedelta(days=30)))
        assert prune(s, T0 + timedelta(days=1)) == 2  # sent before the cut-off; unsent and newer ones stay
        assert prune(s, T0 + timedelta(days=60)) == 0  # never the newest: the next id follows it
        s.execute(delete(OutboxEvent))  # even emptied by hand, the next event gets a new id
        s.commit()
    with city.sessions() as s:
        s.add(Host(name="web-40", address="10.0.0.40", node_code="430102"))
        s.commit()
    (last,) = rows(city.sessions, OutboxEvent)
    assert last.id > ids[-1]


def test_a_savepoint_rolled_back_keeps_the_rest_of_the_transaction(city: City) -> None:
    from sqlalchemy.exc import IntegrityError

    with city.sessions() as s:
        s.add(Host(name="web-50", address="10.0.0.50", node_code="430102"))
        s.flush()
        with pytest.raises(IntegrityError), s.begin_nested():
            s.add(Host(name="web-50", address="10.0.0.51", node_code="430102"))  # the name is taken
            s.flush()
        s.commit()
    assert events(city.sessions) == [("host", "host:web-50", "upsert")]
    assert rows(city.sessions, OutboxEvent)[0].payload["address"] == "10.0.0.50"
