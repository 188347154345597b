"""The scheduled scoring (collectors/kinds/scoring.py) on SQLite and PostgreSQL, on a clock moved by hand: the
open quarter and half-year replaced each run, the first run after the year's end freezing both and later runs
leaving them, no retroactive freeze, a failing site not stopping the others, and a city node's scope."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.scoring import ScoringCollector, open_periods
from core.clock import FixedClock
from core.config import Config, NodeConfig
from db.models_operations import ManualEntry, ScoreSnapshot
from inspection.indicators import DEFAULT_FILE, load_indicators
from inspection.rules import load_rules
from newmedia.rules import MediaRules
from operations import score_store as ss
from operations.periods import parse
from tests.operations.world import PROVINCE, seed

Factory = sessionmaker[Session]
DEC_7 = datetime(2026, 12, 7, 4, tzinfo=UTC)  # 12:00 Beijing time, 2026Q4 and 2026H2 open
JAN_1 = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January 2027, Beijing time: both closed
CS, FR, ZZ = "4301000001", "4301020001", "4302000001"


def _collector(factory: Factory, clock: FixedClock, role: str = "all-in-one", code: str = "430000") -> ScoringCollector:
    config = dataclasses.replace(Config(), node=NodeConfig(role=role, code=code))
    return ScoringCollector(CollectorContext(config=config, sessions=factory, clock=clock))


def _cycle(c: ScoringCollector) -> dict[str, float]:
    (target,) = c.targets()
    (point,) = c.collect(target)
    assert point.measurement == "score_run" and point.tags == {"node": target.key}
    return dict(point.fields)


def _snaps(factory: Factory) -> dict[tuple[str, str], list[tuple[int, bool, datetime, date]]]:
    """(site code, period) → [(revision, frozen, computed_at, as_of)]."""
    from db.models import Site

    out: dict[tuple[str, str], list[tuple[int, bool, datetime, date]]] = {}
    with factory() as s:
        rows = s.execute(select(Site.code, ScoreSnapshot).join(Site, Site.id == ScoreSnapshot.site_id)
                         .order_by(Site.code, ScoreSnapshot.period, ScoreSnapshot.revision))
        for code, snap in rows:
            at = snap.computed_at if snap.computed_at.tzinfo else snap.computed_at.replace(tzinfo=UTC)
            out.setdefault((code, snap.period), []).append((snap.revision, snap.frozen, at, snap.as_of))
    return out


@pytest.fixture
def world(migrated_db: tuple[str, Factory]) -> tuple[Factory, dict[str, int]]:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        s.commit()
    return factory, ids


def test_open_periods_are_the_quarter_and_half_year_in_beijing_time() -> None:
    assert [p.code for p in open_periods(DEC_7)] == ["2026Q4", "2026H2"]
    assert [p.code for p in open_periods(JAN_1)] == ["2027Q1", "2027H1"]  # still 31 December in UTC


def test_open_periods_replaced_then_frozen_once(world: tuple[Factory, dict[str, int]]) -> None:
    factory, _ = world
    clock = FixedClock(DEC_7)
    c = _collector(factory, clock)
    before = REGISTRY.get_sample_value("govops_score_sites_total", {"outcome": "scored"}) or 0.0
    assert _cycle(c) == {"scored": 6, "frozen": 0, "failed": 0, "refused": 0}
    assert REGISTRY.get_sample_value("govops_score_sites_total", {"outcome": "scored"}) == before + 6
    first = _snaps(factory)
    assert sorted(first) == [(code, p) for code in (CS, FR, ZZ) for p in ("2026H2", "2026Q4")]
    assert first[(CS, "2026Q4")] == [(1, False, DEC_7, date(2026, 12, 7))]

    clock.advance(900)  # the next cycle replaces the open revisions: one row each, newer time
    assert _cycle(c)["scored"] == 6
    second = _snaps(factory)
    assert all(rows == [(1, False, DEC_7 + timedelta(seconds=900), date(2026, 12, 7))] for rows in second.values())

    clock.current = JAN_1  # the first cycle of 2027 freezes both 2026 periods as of their last day
    assert _cycle(c) == {"scored": 6, "frozen": 6, "failed": 0, "refused": 0}
    third = _snaps(factory)
    for code in (CS, FR, ZZ):
        for p in ("2026Q4", "2026H2"):
            assert third[(code, p)] == [(1, True, JAN_1, date(2026, 12, 31))]
        assert third[(code, "2027Q1")] == [(1, False, JAN_1, date(2027, 1, 1))]
    with factory() as s:
        assert s.scalar(select(ScoreSnapshot.frozen_at).where(ScoreSnapshot.period == "2026Q4").limit(1)) is not None

    clock.advance(900)  # later cycles leave the frozen periods alone
    assert _cycle(c) == {"scored": 6, "frozen": 0, "failed": 0, "refused": 0}
    fourth = _snaps(factory)
    assert {k: v for k, v in fourth.items() if k[1].startswith("2026")} == \
        {k: v for k, v in third.items() if k[1].startswith("2026")}
    assert fourth[(CS, "2027Q1")][0][2] == JAN_1 + timedelta(seconds=900)


def test_no_retroactive_freeze_but_an_open_revision_is_frozen(world: tuple[Factory, dict[str, int]]) -> None:
    """2026Q3 ended before the collector first ran: scored by hand while open for one site only, so only
    that site's revision is frozen, as of 30 September; 2026Q2, never scored, gets nothing."""
    factory, _ = world
    table, rules = load_indicators(), load_rules(DEFAULT_FILE.parent / "rules.toml").veto
    with factory() as s:
        ss.run_period(s, PROVINCE, parse("2026Q3"), datetime(2026, 9, 20, tzinfo=UTC), table, rules, MediaRules(),
                      site_code=CS)
    assert _cycle(_collector(factory, FixedClock(DEC_7))) == {"scored": 6, "frozen": 1, "failed": 0, "refused": 0}
    snaps = _snaps(factory)
    assert snaps[(CS, "2026Q3")][0][:2] == (1, True) and snaps[(CS, "2026Q3")][0][3] == date(2026, 9, 30)
    assert not [k for k in snaps if k[1] in ("2026Q2", "2026H1") or k in ((FR, "2026Q3"), (ZZ, "2026Q3"))]


