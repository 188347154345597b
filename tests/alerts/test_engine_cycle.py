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
from alerts.states import AlertState
from collectors.kinds.inspection import group_kinds
from core.clock import FixedClock, to_ns
from db.models_alerts import Alert, AlertEvent
from db.models_security import AuditEntry
from inspection.base import CheckResult, Severity
from inspection.catalog import check_groups
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
    with sessions() as s:
        texts = s.scalars(select(AuditEntry.summary).where(AuditEntry.object_type == "alert")
                          .order_by(AuditEntry.id)).all()
    # One name per state: the audit log says what the console and the notifications say.
    assert [t.split("状态：")[1] for t in texts] == ["新建 → 待触发", "待触发 → 告警中", "告警中 → 已恢复"]
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


class _Hourly:
    """A collector kind that runs hourly and collects nothing: only its self-health matters here."""

    name = "inspection_columns"
    blocking = False
    metrics = ()
    interval = 3600.0
    timeout = 1.0

    def targets(self) -> list:
        return []


def test_collector_silent_waits_for_each_collectors_own_interval(env: tuple) -> None:
    import asyncio

    from collectors.scheduler import Scheduler

    sessions, store, _, _ = env
    shipped = only(load_rule_files([Path(__file__).parents[2] / "data" / "alerts" / "rules"]), "collector_silent")
    clock = FixedClock(T0)
    sched = Scheduler([_Hourly()], store, concurrency=2, blocking_threads=1, jitter_fraction=0.0,
                      node_code="430000", clock=clock)
    try:
        asyncio.run(sched.run_once(sched.collectors[0]))  # the scheduler records the run and its interval
    finally:
        sched.close()
    eng = AlertEngine(sessions, store, shipped, clock)
    for minutes in (11, 59, 119):  # a fixed 10-minute limit would have fired at the first of these
        assert eng.evaluate(T0 + minutes * M).created == 0, minutes
    r = eng.evaluate(T0 + 121 * M)  # two intervals without a run
    (a,) = alerts(sessions)
    assert (r.fired, a.state, a.value) == (1, AlertState.FIRING, pytest.approx(121 * 60))
    # The collector by its Chinese label (the node by its name once the registry has it; here it has none).
    label = group_kinds(check_groups())["inspection_columns"].label_zh  # e.g. 栏目更新、…巡检
    assert a.summary == (f"节点 430000 的采集器“{label}”已 2 小时 1 分钟 没有运行"
                         "（采集间隔 1 小时，允许中断 2 小时）")


def test_no_veto_claimed_from_minutes_of_data_then_one_problem_with_a_full_week(env: tuple) -> None:
    """A site failing from its very first probe: site_down fires, the 7-day ratios wait for a week of data."""
    sessions, store, _, _ = env
    shipped = only(load_rule_files([Path(__file__).parents[2] / "data" / "alerts" / "rules"]),
                   "site_down", "availability_ratio_warning", "availability_ratio_veto")
    eng = AlertEngine(sessions, store, shipped)
    for i in range(6):  # 30 s after start, then every minute: 100 % failures, six probes
        at = T0 + timedelta(seconds=30) + i * M
        probe(store, at, 0)
        eng.evaluate(at)
    assert {a.rule for a in alerts(sessions)} == {"site_down"}
    # The week before: 48 probes a day, all up but 3 % to 8 % failing on the last day.
    start = T0 - timedelta(days=7)
    for k in range(7 * 48):
        at = start + k * timedelta(minutes=30) + timedelta(seconds=20)
        probe(store, at, 0 if k >= 7 * 48 - 30 else 1)
    r = eng.evaluate(T0 + 6 * M)
    got = {a.rule: a for a in alerts(sessions)}
    assert set(got) == {"site_down", "availability_ratio_warning", "availability_ratio_veto"} and r.errors == {}
    veto = got["availability_ratio_veto"]
    assert veto.facts is not None and veto.facts["sufficient"] is True and veto.facts["slices"] == 7
    n = veto.facts["samples"]
    assert n == 7 * 48 - 1 + 6 and veto.summary == (  # the oldest probe fell out of the window
        f"网站 {TAGS['site']} 近 7 天首页访问失败率 {36 / n:.1%}（共探测 {n} 次），已达单项否决线（5%）")


