"""Findings across runs: the pure reconcile plan, and persistence on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from db.models import CheckRun, Finding
from db.session import transaction
from inspection.base import CheckResult, Severity
from inspection.findings import (
    finding_history,
    fingerprint,
    latest_runs,
    open_findings,
    reconcile,
    record_run,
    save_result,
)
from tests.inspection.support import draft, seed_sites

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@dataclass
class Rec:
    fingerprint: str
    resolved_at: datetime | None = None


def fp(kind: str, loc: str) -> str:
    return fingerprint("availability", kind, loc)


@pytest.mark.parametrize(("stored", "drafts", "expect"), [
    # (stored records, drafts, (created, updated, reopened, resolved) as kind@loc)
    ([], [("a", "u1")], (["a@u1"], [], [], [])),
    ([("a", "u1", None)], [("a", "u1")], ([], ["a@u1"], [], [])),
    ([("a", "u1", None)], [], ([], [], [], ["a@u1"])),
    ([("a", "u1", T0)], [("a", "u1")], ([], [], ["a@u1"], [])),
    ([("a", "u1", T0)], [], ([], [], [], [])),  # resolved stays resolved, not resolved twice
    ([("a", "u1", None), ("b", "u1", None)], [("b", "u1"), ("a", "u2")], (["a@u2"], ["b@u1"], [], ["a@u1"])),
    ([], [("a", "u1"), ("a", "u1")], (["a@u1"], [], [], [])),  # duplicates in one run are one finding
])
def test_reconcile_table(stored: list[tuple[str, str, datetime | None]], drafts: list[tuple[str, str]],
                         expect: tuple[list[str], ...]) -> None:
    recs = [Rec(fp(k, loc), res) for k, loc, res in stored]
    names = {fp(k, loc): f"{k}@{loc}" for k, loc, _ in stored}
    plan = reconcile(recs, [draft(k, loc) for k, loc in drafts], T0)
    assert [f"{d.kind}@{d.location}" for d in plan.created] == expect[0]
    assert [names[r.fingerprint] for r, _ in plan.updated] == expect[1]
    assert [names[r.fingerprint] for r, _ in plan.reopened] == expect[2]
    assert [names[r.fingerprint] for r in plan.resolved] == expect[3]


def test_a_run_that_did_not_look_everywhere_resolves_only_where_it_looked(migrated_db) -> None:  # type: ignore[no-untyped-def]
    """A budget-limited crawl: the dead link on a page it reached and found fixed is resolved; the one on a
    page it did not reach stays open, last seen when it was last seen."""
    _, sessions = migrated_db
    with transaction(sessions) as s:
        sid = seed_sites(s, {"X1": "http://127.0.0.1:1/"})["X1"]
        first = (draft("dead_link_page", "http://a/x", check="dead_links"),
                 draft("dead_link_page", "http://a/deep/y", check="dead_links"))
        save_result(s, sid, CheckResult("dead_links", "X1", T0, first), T0)
        later = T0 + timedelta(days=1)
        plan = save_result(s, sid, CheckResult("dead_links", "X1", later, (), covered=frozenset({"http://a/x"})),
                           later)
    assert [r.location for r in plan.resolved] == ["http://a/x"]
    with sessions() as s:
        (kept,) = open_findings(s)
        assert kept.location == "http://a/deep/y" and kept.last_seen == T0


def test_duplicate_drafts_keep_the_worst_severity() -> None:
    plan = reconcile([], [draft("a", "u", Severity.LOW), draft("a", "u", Severity.CRITICAL)], T0)
    assert [d.severity for d in plan.created] == [Severity.CRITICAL]


def _result(*drafts, check: str = "availability") -> CheckResult:  # type: ignore[no-untyped-def]
    return CheckResult(check=check, site_code="X1", as_of=T0, findings=tuple(drafts))


def test_lifecycle_new_still_resolved_reopened(migrated_db) -> None:  # type: ignore[no-untyped-def]
    _, sessions = migrated_db
    with transaction(sessions) as s:
        ids = seed_sites(s, {"X1": "http://127.0.0.1:1/", "X2": "http://127.0.0.1:2/"})
    sid = ids["X1"]
    dl = date(2026, 12, 1)
    steps = [
        (T0, [draft("probe_failures", "http://a/", Severity.CRITICAL, veto=True, evidence={"ratio": 0.06}),
              draft("probe_coverage", "http://a/", Severity.LOW, deadline=dl)]),
        (T0 + timedelta(hours=1), [draft("probe_failures", "http://a/", Severity.HIGH, evidence={"ratio": 0.045})]),
        (T0 + timedelta(hours=2), []),
        (T0 + timedelta(hours=3), [draft("probe_coverage", "http://a/", Severity.LOW)]),
    ]
    plans = []
    for now, drafts in steps:
        with transaction(sessions) as s:
            plans.append(save_result(s, sid, _result(*drafts), now))
    assert [(len(p.created), len(p.updated), len(p.reopened), len(p.resolved)) for p in plans] == [
        (2, 0, 0, 0), (0, 1, 0, 1), (0, 0, 0, 1), (0, 0, 1, 0)]
    with sessions() as s:
        rows = {r.kind: r for r in s.scalars(select(Finding)).all()}
        assert len(rows) == 2  # nothing deleted
        fail, cov = rows["probe_failures"], rows["probe_coverage"]
        assert fail.resolved_at is not None and fail.severity is Severity.HIGH and fail.evidence == {"ratio": 0.045}
        assert fail.fingerprint == fingerprint("availability", "probe_failures", "http://a/")
        assert cov.resolved_at is None and cov.reopen_count == 1 and cov.deadline is None
        views = open_findings(s)
        assert [(v.site_code, v.kind, v.city_code) for v in views] == [("X1", "probe_coverage", "430100")]
        assert views[0].first_seen == T0 and views[0].last_seen == T0 + timedelta(hours=3)
        assert open_findings(s, site_codes=["X2"]) == [] and open_findings(s, checks=["identity"]) == []
        history = finding_history(s, site_codes=["X1"])
        assert [v.kind for v in history] == ["probe_coverage", "probe_failures"]
        assert history[1].as_dict()["resolved_at"] == (T0 + timedelta(hours=2)).isoformat()


def test_checks_are_reconciled_separately(migrated_db) -> None:  # type: ignore[no-untyped-def]
    _, sessions = migrated_db
    with transaction(sessions) as s:
        sid = seed_sites(s, {"X1": "http://127.0.0.1:1/"})["X1"]
        save_result(s, sid, _result(draft("missing_icp", "http://a/", check="identity"), check="identity"), T0)
        plan = save_result(s, sid, _result(), T0)  # an empty availability run does not touch identity
    assert plan.resolved == []
    with sessions() as s:
        assert [v.kind for v in open_findings(s)] == ["missing_icp"]


def test_bad_draft_writes_nothing(migrated_db) -> None:  # type: ignore[no-untyped-def]
    _, sessions = migrated_db
    with transaction(sessions) as s:
        sid = seed_sites(s, {"X1": "http://127.0.0.1:1/"})["X1"]
    with pytest.raises(ValueError, match="identity"), transaction(sessions) as s:
        save_result(s, sid, _result(draft("probe_failures", "http://a/"), draft("x", "u", check="identity")), T0)
    with sessions() as s:
        assert s.scalars(select(Finding)).all() == []


def test_latest_runs(migrated_db) -> None:  # type: ignore[no-untyped-def]
    _, sessions = migrated_db
    with transaction(sessions) as s:
        sid = seed_sites(s, {"X1": "http://127.0.0.1:1/"})["X1"]
        for i, status in enumerate(("ok", "error")):
            t = T0 + timedelta(minutes=i)
            record_run(s, sid, "availability", as_of=t, started_at=t, finished_at=t, status=status,
                       error="无法访问" if status == "error" else None, stats={"probes": 3})
    with sessions() as s:
        runs = latest_runs(s)
        assert len(s.scalars(select(CheckRun)).all()) == 2
    assert [(r.site_code, r.check, r.status.value, r.error) for r in runs] == [
        ("X1", "availability", "error", "无法访问")]