def test_a_failing_site_does_not_stop_the_others(world: tuple[Factory, dict[str, int]],
                                                caplog: pytest.LogCaptureFixture) -> None:
    """A corrupt manual entry (points stored as infinity, past every form's validation) breaks 长沙's 2026Q4
    scoring: that one is counted failed and left unwritten; its 2026H2 and the other sites are written."""
    factory, ids = world
    with factory() as s:
        s.add(ManualEntry(site_id=ids[CS], period="2026Q4", kind="deduction", code="news", points=float("inf"),
                          note="损坏的记录", evidence="", created_by="changsha", created_at=DEC_7))
        s.commit()
    c = _collector(factory, FixedClock(DEC_7))
    before = REGISTRY.get_sample_value("govops_score_sites_total", {"outcome": "failed"}) or 0.0
    with caplog.at_level("INFO", logger="collectors.kinds.scoring"):
        assert _cycle(c) == {"scored": 5, "frozen": 0, "failed": 1, "refused": 0}
    assert REGISTRY.get_sample_value("govops_score_sites_total", {"outcome": "failed"}) == before + 1
    (failure,) = [r.__dict__ for r in caplog.records if r.getMessage() == "scoring.site_failed"]
    assert (failure["site"], failure["period"]) == (CS, "2026Q4") and "ValueError" in failure["error"]
    snaps = _snaps(factory)
    assert (CS, "2026Q4") not in snaps and (CS, "2026H2") in snaps
    assert (FR, "2026Q4") in snaps and (ZZ, "2026Q4") in snaps


def test_keep_period_lists_the_failed_site_and_commits_batches(world: tuple[Factory, dict[str, int]]) -> None:
    factory, ids = world
    with factory() as s:
        s.add(ManualEntry(site_id=ids[FR], period="2026Q4", kind="deduction", code="news", points=float("inf"),
                          note="损坏的记录", evidence="", created_by="furong", created_at=DEC_7))
        s.commit()
    seen: list[tuple[int, int]] = []
    summary = ss.keep_period(factory, PROVINCE, parse("2026Q4"), DEC_7, load_indicators(),
                             load_rules(DEFAULT_FILE.parent / "rules.toml").veto, MediaRules(), batch=2,
                             progress=lambda done, total, _s: seen.append((done, total)))
    assert (summary.sites, summary.written, summary.skipped) == (3, 2, 0)
    assert [f.site for f in summary.failed] == [FR] and "ValueError" in summary.failed[0].error
    assert seen == [(2, 3), (3, 3)]


