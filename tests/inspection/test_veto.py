"""Veto items of spec §2 from open findings, with boundary values."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from inspection.base import FindingDraft, Severity
from inspection.checks.availability import ProbeTally, Settings, judge
from inspection.rules import VetoRules
from inspection.veto import city_summary, closest_to_breach, judge_site

AS_OF = date(2026, 11, 27)
RULES = VetoRules()


def f(check: str, fkind: str, loc: str = "http://s/", sev: Severity = Severity.HIGH, /, *,
      deadline: date | None = None, veto: bool = False, **evidence: Any) -> FindingDraft:
    return FindingDraft(check=check, kind=fkind, location=loc, severity=sev, detail="测试", evidence=evidence,
                        deadline=deadline, veto=veto)


def item(findings: list[FindingDraft], code: str, **kw: Any) -> Any:
    verdict = judge_site("S1", findings, RULES, AS_OF, **kw)
    return next(i for i in verdict.items if i.item_code == code)


def _probe_findings(failed: int, total: int) -> list[FindingDraft]:
    # the availability check's own judgement of a tally, fed through the verdict
    from datetime import UTC, datetime

    from inspection.base import SiteTarget

    days = tuple((total // 7, failed if i == 0 else 0) for i in range(7))
    t = ProbeTally(total=total, failed=failed, days=days)
    target = SiteTarget(code="S1", name="n", url="http://s/", level="county_portal", node_code="430102",
                        city_code="430100")
    return judge(t, Settings(), target, datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))


@pytest.mark.parametrize(("failed", "total", "status"), [
    (7, 140, "breached"),  # exactly 5 % → veto (the spec's own example)
    (6, 140, "at_risk"),  # 4.29 % ≥ 4 % warning
    (5, 140, "ok"),  # 3.57 %
    (0, 140, "ok"),
])
def test_unreachable_boundaries(failed: int, total: int, status: str) -> None:
    assert item(_probe_findings(failed, total), "unreachable").status == status


def test_homepage_stale_and_due() -> None:
    assert item([f("homepage_update", "homepage_stale", veto=True)], "homepage_stale").status == "breached"
    it = item([f("homepage_update", "homepage_due", deadline=AS_OF + timedelta(days=3))], "homepage_stale")
    assert (it.status, it.days_to_breach, it.deadline) == ("at_risk", 3, AS_OF + timedelta(days=3))
    assert item([], "homepage_stale").status == "ok"
    assert item([], "homepage_stale", judged_checks={"availability"}).status == "unknown"


def _stale(n: int, kind: str = "news", first_level: bool = True) -> list[FindingDraft]:
    return [f("column_freshness", "column_stale", f"http://s/c{kind}{i}/", kind=kind, first_level=first_level)
            for i in range(n)]


@pytest.mark.parametrize(("findings", "status"), [
    (_stale(4), "ok"),
    (_stale(5), "breached"),
    (_stale(3) + _stale(2, "policy"), "breached"),
    (_stale(3) + _stale(1, "notice"), "ok"),
    (_stale(3) + _stale(2, "policy", first_level=False), "ok"),  # second-level policy columns don't count in (a)
    (_stale(4, "personnel"), "ok"),
])
def test_columns_a(findings: list[FindingDraft], status: str) -> None:
    assert item(findings, "columns_stale").status == status


def test_columns_a_at_risk_uses_the_deadline_that_completes_the_count() -> None:
    due = [f("column_freshness", "column_due", f"http://s/d{i}/", deadline=AS_OF + timedelta(days=d), kind="news")
           for i, d in enumerate((6, 2, 4))]
    it = item(_stale(3) + due, "columns_stale")
    assert (it.status, it.count, it.days_to_breach) == ("at_risk", 3, 4)  # the 2nd-nearest due makes 5


@pytest.mark.parametrize(("n", "status"), [(9, "ok"), (10, "breached")])
def test_columns_b_long_stale(n: int, status: str) -> None:
    assert item(_stale(n, "personnel"), "columns_long_stale").status == status


@pytest.mark.parametrize(("n", "status"), [(4, "ok"), (5, "breached")])
def test_columns_c_blank(n: int, status: str) -> None:
    blank = [f("column_freshness", "column_blank", f"http://s/b{i}/") for i in range(n)]
    assert item(blank, "columns_blank").status == status


def test_serious_errors_and_interaction() -> None:
    wrong = f("content_errors", "wrong_name", "http://s/", Severity.CRITICAL, veto=True)
    assert item([wrong], "serious_errors").status == "breached"
    assert item([f("defacement", "hidden_link", "http://s/", Severity.CRITICAL)], "serious_errors").status == "breached"
    assert item([f("content_errors", "banned_word", "http://s/", Severity.LOW)], "serious_errors").status == "ok"
    assert item([f("interaction", "no_channel", veto=True)], "poor_interaction").status == "breached"
    assert item([f("interaction", "message_unanswered")], "poor_interaction").status == "breached"
    it = item([f("interaction", "message_due", deadline=AS_OF + timedelta(days=10))], "poor_interaction")
    assert (it.status, it.days_to_breach) == ("at_risk", 10)
    assert item([], "services", judged_checks=set()).status == "unknown"  # the service_guides check has not run
    assert item([], "services").status == "ok"


def test_verdicts_cities_and_nearest() -> None:
    due = [f("homepage_update", "homepage_due", deadline=AS_OF + timedelta(days=5))]
    due2 = [f("interaction", "message_due", deadline=AS_OF + timedelta(days=2))]
    a = judge_site("A", [], RULES, AS_OF, city_code="430100")
    b = judge_site("B", due + due2, RULES, AS_OF, city_code="430100")
    c = judge_site("C", [f("homepage_update", "homepage_stale")], RULES, AS_OF, city_code="430200")
    assert (a.veto_risk, a.vetoed, b.veto_risk, b.vetoed, c.vetoed) == (False, False, True, False, True)
    assert b.nearest_deadline == AS_OF + timedelta(days=2) and b.nearest_item.item_code == "poor_interaction"
    summary = {s.city_code: s for s in city_summary([a, b, c])}
    assert (summary["430100"].sites, summary["430100"].at_risk, summary["430100"].vetoed) == (2, 1, 0)
    assert summary["430100"].nearest_site == "B" and summary["430200"].vetoed == 1
    assert [v.site_code for v in closest_to_breach([a, b, c])] == ["B"]


def _tally_findings(days: tuple[tuple[int, int], ...]) -> list[FindingDraft]:
    from datetime import UTC, datetime

    from inspection.base import SiteTarget

    t = ProbeTally(total=sum(n for n, _ in days), failed=sum(k for _, k in days), days=days)
    target = SiteTarget(code="S1", name="n", url="http://s/", level="county_portal", node_code="430102",
                        city_code="430100")
    return judge(t, Settings(), target, datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))


def test_unreachable_is_insufficient_until_the_week_is_covered() -> None:
    # five probes, all failed: the state the issue saw as 已触发
    it = item(_tally_findings(((0, 0),) * 6 + ((5, 5),)), "unreachable")
    assert (it.status, it.count) == ("insufficient", 5)
    assert (it.sufficiency.have, it.sufficiency.need, it.sufficiency.unit) == (5, 140, "probes")
    assert not it.sufficiency.enough
    # six full days and a thin one: still no verdict, however bad the ratio
    it = item(_tally_findings(((20, 20),) * 6 + ((19, 19),)), "unreachable")
    assert (it.status, it.sufficiency.have) == ("insufficient", 139)
    # covered, few failures: a verdict, with the coverage it rests on
    it = item(_tally_findings(((20, 0),) * 7), "unreachable")
    assert it.status == "ok" and it.sufficiency.enough and it.sufficiency.have == 140
    assert item([], "unreachable").sufficiency.enough  # judged without findings: the window was covered
    assert item([], "unreachable", judged_checks=set()).status == "unknown"
    assert item([], "unreachable", judged_checks=set()).sufficiency is None


def test_findings_stored_before_sufficiency_was_recorded_are_read_safely() -> None:
    # the old check flagged a veto from five probes and listed the short days beside it
    old = [f("availability", "probe_failures", "http://s/", Severity.CRITICAL, veto=True, failed=5, total=5,
             ratio=1.0),
           f("availability", "probe_coverage", "http://s/", Severity.LOW, probes_per_day=20, window_days=7,
             short_days=[{"probes": 0}] * 6 + [{"probes": 5}])]
    it = item(old, "unreachable")
    assert (it.status, it.sufficiency.have, it.sufficiency.need) == ("insufficient", 5, 140)
    # a veto finding with no coverage finding beside it: the old check found the window covered
    assert item(old[:1], "unreachable").status == "breached"


def test_a_site_short_of_data_is_neither_vetoed_nor_at_risk_nor_fine() -> None:
    short = judge_site("A", _tally_findings(((0, 0),) * 6 + ((5, 5),)), RULES, AS_OF, city_code="430100")
    assert short.insufficient and not short.vetoed and not short.veto_risk
    stale = f("homepage_update", "homepage_stale", veto=True)
    both = judge_site("B", [*_tally_findings(((0, 0),) * 6 + ((5, 5),)), stale], RULES, AS_OF, city_code="430100")
    assert both.vetoed and both.insufficient  # another item holds on its own
    fine = judge_site("C", [], RULES, AS_OF, city_code="430100")
    (summary,) = city_summary([short, both, fine])
    assert (summary.vetoed, summary.at_risk, summary.insufficient) == (1, 0, 1)
    assert closest_to_breach([short, both, fine]) == []
