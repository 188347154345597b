"""The website veto items judged from facts (spec §2), table-driven, boundaries included."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from inspection.rules import VetoRules
from tests.inspection.scoring_support import AS_OF, ago, cols, run, status

CST = timezone(timedelta(hours=8))


def _set(key: str, value: Any) -> Any:
    def change(doc: dict[str, Any]) -> None:
        doc[key] = value
    return change


@pytest.mark.parametrize(("total", "failed", "expected"), [
    (140, 7, "breached"),  # 7 of 140 = 5 %: the threshold is inclusive
    (140, 6, "ok"),
    (200, 10, "breached"),
    (200, 9, "ok"),
    (139, 0, "insufficient"),  # fewer than 7 days × 20 probes: no verdict
    (139, 139, "insufficient"),
    (0, 0, "insufficient"),
])
def test_unreachable_from_totals(total: int, failed: int, expected: str) -> None:
    r = run(_set("probes", {"total": total, "failed": failed}))
    assert status(r, "unreachable") == expected
    item = r.veto_items[0]
    assert (item.have, item.need) == (min(total, 140), 140)


def _probes(per_day: int = 20, days: int = 7, slow: int = 0, seconds: float = 16.0, down: int = 0,
            extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in range(days):
        day = AS_OF - timedelta(days=d)
        for i in range(per_day):
            out.append({"at": datetime(day.year, day.month, day.day, i, 30, tzinfo=CST).isoformat(),
                        "seconds": 1.2, "ok": True})
    for p in out[:slow]:
        p["seconds"] = seconds
    for p in out[slow:slow + down]:
        p.update(ok=False, seconds=None)
    return out + (extra or [])


@pytest.mark.parametrize(("probes", "expected"), [
    (_probes(), "ok"),
    (_probes(slow=7, seconds=15.0), "ok"),  # exactly 15 s is not a failure
    (_probes(slow=7, seconds=15.01), "breached"),  # over 15 s is
    (_probes(slow=6, seconds=30.0), "ok"),  # 6 of 140
    (_probes(slow=3, seconds=20.0, down=4), "breached"),  # slow and down add up: 7 of 140
    (_probes(down=7), "breached"),
    (_probes(per_day=19), "insufficient"),  # 20 probes a day minimum
    (_probes(days=6), "insufficient"),  # a day of the week without probes
    (_probes(per_day=19, extra=[{"at": f"{ago(7)}T12:00:00+08:00", "seconds": 1, "ok": True}] * 7),
     "insufficient"),  # probes before the window do not fill it
])
def test_unreachable_from_probe_list(probes: list[dict[str, Any]], expected: str) -> None:
    r = run(_set("probes", probes))
    assert status(r, "unreachable") == expected


def test_probe_days_are_beijing_days() -> None:
    week = [p for p in _probes() if not p["at"].startswith("2026-12-25T00")]  # the window's first day: 19 probes
    # 17:00 UTC on the 24th is 01:00 on the 25th in Beijing (inside the window); 15:00 UTC is 23:00 on the 24th
    inside = run(_set("probes", [*week, {"at": "2026-12-24T17:00:00+00:00", "seconds": 2, "ok": True}]))
    outside = run(_set("probes", [*week, {"at": "2026-12-24T15:00:00+00:00", "seconds": 2, "ok": True}]))
    assert (status(inside, "unreachable"), status(outside, "unreachable")) == ("ok", "insufficient")
    # naive times are Beijing time
    naive = run(_set("probes", [*week, {"at": "2026-12-25T00:10:00", "seconds": 2, "ok": True}]))
    assert status(naive, "unreachable") == "ok"


def test_probe_list_figures_trace_the_window() -> None:
    r = run(_set("probes", _probes(per_day=19, extra=[{"at": f"{ago(7)}T12:00:00", "seconds": 1, "ok": True}])))
    item = r.veto_items[0]
    assert (item.have, item.need) == (133, 140)
    assert item.figures["outside_window"] == 1 and item.figures["days_covered"] == 0
    assert "133/140" in item.reason
    assert r.grade == "undetermined" and r.passed is None and r.score == 100


@pytest.mark.parametrize(("newest", "undated_is_stale", "expected"), [
    (ago(14), True, "ok"),  # exactly 2 weeks: still inside
    (ago(15), True, "breached"),
    (ago(0), True, "ok"),
    (None, True, "breached"),  # no dated item: not updated (provisional rule, default on)
    (None, False, "unknown"),
])
def test_homepage(newest: str | None, undated_is_stale: bool, expected: str) -> None:
    r = run(_set("homepage_newest_item", newest), rules=VetoRules(undated_is_stale=undated_is_stale))
    assert status(r, "homepage_stale") == expected


def _columns(*groups: list[dict[str, Any]]) -> Any:
    return _set("columns", [c for g in groups for c in g])


@pytest.mark.parametrize(("columns", "a", "b", "c"), [
    # (a) news (2 weeks) + first-level notice/policy (6 months), together ≥ 5
    ([cols("news", 5, ago(15))], "breached", "ok", "ok"),
    ([cols("news", 4, ago(15))], "ok", "ok", "ok"),
    ([cols("news", 5, ago(14))], "ok", "ok", "ok"),  # exactly 14 days: fine
    ([cols("news", 3, ago(15)), cols("notice", 1, ago(184)), cols("policy", 1, ago(184))], "breached", "ok", "ok"),
    ([cols("news", 3, ago(15)), cols("notice", 1, ago(183)), cols("policy", 1, ago(183))], "ok", "ok", "ok"),
    # second-level notice/policy columns are not in (a); they count in (b) after the long window
    ([cols("news", 4, ago(15)), cols("notice", 1, ago(300), first_level=False)], "ok", "ok", "ok"),
    ([cols("news", 4, ago(15)), cols("policy", 6, ago(366), first_level=False)], "ok", "breached", "ok"),
    # (b) every column that should be updated but long is not, ≥ 10
    ([cols("personnel", 10, ago(366))], "ok", "breached", "ok"),
    ([cols("personnel", 9, ago(366))], "ok", "ok", "ok"),
    ([cols("planning", 10, ago(365))], "ok", "ok", "ok"),
    ([cols("other", 12, ago(3000))], "ok", "ok", "ok"),  # "other" columns have no update duty
    # (c) blank columns, ≥ 5; blank is not stale: it counts only in (c)
    ([cols("news", 5, None)], "ok", "ok", "breached"),
    ([cols("personnel", 4, None)], "ok", "ok", "ok"),
    ([cols("other", 3, None), cols("policy", 2, None, first_level=False)], "ok", "ok", "breached"),
])
def test_columns(columns: list[list[dict[str, Any]]], a: str, b: str, c: str) -> None:
    r = run(_columns(*columns))
    assert (status(r, "columns_stale"), status(r, "columns_long_stale"), status(r, "columns_blank")) == (a, b, c)


def test_column_veto_evidence_names_the_columns() -> None:
    r = run(_columns(cols("news", 5, ago(20))))
    v = r.vetoes[0]
    assert v.item == "columns_stale" and v.evidence == tuple(f"columns[{i}]" for i in range(5))
    assert "“news0”" in v.reason and "否决线 5 个" in v.reason


@pytest.mark.parametrize(("channels", "expected"), [
    ([{"kind": "consultation"}], "ok"),
    ([{"kind": "suggestion"}], "ok"),
    ([{"kind": "petition"}], "breached"),  # petition / discipline report alone: no effective channel
    ([{"kind": "discipline_report"}, {"kind": "petition"}], "breached"),
    ([{"kind": "petition"}, {"kind": "suggestion"}], "ok"),
    ([{"kind": "interview"}, {"kind": "survey"}], "breached"),  # not consultation channels (provisional)
    ([], "breached"),
])
def test_effective_channel(channels: list[dict[str, Any]], expected: str) -> None:
    assert status(run(_set("consultation_channels", channels)), "poor_interaction") == expected


@pytest.mark.parametrize(("messages", "expected"), [
    ([{"asked": ago(91), "answered": None}], "breached"),  # unanswered more than 3 months
    ([{"asked": ago(90), "answered": None}], "ok"),  # exactly 90 days: not yet
    ([{"asked": ago(365), "answered": None}], "breached"),  # the look-back year includes its first day
    ([{"asked": ago(366), "answered": None}], "ok"),  # older than a year: not counted
    ([{"asked": ago(200), "answered": ago(10)}], "ok"),  # answered (late) by now
    ([], "ok"),
])
def test_unanswered_messages(messages: list[dict[str, Any]], expected: str) -> None:
    assert status(run(_set("messages", messages)), "poor_interaction") == expected


def test_manual_veto_entries() -> None:
    r = run(_set("veto_entries", [{"item": "serious_errors", "note": "领导姓名错误（首页要闻）"}]))
    assert [v.item for v in r.vetoes] == ["serious_errors"]
    assert r.vetoes[0].evidence == ("veto_entries[0]",) and "领导姓名错误" in r.vetoes[0].reason
    assert status(run(), "serious_errors") == "ok" and status(run(), "services") == "ok"