def test_a_firing_veto_stays_firing_through_a_day_without_probes(env: tuple) -> None:
    """Insufficient data is "unknown": a firing 7-day veto whose newest day holds no probe (a probe outage)
    neither resolves nor says 已恢复 — no state change, no event, no notification — and its facts say the data
    is short now; once the week holds enough again, it is judged again."""
    from alerts.pipeline import EscalationPolicy, Route
    from alerts.planner import PlanSettings, plan_notifications
    from db.models_alerts import Notification

    sessions, store, _, _ = env
    shipped = only(load_rule_files([Path(__file__).parents[2] / "data" / "alerts" / "rules"]),
                   "availability_ratio_veto")
    eng = AlertEngine(sessions, store, shipped)
    start = T0 - timedelta(days=7)
    for k in range(7 * 48):  # a week of probes every 30 minutes, 10 % failing
        probe(store, start + k * timedelta(minutes=30) + timedelta(seconds=20), 0 if k % 10 == 0 else 1)
    eng.evaluate(T0)
    (veto,) = alerts(sessions)
    assert veto.state == AlertState.FIRING and veto.facts is not None and veto.facts["sufficient"] is True
    routes = [Route("robot", "webhook")]
    plan = PlanSettings(inhibit_rules=shipped.inhibit_rules,  # no escalation: only a state change is news here
                        escalation=EscalationPolicy({"critical": None}))
    with sessions() as s, s.begin():
        plan_notifications(s, T0, routes, plan)
    with sessions() as s:
        sent_before = s.scalar(select(func.count()).select_from(Notification)) or 0
    summary, value, before = veto.summary, veto.value, events(sessions)

    later = T0 + timedelta(days=1, hours=2)  # no probe since T0: the newest day of the window is empty
    r = eng.evaluate(later)
    assert (r.resolved, r.fired, r.created) == (0, 0, 0)
    (veto,) = alerts(sessions)
    assert veto.state == AlertState.FIRING and veto.resolved_at is None and events(sessions) == before
    assert (veto.summary, veto.value) == (summary, value)  # the last verdict's text, not one from a short week
    assert veto.facts is not None and veto.facts["undecided"] is True and veto.facts["sufficient"] is False
    assert veto.facts["coverage"].startswith("数据不足")
    with sessions() as s, s.begin():
        plan_notifications(s, later, routes, plan)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == sent_before  # nothing told

    for k in range(50):  # probes again, all up, filling the empty day: judged again, and now it clears
        probe(store, T0 + k * timedelta(minutes=30) + timedelta(seconds=20), 1)
    eng.evaluate(later)
    (veto,) = alerts(sessions)
    assert veto.facts is not None and "undecided" not in veto.facts and veto.facts["sufficient"] is True


