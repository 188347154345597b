"""Facts from the platform (operations/scorefacts.py), table-driven: each bound finding kind → its deduction or
veto item, dismissed findings left out, manual entries traced to their ids, the reference date respected."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

import pytest

from core.severity import Severity
from inspection.catalog import veto_feeds
from inspection.indicators import DEFAULT_FILE, load_indicators
from inspection.rules import load_rules
from inspection.scoring import score, to_dict
from operations.decisions import DecisionStatus
from operations.scorefacts import MediaInput, SiteInput, build, trace

TABLE = load_indicators()
RULES = load_rules(DEFAULT_FILE.parent / "rules.toml").veto
AS_OF = date(2026, 12, 31)
SEEN = datetime(2026, 11, 1, 2, tzinfo=UTC)
PORTAL = SiteInput("4301000001", portal=True, service_columns=True, city_code="430100")
ALL_CHECKS = {check for pairs in veto_feeds().values() for check, _ in pairs} | {
    "site_functions", "policy_interpretation", "dead_links", "service_guides", "column_freshness"}


@dataclass(frozen=True)
class F:
    id: int
    check: str
    kind: str
    location: str = "http://127.0.0.1:1/"
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: Severity = Severity.MEDIUM
    detail: str = "问题"
    deadline: date | None = None
    veto: bool = False
    first_seen: datetime = SEEN
    resolved_at: datetime | None = None


def _score(findings: list[F], statuses: dict[int, DecisionStatus] | None = None,
           manual: dict[str, list[dict[str, Any]]] | None = None, site: SiteInput = PORTAL) -> dict[str, Any]:
    built = build(site, findings, statuses or {}, manual or {}, [], TABLE, RULES, AS_OF, judged_checks=ALL_CHECKS)
    result = score(built.facts, TABLE, RULES, AS_OF, vetoes=built.vetoes)
    return trace(to_dict(result, TABLE), built.sources)


def _charged(doc: dict[str, Any]) -> dict[str, tuple[float, str]]:
    return {ln["rule"]: (ln["charged"], ln["source"]) for i in doc["indicators"] for ln in i["lines"]}


@pytest.mark.parametrize(("check", "kind", "evidence", "rule", "indicator", "points"), [
    ("site_functions", "search_missing", {}, "search_missing", "search", 4),
    ("site_functions", "search_broken", {}, "search_broken", "search", 2),
    ("site_functions", "correction_missing", {}, "correction_missing", "correction", 2),
    ("site_functions", "ipv6_missing", {}, "ipv6_missing", "ipv6", 2),
    ("site_functions", "ipv6_unreachable", {}, "ipv6_unreachable", "ipv6", 1),
    ("policy_interpretation", "interpretation_unlinked", {}, "interpretation_unlinked", "interpretation", 0.5),
    ("policy_interpretation", "policy_unlinked", {}, "policy_unlinked", "interpretation", 0.5),
    ("policy_interpretation", "interpretation_ratio_low", {}, "interpretation_ratio_low", "interpretation", 2),
    ("column_freshness", "column_overdue", {"kind": "service_stats"}, "service_statistics_overdue",
     "service_statistics", 2),
    ("column_freshness", "column_overdue", {"kind": "message_replies"}, "message_replies_overdue", "messages", 3),
    ("dead_links", "dead_link_homepage", {}, "dead_link_homepage", "links", 1),
    ("dead_links", "dead_link_page", {}, "dead_link_page", "links", 0.1),
    ("column_freshness", "column_stale", {"kind": "policy", "column": "政策文件", "newest_date": "2026-01-02"},
     "policy_column_stale", "policy_files", 5),
])
def test_each_bound_finding_kind_is_its_deduction(check: str, kind: str, evidence: dict[str, Any], rule: str,
                                                  indicator: str, points: float) -> None:
    doc = _score([F(7, check, kind, evidence=evidence)])
    assert _charged(doc) == {rule: (points, "finding:7")}
    [ind] = [i for i in doc["indicators"] if i["lines"]]
    assert ind["code"] == indicator
    assert doc["score"] == 100 - points and doc["vetoes"] == []


def test_a_finding_kind_without_a_rule_deducts_nothing() -> None:
    doc = _score([F(1, "column_freshness", "column_overdue", evidence={"kind": "news"}),
                  F(2, "identity", "icp_missing")])
    assert _charged(doc) == {} and doc["score"] == 100


@pytest.mark.parametrize(("findings", "item"), [
    ([F(1, "service_guides", "no_service_guides")], "services"),
    ([F(1, "service_guides", "online_service_broken", location=f"http://127.0.0.1:1/s{i}") for i in range(5)]
     [:RULES.broken_online_services], "services"),
    ([F(1, "homepage_update", "homepage_stale", veto=True)], "homepage_stale"),
    ([F(1, "interaction", "no_channel", veto=True)], "poor_interaction"),
    ([F(1, "content_errors", "sensitive_word", severity=Severity.CRITICAL, veto=True)], "serious_errors"),
])
def test_veto_items_come_from_the_verdict(findings: list[F], item: str) -> None:
    if item == "serious_errors":
        kinds = {k for c, feed in veto_feeds()["serious_errors"] if c == "content_errors" for k in feed.holds}
        findings = [F(1, "content_errors", sorted(kinds)[0], severity=Severity.CRITICAL, veto=True)]
    doc = _score(findings)
    assert [v["item"] for v in doc["vetoes"]] == [item]
    assert doc["vetoes"][0]["evidence"][0] == "finding:1"
    assert doc["score"] is None and doc["passed"] is False and doc["grade"] == "不合格"


def test_dismissed_findings_do_not_count_lapsed_and_confirmed_do() -> None:
    fs = [F(1, "site_functions", "search_missing"), F(2, "site_functions", "correction_missing"),
          F(3, "site_functions", "ipv6_missing")]
    statuses = {1: DecisionStatus.DISMISSED, 2: DecisionStatus.LAPSED, 3: DecisionStatus.CONFIRMED}
    built = build(PORTAL, fs, statuses, {}, [], TABLE, RULES, AS_OF, judged_checks=ALL_CHECKS)
    assert built.counted == (2, 3) and built.dismissed == (1,)
    assert set(_charged(_score(fs, statuses))) == {"correction_missing", "ipv6_missing"}


def test_reference_date_bounds_the_findings() -> None:
    late = F(1, "site_functions", "search_missing", first_seen=datetime(2027, 1, 1, 1, tzinfo=UTC))
    fixed = F(2, "site_functions", "ipv6_missing", resolved_at=datetime(2026, 12, 30, tzinfo=UTC))
    fixed_after = F(3, "site_functions", "correction_missing", resolved_at=datetime(2027, 1, 2, tzinfo=UTC))
    assert set(_charged(_score([late, fixed, fixed_after]))) == {"correction_missing"}


def test_manual_entries_count_with_their_ids() -> None:
    manual = {"deductions": [{"indicator": "news", "points": 1.5, "note": "要闻转载未注明来源", "entry_id": 41}],
              "bonus": [{"item": "innovation", "points": 3, "note": "创新做法", "entry_id": 42}]}
    doc = _score([], manual=manual)
    assert _charged(doc) == {"manual": (1.5, "entry:41")}
    assert [(b["charged"], b["source"]) for b in doc["bonus"]] == [(3, "entry:42")]
    assert doc["score"] == 100 - 1.5 + 3


def test_unjudged_checks_leave_the_grade_undetermined_and_departments_without_services_use_four_thirds() -> None:
    dept = SiteInput("4300000101", portal=False, service_columns=False)
    built = build(dept, [F(1, "site_functions", "search_missing")], {}, {}, [], TABLE, RULES, AS_OF, judged_checks=())
    result = score(built.facts, TABLE, RULES, AS_OF, vetoes=built.vetoes)
    assert result.grade == "undetermined" and {v.status for v in result.veto_items} == {"unknown"}
    assert result.score == (75 - 4) * Fraction(4, 3) and built.notes  # the 4/3 assumption is said


def test_new_media_accounts_without_a_known_state_are_not_judged() -> None:
    media = [MediaInput("wechat:a", "wechat", date(2026, 12, 1), True, finding_ids=(5,)),
             MediaInput("weibo:b", "weibo", None, None)]
    built = build(PORTAL, [], {}, {}, media, TABLE, RULES, AS_OF, judged_checks=ALL_CHECKS)
    assert len(built.facts.new_media) == 1 and built.sources["new_media[0]"] == ["account:wechat:a", "media_finding:5"]
    assert any("weibo:b" in n for n in built.notes)


def test_every_finding_binding_names_a_kind_a_registered_check_reports() -> None:
    from inspection.base import CHECKS
    from inspection.catalog import load_checks

    load_checks()  # imports every check module
    for rule in TABLE.finding_rules():
        assert rule.finding is not None
        check, kind = rule.finding
        assert kind in CHECKS.get(check).kinds, rule.code  # type: ignore[attr-defined]


def test_the_loader_refuses_bad_bindings() -> None:
    import tomllib

    from inspection.indicators import IndicatorError, parse_indicators

    text = DEFAULT_FILE.read_text(encoding="utf-8")
    for old, new, words in [('finding = "site_functions:search_broken"', 'finding = "search broken"', "检查:问题类型"),
                            ('finding = "site_functions:search_broken"', 'finding = "site_functions:search_missing"',
                             "已绑定到另一条扣分规则"),
                            ('code = "search_broken"', 'code = "dead_link_page_x"\nwindow_days = 3',
                             "没有时间窗口")]:
        bad = text.replace(old, new, 1)
        with pytest.raises(IndicatorError, match=words) as exc:
            parse_indicators(tomllib.loads(bad), "indicators.toml", bad)
        assert "indicators.toml:" in str(exc.value) and "[[deduction]]" in str(exc.value)