def test_a_city_node_scores_its_own_region(world: tuple[Factory, dict[str, int]]) -> None:
    factory, _ = world
    assert _cycle(_collector(factory, FixedClock(DEC_7), role="city", code="430100"))["scored"] == 4
    assert sorted({code for code, _ in _snaps(factory)}) == [CS, FR]


@pytest.mark.parametrize("scheduled", [True, False])
def test_run_schedules_it_with_the_heavy_collectors(sessions: Factory, scheduled: bool) -> None:
    """`app.py run` and `collect` run it on the inspection part's loop, even with the inspection checks off."""
    from runtime.bootstrap import build_schedulers

    config = Config()
    config = dataclasses.replace(config, inspection=dataclasses.replace(config.inspection, scheduled=scheduled))
    parts = build_schedulers(config, sessions, None)
    try:
        names = {part: [c.name for c in sch.collectors] for part, sch in parts.items()}
        assert "scoring" in names["inspection"] and "scoring" not in names["monitoring"]
        assert any(n.startswith("inspection_") for n in names["inspection"]) is scheduled
        (c,) = [c for c in parts["inspection"].collectors if c.name == "scoring"]
        assert (c.interval, c.timeout) == (900.0, 1800.0)
    finally:
        for sch in parts.values():
            sch.close()


def test_progress_is_logged_every_batch(world: tuple[Factory, dict[str, int]], caplog: pytest.LogCaptureFixture,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    factory, _ = world
    c = _collector(factory, FixedClock(DEC_7))
    monkeypatch.setattr(c, "batch", 2)
    with caplog.at_level("INFO", logger="collectors.kinds.scoring"):
        _cycle(c)
    events = [(r.getMessage(), r.__dict__) for r in caplog.records]
    progress = [(f["done"], f["total"], f["period"]) for e, f in events if e == "scoring.progress"]
    assert progress == [(2, 3, "2026Q4"), (2, 3, "2026H2")]  # after each batch but a period's last
    assert [f["written"] for e, f in events if e == "scoring.period"] == [3, 3]
    (run,) = [f for e, f in events if e == "scoring.run"]
    assert (run["scored"], run["frozen"], run["failed"], run["refused"]) == (6, 0, 0, 0)


def test_failed_sites_raise_the_shipped_alert_until_they_score(world: tuple[Factory, dict[str, int]],
                                                               tmp_path: Path) -> None:
    """data/alerts/rules/hosts.yaml scoring_sites_failed on the run's score_run point: firing while a site
    fails, resolved by the first run in which none does."""
    from alerts.engine import AlertEngine
    from alerts.rules import load_rule_files
    from alerts.states import AlertState
    from db.models_alerts import Alert
    from tsdb.sqlite_store import SQLiteMetricStore

    factory, ids = world
    with factory() as s:
        s.add(ManualEntry(site_id=ids[CS], period="2026Q4", kind="deduction", code="news", points=float("inf"),
                          note="损坏的记录", evidence="", created_by="changsha", created_at=DEC_7))
        s.commit()
    clock = FixedClock(DEC_7)
    c = _collector(factory, clock)
    store = SQLiteMetricStore(tmp_path / "m.db")
    rules = load_rule_files([Path(__file__).resolve().parents[2] / "data" / "alerts" / "rules" / "hosts.yaml"])
    engine = AlertEngine(factory, store, rules)
    try:
        store.write(c.collect(c.targets()[0]))
        engine.evaluate(clock.now() + timedelta(seconds=30))  # the window is [now - 1d, now)
        with factory() as s:
            (alert,) = s.scalars(select(Alert).where(Alert.rule == "scoring_sites_failed"))
            assert alert.state == AlertState.FIRING
            assert alert.summary == ("节点 湖南省 最近一次周期评分有 1 个网站评分失败，这些网站的评分未更新"
                                     "（见日志 scoring.site_failed）")
            s.execute(delete(ManualEntry))  # the corrupt row removed
            s.commit()
        clock.advance(900)
        store.write(c.collect(c.targets()[0]))
        engine.evaluate(clock.now() + timedelta(seconds=30))
        with factory() as s:
            (alert,) = s.scalars(select(Alert).where(Alert.rule == "scoring_sites_failed"))
            assert alert.state == AlertState.RESOLVED
    finally:
        store.close()
