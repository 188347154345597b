"""The engine on a real database and a real embedded metric store, driven by an injected time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import AlertEngine
from alerts.rules import RuleFileError, RuleSet, load_rule_files
from core.clock import FixedClock, to_ns
from db.models_alerts import Alert, AlertEvent, AlertState
from db.models_security import AuditEntry
from inspection.base import CheckResult, Severity
from inspection.findings import save_result
from tests.inspection.support import draft, seed_sites
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
M = timedelta(minutes=1)
TAGS = {"site": "4301020001", "node": "430102", "city": "430100", "level": "county_portal"}

RULES = """\
version: 1
groups:
  - name: test
    rules:
      - name: site_down
        kind: threshold
        severity: critical
        measurement: site_probe
        field: up
        agg: last
        window: 5m
        op: "=="
        value: 0
        for: 3m
        keep_firing_for: 2m
        group_by: [site, node, city]
        summary: "网站 {labels[site]} 无法访问"
      - name: collector_silent
        kind: absence
        severity: high
        measurement: collector_run
        field: last_run
        absent_for: 10m
        group_by: [collector, node]
        summary: "采集器 {labels[collector]} 停止运行"
      - name: failure_ratio_veto
        kind: ratio
        severity: critical
        measurement: site_probe
        field: up
        invert: true
        window: 1h
        op: ">="
        value: 0.05
        group_by: [site, city]
        notify_by: [site]
        summary: "失败率 {value:.0%}"
      - name: homepage_dead_link
        kind: finding
        severity: high
        check: dead_links
        kinds: [dead_link_homepage]
        group_by: [site, city, kind]
        summary: "首页死链 {value:.0f} 个"
      - name: column_breach_soon
        kind: finding
        severity: high
        check: column_freshness
        kinds: [column_due]
        deadline_within_days: 3
        group_by: [site, city]
        summary: "{value:.0f} 个栏目即将超期"
