"""City → province over real HTTP on loopback, two databases (the province on SQLite and on PostgreSQL):
alerts raised and resolved while the province is down arrive afterwards with their true times, once; a batch
sent again is applied once; per-entity order holds; the province's engine and notifications leave mirrored
alerts alone; an event out of the city's scope writes nothing. Commands: test_ack_commands.py."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sqlalchemy import func, select, update

from alerts import oncall
from alerts.engine import AlertEngine
from alerts.planner import plan_notifications
from alerts.rules import RuleSet
from alerts.states import AlertState
from db.models import CheckRun, Finding, Host, Site
from db.models_alerts import Alert, AlertEvent, Notification
from db.models_federation import FederatedNode, OutboxEvent
from db.scope import hosts_served
from federation.client import ProvinceRefused, ProvinceUnreachable
from federation.mirror import mirror_fingerprint
from federation.relay import EVENTS_PATH, RelayService, wire
from inspection.base import CheckResult
from inspection.findings import record_run, save_result
from tests.federation.relational import CITY, SITE, T0, City, M, Province, aware, mirrored, rows, unsent
from tests.inspection.support import draft


def test_alerts_during_a_cut_arrive_with_their_true_times_exactly_once(nodes: tuple[City, Province, str]) -> None:
    city, province, token = nodes
    with province.serve():
        pass  # the port is known; the province is down from here on
    relay = city.relay(province.url, token, batch=3)
    depth: list[int] = []
    relay.on_backlog = depth.append
    service = RelayService(relay, interval=1.0, retry_max=8.0)
    city.evaluate(T0, 0)  # raised during the cut
    city.evaluate(T0 + M, 0)
    city.evaluate(T0 + 2 * M, 1)  # resolved during the cut
    city.evaluate(T0 + 5 * M, 0)  # a second episode, still open
    waits = [service.step() for _ in range(4)]
    assert waits == [1.0, 2.0, 4.0, 8.0] and service.failures == 4
    backlog = unsent(city)
    assert backlog > 0
    with province.serve():
        assert service.step() == 1.0 and service.failures == 0
    assert unsent(city) == 0 and depth == [0]
    at_city = rows(city.sessions, Alert)
    got = mirrored(province)
    assert [(a.origin_id, a.state) for a in got] == [(a.id, a.state) for a in at_city]
    assert [a.state for a in got] == [AlertState.RESOLVED, AlertState.FIRING]
    first = got[0]
    assert aware(first.started_at) == T0 and aware(first.fired_at) == T0
    assert aware(first.resolved_at) == T0 + 2 * M and first.resolved_by == at_city[0].resolved_by
    assert first.fingerprint == mirror_fingerprint(CITY, at_city[0].fingerprint) != at_city[0].fingerprint
    assert first.city_code == CITY and first.labels["site"] == SITE
    with city.sessions() as s:
        city_events = s.scalar(select(func.count()).select_from(AlertEvent))
    with province.sessions() as s:
        prov_events = s.scalars(select(AlertEvent).join(Alert).where(Alert.origin_node == CITY)
                                .order_by(AlertEvent.id)).all()
        fed = s.get(FederatedNode, CITY)
        assert fed is not None
        with city.sessions() as cs:
            total = cs.scalar(select(func.count()).select_from(OutboxEvent))
        assert fed.last_event_seq == total and fed.events_applied == total
        assert [(e.from_state, e.to_state) for e in prov_events] == [
            (None, "firing"), ("firing", "resolved"), (None, "firing")]
    assert len(prov_events) == city_events


def test_a_batch_sent_again_is_applied_once(nodes: tuple[City, Province, str]) -> None:
    city, province, token = nodes
    city.evaluate(T0, 0)
    city.evaluate(T0 + M, 1)
    with city.sessions() as s:
        batch = {"events": [wire(e) for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]}
    with province.serve():
        relay = city.relay(province.url, token)
        first = relay.client.post(EVENTS_PATH, batch)  # applied, but the answer "lost": nothing marked sent
        assert first["applied"] == len(batch["events"]) and unsent(city) == len(batch["events"])
        relay.round()  # the city sends it all again
        assert unsent(city) == 0
        again = relay.client.post(EVENTS_PATH, batch)
    assert again == {"applied_through": first["applied_through"], "applied": 0, "skipped": len(batch["events"]),
                     "unknown_sites": []}
    (a,) = mirrored(province)
    assert a.state is AlertState.RESOLVED
    with province.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertEvent).where(AlertEvent.alert_id == a.id)) == 2
        fed = s.get(FederatedNode, CITY)
        assert fed is not None and fed.events_applied == len(batch["events"])


def test_order_per_entity_holds_across_batches(nodes: tuple[City, Province, str]) -> None:
    """Three states of one alert in three batches of one: the province ends in the last one, and a stale
    upsert re-sent later (seq below the applied one) does not roll it back."""
    city, province, token = nodes
    city.evaluate(T0, 0)
    (a,) = rows(city.sessions, Alert)
    with city.sessions() as s:
        oncall.acknowledge(s, a.id, a.version, oncall.Actor("李四", CITY), T0 + M)
    city.evaluate(T0 + 2 * M, 1)
    with province.serve():
        relay = city.relay(province.url, token, batch=1)
        relay.round()
        (m,) = mirrored(province)
        assert m.state is AlertState.RESOLVED and m.acknowledged_by == "李四"
        with city.sessions() as s:
            stale = wire(s.scalars(select(OutboxEvent).where(OutboxEvent.entity == "alert")
                                   .order_by(OutboxEvent.id)).first())  # type: ignore[arg-type]
        relay.client.post(EVENTS_PATH, {"events": [stale]})
    (m,) = mirrored(province)
    assert m.state is AlertState.RESOLVED


def test_findings_runs_and_hosts_are_mirrored(nodes: tuple[City, Province, str]) -> None:
    city, province, token = nodes
    with city.sessions() as s:
        sid = s.scalar(select(Site.id).where(Site.code == SITE))
        assert sid is not None
        save_result(s, sid, CheckResult("dead_links", SITE, T0, (
            draft("dead_link_homepage", "http://127.0.0.1:9/a", check="dead_links"),)), T0)
        record_run(s, sid, "dead_links", as_of=T0, started_at=T0, finished_at=T0 + M, status="ok", findings=1)
        s.add(Host(name="city-web-01", address="10.0.0.1", node_code="430102"))
        s.commit()
    with city.sessions() as s:
        save_result(s, sid, CheckResult("dead_links", SITE, T0 + M), T0 + M)  # fixed
        s.commit()
    with province.serve():
        city.relay(province.url, token).round()
    (f,) = rows(province.sessions, Finding)
    assert f.origin_node == CITY and f.check == "dead_links" and aware(f.resolved_at) == T0 + M
    with province.sessions() as s:
        assert s.scalar(select(Site.code).where(Site.id == f.site_id)) == SITE
    (r,) = rows(province.sessions, CheckRun)
    assert r.origin_node == CITY and r.origin_id is not None and r.findings == 1
    (h,) = rows(province.sessions, Host)
    assert (h.name, h.origin_node, h.node_code, h.local) == ("city-web-01", CITY, "430102", False)
    with province.sessions() as s:  # the city collects its host; the province's SSH collector leaves it alone
        assert s.scalars(select(Host).where(hosts_served(province.config.node))).all() == []
    with city.sessions() as s:
        s.execute(update(Host).where(Host.name == "city-web-01").values(enabled=False))
        s.commit()
        s.delete(s.scalars(select(Host)).one())
        s.commit()
    with province.serve():
        city.relay(province.url, token).round()
    assert rows(province.sessions, Host) == []


def test_the_provinces_engine_and_notifications_leave_mirrored_alerts_alone(
        nodes: tuple[City, Province, str]) -> None:
    city, province, token = nodes
    city.evaluate(T0, 0)
    with province.serve():
        city.relay(province.url, token).round()
    (m,) = mirrored(province)
    # The province evaluates the same rule with no data for the site: an alert of its own would resolve.
    AlertEngine(province.sessions, province.store, city.rules).evaluate(T0 + 10 * M)
    # And an escalation would be due long after.
    with province.sessions() as s:
        plan_notifications(s, T0 + 600 * M, [])
        s.commit()
    (after,) = mirrored(province)
    assert (after.state, after.version, after.escalation_tier) == (m.state, m.version, 1)
    assert rows(province.sessions, Notification) == []
    assert rows(province.sessions, Alert, Alert.origin_node.is_(None)) == []
    assert isinstance(city.rules, RuleSet)


def _post(province: Province, token: str, events: list[dict[str, Any]]) -> requests.Response:
    return requests.post(province.url + EVENTS_PATH, json={"events": events}, timeout=5,
                         headers={"Authorization": f"Token {token}"})


def test_an_event_out_of_the_citys_scope_refuses_the_whole_batch(nodes: tuple[City, Province, str]) -> None:
    city, province, token = nodes
    city.evaluate(T0, 0)
    with city.sessions() as s:
        good = [wire(e) for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]
    last = good[-1]["seq"]
    foreign_host = {"seq": last + 1, "entity": "host", "op": "upsert", "created_at": T0.isoformat(),
                    "payload": {"name": "prov-db", "address": "10.9.9.9", "node_code": "430000"}}
    foreign_alert = {**good[0], "seq": last + 2,
                     "payload": {**good[0]["payload"], "id": 999, "city_code": "430200", "labels": {}}}
    with province.serve():
        for bad in (foreign_host, foreign_alert):
            resp = _post(province, token, [*good, bad])
            assert resp.status_code == 403, resp.text
            assert "整个批次未写入" in resp.json()["message"]
        resp = _post(province, token, [*good, {**foreign_host, "entity": "nonsense"}])
        assert resp.status_code == 400 and "未知的事件类型" in resp.json()["message"]
        assert mirrored(province) == [] and rows(province.sessions, Host) == []
        with province.sessions() as s:
            fed = s.get(FederatedNode, CITY)
            assert fed is None or fed.last_event_seq == 0
        with pytest.raises(ProvinceRefused) as refused:
            city.relay(province.url, "govops_999_nope").round()
        assert refused.value.status == 401
        with province.sessions() as s:  # a token of a city the province does not federate
            from security.api_tokens import create_token

            _, other = create_token(s, "430102", actor="test", now=T0)
            s.commit()
        resp = _post(province, other, good)
        assert resp.status_code == 403 and "不是本省级节点接入的市级节点" in resp.json()["message"]
        assert requests.get(province.url + "/api/v1/federation/commands", timeout=5,
                            headers={"Authorization": f"Token {other}"}).status_code == 403
        spec = requests.get(province.url + "/api/openapi.json", timeout=5,
                            headers={"Authorization": f"Token {token}"}).json()
        assert {"/api/v1/federation/events", "/api/v1/federation/commands"} <= set(spec["paths"])
    with pytest.raises(ProvinceUnreachable):
        city.relay(province.url, token).round()


def test_a_batch_too_large_for_the_province_is_halved_until_it_fits(nodes: tuple[City, Province, str]) -> None:
    from dataclasses import replace

    city, province, token = nodes
    province.config = replace(province.config, api=replace(province.config.api, max_body_bytes=4000))
    with city.sessions() as s:
        s.add_all(Host(name=f"h{i:03d}", address="10.0.0.1", node_code="430102") for i in range(40))
        s.commit()
    with province.serve():
        relay = city.relay(province.url, token, batch=500)
        resp = _post(province, token, [wire(e) for e in rows(city.sessions, OutboxEvent)])
        assert resp.status_code == 413 and "整个请求未写入" in resp.json()["message"]
        relay.round()
    assert unsent(city) == 0 and relay.batch < 40
    assert len(rows(province.sessions, Host)) == 40


def test_the_same_batch_twice_at_once_is_applied_once(nodes: tuple[City, Province, str]) -> None:
    """A request the city gave up on (timeout) may still run when it sends again: the two must not both apply."""
    from concurrent.futures import ThreadPoolExecutor

    city, province, token = nodes
    with city.sessions() as s:
        s.add_all(Host(name=f"h{i:03d}", address="10.0.0.1", node_code="430102") for i in range(200))
        s.commit()
    city.evaluate(T0, 0)
    city.evaluate(T0 + M, 1)
    batch = [wire(e) for e in rows(city.sessions, OutboxEvent)]
    with province.serve(), ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: _post(province, token, batch), range(4)))
    assert {a.status_code for a in answers} <= {200, 500} and 200 in {a.status_code for a in answers}
    assert sum(a.json()["applied"] for a in answers if a.status_code == 200) == len(batch)
    (m,) = mirrored(province)
    with province.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertEvent).where(AlertEvent.alert_id == m.id)) == 2
        fed = s.get(FederatedNode, CITY)
        assert fed is not None and fed.events_applied == len(batch)


def test_events_of_a_site_the_province_does_not_know_are_passed_over(nodes: tuple[City, Province, str]) -> None:
    """Not a scope violation (the site is nobody's at the province): the city's queue must not stall behind it."""
    city, province, token = nodes
    with city.sessions() as s:
        site = Site(code="4301029999", name="仅市级登记的网站", url="http://127.0.0.1:9/x/",
                    level=s.scalars(select(Site)).first().level, node_code="430102")  # type: ignore[union-attr]
        s.add(site)
        s.flush()
        save_result(s, site.id, CheckResult("dead_links", "4301029999", T0, (
            draft("dead_link_homepage", "http://127.0.0.1:9/x/a", check="dead_links"),)), T0)
        s.add(Host(name="after-it", address="10.0.0.1", node_code="430102"))
        s.commit()
    with province.serve():
        answer = city.relay(province.url, token).client.post(
            EVENTS_PATH, {"events": [wire(e) for e in rows(city.sessions, OutboxEvent)]})
    assert answer["unknown_sites"] == ["4301029999"] and answer["applied"] == len(rows(city.sessions, OutboxEvent))
    assert rows(province.sessions, Finding) == [] and [h.name for h in rows(province.sessions, Host)] == ["after-it"]


def test_a_city_just_linked_sends_its_present_state_first(nodes: tuple[City, Province, str]) -> None:
    """State from before the link (written without the outbox): open alerts, open findings and hosts go up once;
    resolved ones stay at the city."""
    from alerts.engine import AlertEngine
    from db.session import make_session_factory

    city, province, token = nodes
    plain = make_session_factory(city.sessions.kw["bind"])  # the city before it was linked
    engine = AlertEngine(plain, city.store, city.rules, city.clock)
    city.probe(T0, 0)
    engine.evaluate(T0)
    city.probe(T0 + M, 1)
    engine.evaluate(T0 + M)  # the first episode resolved
    city.probe(T0 + 2 * M, 0)
    engine.evaluate(T0 + 2 * M)  # a second one open
    with plain() as s:
        sid = s.scalar(select(Site.id).where(Site.code == SITE))
        assert sid is not None
        save_result(s, sid, CheckResult("dead_links", SITE, T0, (
            draft("dead_link_homepage", "http://127.0.0.1:9/a", check="dead_links"),)), T0)
        s.add(Host(name="old-host", address="10.0.0.1", node_code="430102"))
        s.commit()
    assert rows(city.sessions, OutboxEvent) == []
    with province.serve():
        relay = city.relay(province.url, token)
        relay.round()
        assert relay.start() == 0  # once
    (m,) = mirrored(province)
    assert m.state is AlertState.FIRING and aware(m.started_at) == T0 + 2 * M
    assert len(rows(province.sessions, AlertEvent)) == 1
    assert [f.origin_node for f in rows(province.sessions, Finding)] == [CITY]
    assert [h.name for h in rows(province.sessions, Host)] == ["old-host"]
    with city.sessions() as s:  # a relay started again later sends no second snapshot
        from federation.outbox import snapshot

        assert snapshot(s, T0) == 0