def test_a_down_site_says_why_and_keeps_its_expired_certificate_under_it(env: tuple) -> None:
    """An expired certificate takes the homepage down: the top-level alert says the probe's own reason
    (detail_fields: [reason]), and tls_expiring (已过期 3 天) stays listed under it as a dependant."""
    from alerts.inhibition import problems
    from alerts.pipeline import AlertSnap

    sessions, store, _, _ = env
    shipped = only(load_rule_files([Path(__file__).parents[2] / "data" / "alerts" / "rules"]),
                   "site_down", "tls_expiring")
    shipped = RuleSet(shipped.rules, shipped.files, load_rule_files(
        [Path(__file__).parents[2] / "data" / "alerts" / "rules"]).inhibit_rules)
    eng = AlertEngine(sessions, store, shipped)
    def failed(at: datetime, error: str, reason: str, **fields: float) -> list[Point]:  # as the site probe writes
        return [Point("site_probe", {"up": 0, **fields}, to_ns(at), TAGS),
                Point("site_probe", {"failure": 1}, to_ns(at), {**TAGS, "error": error, "reason": reason})]

    store.write([Point("site_probe", {"up": 1, "tls_days": 40.0}, to_ns(T0 - timedelta(days=2)), TAGS),
                 *failed(T0 - timedelta(hours=1), "refused", "连接被拒绝")])
    for i in range(4):  # failing for 3 minutes: the newest failure's reason, not an older one
        store.write(failed(T0 + i * M - timedelta(seconds=10), "tls", "证书校验失败（证书已过期）", tls_days=-3.0))
        eng.evaluate(T0 + i * M)
    got = {a.rule: a for a in alerts(sessions)}
    down, tls = got["site_down"], got["tls_expiring"]
    assert down.state == AlertState.FIRING and down.summary.startswith(
        f"网站 {TAGS['site']} 首页无法访问（证书校验失败（证书已过期）），自 ")
    assert down.facts is not None and down.facts["details"] == {"reason": "证书校验失败（证书已过期）"}
    assert tls.state == AlertState.FIRING and tls.summary.endswith("已过期 3 天")
    with sessions() as s:
        grouped = problems([AlertSnap.of(a) for a in s.scalars(select(Alert))], shipped.inhibit_rules)
    assert grouped.source_of(tls.id) == down.id and grouped.is_top(down.id)


def test_one_defacement_is_one_alert_naming_what_was_found(env: tuple) -> None:
    """A defaced homepage (content drift, a new external script, a hidden link) is one critical alert per site
    — not one per kind with the same text, each "共 1 处" — counting all three and naming the kinds in Chinese.
    An alert left open from the old per-kind grouping is closed as regrouped, not as recovered."""
    sessions, store, _, _ = env
    shipped = only(load_rule_files([Path(__file__).parents[2] / "data" / "alerts" / "rules"]), "site_defaced")
    with sessions() as s, s.begin():
        sid = seed_sites(s, {"4301020001": "http://127.0.0.1:1/"})["4301020001"]
        save_result(s, sid, CheckResult("defacement", "4301020001", T0, (
            draft("fingerprint_drift", "http://127.0.0.1:1/", Severity.CRITICAL, check="defacement"),
            draft("external_script", "http://127.0.0.1:1/#s", Severity.CRITICAL, check="defacement"),
            draft("hidden_link", "http://127.0.0.1:1/#a", Severity.CRITICAL, check="defacement"))), T0)
        old_labels = {"site": "4301020001", "node": "430102", "city": "430100", "check": "defacement",
                      "kind": "hidden_link", "alertname": "site_defaced"}
        s.add(Alert(fingerprint="old-per-kind", rule="site_defaced", rule_file="inspection.yaml",
                    severity=Severity.CRITICAL, rule_severity=Severity.CRITICAL, state=AlertState.FIRING,
                    labels=old_labels, summary="旧告警", value=1.0, city_code="430100",
                    group_key="site_defaced|city=430100", started_at=T0 - M, fired_at=T0 - M,
                    last_true_at=T0 - M, last_eval_at=T0 - M, escalation_tier=1, version=1))
    r = AlertEngine(sessions, store, shipped).evaluate(T0)
    assert (r.created, r.fired, r.resolved) == (1, 1, 1)
    old, new = alerts(sessions)
    assert old.state == AlertState.RESOLVED and old.resolve_reason == "规则分组已修改，按新分组重新判定"
    assert new.state == AlertState.FIRING and new.value == 3.0 and "kind" not in new.labels
    assert new.summary == ("网站 4301020001 疑似被篡改、挂马或植入暗链，共 3 处："
                           "首页内容异常变化（疑似篡改）、新增外部脚本或框架、隐藏链接（暗链）")