"""


@pytest.fixture
def env(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> Iterator[tuple]:
    _, sessions = migrated_db
    store = SQLiteMetricStore(tmp_path / "m.db")
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(RULES, encoding="utf-8")
    try:
        yield sessions, store, load_rule_files([rule_file]), rule_file
    finally:
        store.close()


def probe(store: SQLiteMetricStore, at: datetime, up: int, tags: dict[str, str] = TAGS) -> None:
    store.write([Point("site_probe", {"up": up}, to_ns(at - timedelta(seconds=10)), tags)])


def only(rs: RuleSet, *names: str) -> RuleSet:
    return RuleSet(tuple(r for r in rs.rules if r.name in names), rs.files)


def alerts(sessions: sessionmaker[Session]) -> list[Alert]:
    with sessions() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


def events(sessions: sessionmaker[Session]) -> list[tuple[str | None, str | None, str]]:
    with sessions() as s:
        return [(e.from_state, e.to_state, e.note) for e in s.scalars(select(AlertEvent).order_by(AlertEvent.id))]


def test_threshold_for_and_keep_firing(env: tuple) -> None:
    sessions, store, rs, _ = env
    eng = AlertEngine(sessions, store, only(rs, "site_down"), FixedClock(T0))
    expected = [AlertState.PENDING] * 3 + [AlertState.FIRING, AlertState.FIRING, AlertState.RESOLVED]
    for i, up in enumerate([0, 0, 0, 0, 1, 1]):
        probe(store, T0 + i * M, up)
        r = eng.evaluate(T0 + i * M)
        (a,) = alerts(sessions)
        assert a.state == expected[i], f"minute {i}"
    assert r.resolved == 1
    assert events(sessions) == [(None, "pending", ""), ("pending", "firing", "for_elapsed"),
                                ("firing", "resolved", "condition_cleared")]
    (a,) = alerts(sessions)
    assert a.city_code == "430100" and a.group_key == "site_down|city=430100"
    assert a.labels["site"] == TAGS["site"] and a.summary == f"网站 {TAGS['site']} 无法访问"
    assert a.resolved_by == "system" and a.fired_at is not None
    with sessions() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "alert")
                            .order_by(AuditEntry.id)).all()
    assert actions == ["alert.pending", "alert.firing", "alert.resolved"]
    # A new episode opens a new row, the old one stays resolved.
    probe(store, T0 + 6 * M, 0)
    eng.evaluate(T0 + 6 * M)
    assert [x.state for x in alerts(sessions)] == [AlertState.RESOLVED, AlertState.PENDING]


def test_pending_that_clears_is_dropped_without_firing(env: tuple) -> None:
    sessions, store, rs, _ = env
    eng = AlertEngine(sessions, store, only(rs, "site_down"))
    probe(store, T0, 0)
    eng.evaluate(T0)
    probe(store, T0 + M, 1)
    r = eng.evaluate(T0 + M)
    (a,) = alerts(sessions)
    assert (a.state, a.fired_at, r.fired) == (AlertState.RESOLVED, None, 0)
    assert events(sessions)[-1] == ("pending", "resolved", "dropped_before_firing")


def test_restart_continues_without_duplicates(env: tuple) -> None:
    sessions, store, rs, _ = env
    probe(store, T0, 0)
    AlertEngine(sessions, store, only(rs, "site_down")).evaluate(T0)
    for i in (1, 2, 3):
        probe(store, T0 + i * M, 0)
        AlertEngine(sessions, store, only(rs, "site_down")).evaluate(T0 + i * M)  # a fresh engine each time
    (a,) = alerts(sessions)
    assert a.state == AlertState.FIRING
    assert [e[1] for e in events(sessions)] == ["pending", "firing"]


def test_refresh_does_not_bump_version_so_an_ack_in_between_wins(env: tuple) -> None:
    sessions, store, rs, _ = env
    eng = AlertEngine(sessions, store, only(rs, "site_down"))
    for i in range(4):
        probe(store, T0 + i * M, 0)
        eng.evaluate(T0 + i * M)
    (a,) = alerts(sessions)
    read_version = a.version
    probe(store, T0 + 4 * M, 0)
    eng.evaluate(T0 + 4 * M)  # only refreshes value and last_true_at
    with sessions() as s, s.begin():  # an operator acknowledging with the version read before that cycle
        n = s.execute(update(Alert).where(Alert.id == a.id, Alert.version == read_version)
                      .values(state=AlertState.ACKNOWLEDGED, version=read_version + 1)).rowcount
    assert n == 1
    probe(store, T0 + 5 * M, 0)
    eng.evaluate(T0 + 5 * M)
    assert alerts(sessions)[0].state == AlertState.ACKNOWLEDGED  # stays while true
    for i in (6, 8):
        probe(store, T0 + i * M, 1)
        eng.evaluate(T0 + i * M)
    assert alerts(sessions)[0].state == AlertState.RESOLVED


def test_absence_per_collector_with_derived_city(env: tuple) -> None:
    sessions, store, rs, _ = env
    store.write([Point("collector_run", {"last_run": 1.0}, to_ns(T0 - ago), {"collector": c, "node": "430102"})
                 for c, ago in (("host", 20 * M), ("site_probe", M))])
    r = AlertEngine(sessions, store, only(rs, "collector_silent")).evaluate(T0)
    assert (r.instances, r.created, r.fired) == (2, 1, 1)
    (a,) = alerts(sessions)
    assert a.labels["collector"] == "host" and a.city_code == "430100" and a.value == pytest.approx(1200)


def test_ratio_fires_at_the_veto_line_per_site(env: tuple) -> None:
    sessions, store, rs, _ = env
    other = {**TAGS, "site": "4301020002"}
    for i in range(20):
        at = T0 - 50 * M + i * 2 * M
        probe(store, at, 0 if i == 7 else 1)  # 1 failure in 20 = 5 %
        probe(store, at, 1, other)
    r = AlertEngine(sessions, store, only(rs, "failure_ratio_veto")).evaluate(T0)
    assert (r.instances, r.fired) == (2, 1)
    (a,) = alerts(sessions)
    assert a.labels["site"] == TAGS["site"] and a.value == pytest.approx(0.05)
    assert a.group_key == f"failure_ratio_veto|site={TAGS['site']}" and a.summary == "失败率 5%"


def test_finding_rules_follow_the_findings(env: tuple) -> None:
    sessions, store, rs, _ = env
    with sessions() as s, s.begin():
        ids = seed_sites(s, {"4301020001": "http://127.0.0.1:1/"})
        sid = ids["4301020001"]
        save_result(s, sid, CheckResult("dead_links", "4301020001", T0, (
            draft("dead_link_homepage", "http://127.0.0.1:1/a", check="dead_links"),
            draft("dead_link_homepage", "http://127.0.0.1:1/b", check="dead_links"),
            draft("dead_link_page", "http://127.0.0.1:1/c", Severity.MEDIUM, check="dead_links"))), T0)
        save_result(s, sid, CheckResult("column_freshness", "4301020001", T0, (
            draft("column_due", "http://127.0.0.1:1/news/", check="column_freshness",
                  deadline=(T0 + timedelta(days=2)).date()),
            draft("column_due", "http://127.0.0.1:1/notice/", check="column_freshness",
                  deadline=(T0 + timedelta(days=10)).date()))), T0)
    eng = AlertEngine(sessions, store, only(rs, "homepage_dead_link", "column_breach_soon"))
    r = eng.evaluate(T0)
    assert (r.created, r.fired) == (2, 2)
    got = {a.rule: (a.value, a.city_code, a.labels.get("kind")) for a in alerts(sessions)}
    assert got == {"homepage_dead_link": (2.0, "430100", "dead_link_homepage"),
                   "column_breach_soon": (1.0, "430100", None)}
    with sessions() as s, s.begin():
        save_result(s, sid, CheckResult("dead_links", "4301020001", T0 + M), T0 + M)  # links fixed
    r = eng.evaluate(T0 + M)
    assert r.resolved == 1
    assert {a.rule: a.state for a in alerts(sessions)} == {"homepage_dead_link": AlertState.RESOLVED,
                                                            "column_breach_soon": AlertState.FIRING}


def test_reload_keeps_rules_in_force_on_error(env: tuple, tmp_path: Path) -> None:
    sessions, store, rs, rule_file = env
    eng = AlertEngine(sessions, store, rs)
    bad = tmp_path / "bad.yaml"
    bad.write_text(RULES.replace("for: 3m", "for: later"), encoding="utf-8")
    with pytest.raises(RuleFileError) as ei:
        eng.reload([bad])
    assert ei.value.errors[0][:2] == (str(bad), 14)
    assert eng.ruleset is rs
    assert len(eng.reload([rule_file])) == len(rs)


def test_removed_rule_resolves_its_open_alerts(env: tuple) -> None:
    sessions, store, rs, _ = env
    probe(store, T0, 0)
    AlertEngine(sessions, store, only(rs, "site_down")).evaluate(T0)
    r = AlertEngine(sessions, store, only(rs, "collector_silent")).evaluate(T0 + M)
    (a,) = alerts(sessions)
    assert (r.resolved, a.state, a.resolve_reason) == (1, AlertState.RESOLVED, "规则已删除")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AlertEvent)) == 2
