"""The 运营中心 reader on SQLite and PostgreSQL, from snapshots written through operations/score_store.py
(tests/dashboard/ops_world.py): per-city figures (pass rate over judged sites, averages over scored ones),
rankings with vetoed sites last and unscored, vetoes, the trend's periods, the closest to failing, the
region scope, the sheet with its cited findings and entries and 签核后已变更; and the pure builders."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from dashboard import ops_data
from db.models_security import AuditEntry, Role
from operations import verify_store
from operations.errors import VerifyError
from operations.periods import parse
from operations.score_store import SnapshotView
from security.auth import Principal
from tests.dashboard.ops_world import PROVINCE, seed_scores
from tests.dashboard.world import NOW, World, build_world

CITIES = pd.DataFrame([("430100", "长沙市"), ("430200", "株洲市"), ("430300", "湘潭市"), ("430400", "衡阳市")],
                      columns=["code", "name"])


@pytest.fixture
def scored(tmp_path: Path, db_url: str) -> tuple[World, dict[str, int]]:
    world = build_world(tmp_path, db_url=db_url)
    entries = seed_scores(world)
    return world, entries


def test_period_view_on_both_databases(scored: tuple[World, dict[str, int]]) -> None:
    world, _ = scored
    v = ops_data.read_ops(world.sessions, "430000", None, CITIES)
    assert v.period is not None and v.period.code == "2026Q4" and v.periods == ("2026Q3", "2026Q4")
    assert not v.frozen and v.total is not None
    assert (v.total.sites, v.total.passed, v.total.failed, v.total.undetermined) == (7, 5, 2, 0)
    assert v.total.pass_rate == Fraction(5, 7)
    cities = v.cities.set_index("code")
    assert cities.loc["430100", ["sites", "passed", "failed", "pass_rate", "average"]].tolist() == [2, 1, 1, 50.0,
                                                                                                   97.9]
    assert cities.loc["430300", "pass_rate"] == 0.0 and pd.isna(cities.loc["430300", "average"])  # vetoed: no 0
    assert list(v.city_rank["name"]) == ["株洲市", "衡阳市", "长沙市", "湘潭市"]
    assert pd.isna(v.city_rank["rank"].iloc[-1])  # no scored site: unranked
    county = v.county_rank
    assert list(county["code"]) == ["X0102", "X0302"] and county["score"].isna().all()
    assert set(county["grade"]) == {"不合格"} and county["rank"].isna().all()
    assert list(v.dept_rank["code"]) == ["D0001"] and v.dept_rank["rank"].tolist() == [1]
    assert [(r.code, r.item) for r in v.vetoes.itertuples()] == [
        ("X0102", "站点无法访问"), ("X0302", "栏目不更新：要闻动态、通知公告、政策文件栏目未按时更新"),
        ("X0302", "严重错误与安全泄密")]
    assert list(v.trend["period"]) == ["2026Q3", "2026Q4"] and v.trend["pass_rate"].tolist() == [100.0, 71.4]
    assert v.closest["code"].iloc[0] == "C0100" and v.closest["score"].iloc[0] == 97.9

    q3 = ops_data.read_ops(world.sessions, "430000", parse("2026Q3"), CITIES)
    assert q3.frozen and q3.total is not None and q3.total.failed == 0
    assert ops_data.stale_days(q3, NOW + timedelta(days=90)) is None  # a frozen period does not age
    assert ops_data.stale_days(v, NOW + timedelta(days=8)) == 8
    assert ops_data.stale_days(v, NOW + timedelta(days=2)) is None
    none = ops_data.read_ops(world.sessions, "430000", parse("2025Q1"), CITIES)
    assert none.period is not None and none.total is None

    changsha = ops_data.read_ops(world.sessions, "430100", None, CITIES)
    assert changsha.total is not None and changsha.total.sites == 2
    assert set(changsha.county_rank["code"]) == {"X0102"} and changsha.dept_rank.empty


def test_sheet_cites_findings_and_entries_and_says_changed_after_signoff(
        scored: tuple[World, dict[str, int]]) -> None:
    world, entries = scored
    sheet = ops_data.read_sheet(world.sessions, "430000", "C0100", None, {"430100": "长沙市"})
    assert sheet is not None and sheet.snapshot is not None and sheet.snapshot.period == "2026Q4"
    assert sheet.city_name == "长沙市" and [h.period for h in sheet.history] == ["2026Q3", "2026Q4"]
    assert set(sheet.entries) == {entries["first"], entries["later"]}
    assert sheet.entries[entries["first"]][:2] == ("sheng", "要闻栏目错别字")
    assert sheet.findings and all(check for check, _, _ in sheet.findings.values())
    assert sheet.signoff is not None and sheet.signoff.state.value == "changed" and len(sheet.signoff.changes) == 1
    q3 = ops_data.read_sheet(world.sessions, "430000", "C0100", parse("2026Q3"), {})
    assert q3 is not None and q3.snapshot is not None and q3.snapshot.frozen
    assert q3.signoff is not None and q3.signoff.state.value == "unsigned"
    assert ops_data.read_sheet(world.sessions, "430200", "C0100", None, {}) is None  # 株洲 may not see 长沙's
    assert ops_data.read_sheet(world.sessions, "430000", "NOPE", None, {}) is None


def _view(code: str, period: str, result: dict[str, object], level: str = "county_portal",
          city: str = "430100") -> SnapshotView:
    return SnapshotView(code, f"{code}网站", city, level, period, 1, date(2026, 12, 31), "v", result, {},
                        datetime(2027, 1, 2, tzinfo=UTC), True, None, True)


def _result(score: float | None, passed: bool | None, vetoes: tuple[str, ...] = (), risk: bool = False) -> dict:
    grade = {True: "合格", False: "不合格", None: "无法判定"}[passed]
    return {"indicator_version": "v", "as_of": "2026-12-31", "vetoes": [{"item": v, "reason": f"{v}原因"}
                                                                        for v in vetoes],
            "veto_items": [{"item": "homepage_stale", "name": "首页不更新", "status": "at_risk"}] if risk else [],
            "score": score, "grade": grade, "passed": passed, "indicators": [], "bonus": [],
            "undetermined": [{"item": "x", "reason": "数据不足"}] if passed is None else [], "new_media": []}


def test_pure_rankings_ties_vetoes_undetermined_and_closest() -> None:
    views = [_view("A", "2026Q4", _result(90, True)), _view("B", "2026Q4", _result(90, True)),
             _view("C", "2026Q4", _result(55, False)), _view("D", "2026Q4", _result(None, False, ("unreachable",))),
             _view("E", "2026Q4", _result(99, None)), _view("F", "2026Q4", _result(95, True, risk=True)),
             _view("A", "2026H2", _result(80, True)), _view("A", "2026Q3", _result(70, True))]
    v = ops_data.build_view(views, None, CITIES)
    assert v.period is not None and v.period.code == "2026Q4"  # Q4 after H2: same end, later start
    ranks = list(zip(v.county_rank["code"], v.county_rank["rank"], strict=True))
    assert ranks[:4] == [("F", 1), ("A", 2), ("B", 2), ("C", 4)]  # equal scores share a rank
    assert [c for c, _ in ranks[4:]] == ["E", "D"] and all(pd.isna(r) for _, r in ranks[4:])
    assert list(v.closest["code"]) == ["F", "A", "B"]  # at risk first, then the lowest passing scores
    assert v.closest["risk"].iloc[0] == "首页不更新"
    assert list(v.trend["period"]) == ["2026Q3", "2026Q4"]  # quarters only: H2 is another kind
    assert v.total is not None and v.total.pass_rate == Fraction(3, 5) and v.total.average == 85.8
    assert ops_data.build_view([], None, CITIES).period is None
    with pytest.raises(VerifyError):
        ops_data.parse_period("2026Q5")
    assert ops_data.parse_period(" ") is None


def test_cited_ids() -> None:
    result = {"indicators": [{"lines": [{"source": "finding:3,finding:4"}, {"source": "entry:2"}]}],
              "bonus": [{"source": "entry:9"}], "vetoes": [{"evidence": ["finding:7", "probe summary"]}]}
    assert ops_data.cited(result, "finding") == {3, 4, 7}
    assert ops_data.cited(result, "entry") == {2, 9}


def test_sheet_lists_verification_changes_after_its_snapshot(scored: tuple[World, dict[str, int]]) -> None:
    world, _ = scored
    sheet = ops_data.read_sheet(world.sessions, "430000", "C0100", None, {})
    assert sheet is not None and sheet.pending == ()  # seed_scores scored after every entry and sign-off
    with world.sessions() as s:
        verify_store.add_entry(s, PROVINCE, NOW + timedelta(hours=1), "C0100", "2026Q4", "deduction", "news", 1,
                               "要闻栏目更新不及时")
    later = ops_data.read_sheet(world.sessions, "430000", "C0100", None, {})
    assert later is not None and [c.what for c in later.pending] == ["添加人工扣分 news 1 分"]
    assert later.snapshot is not None and later.snapshot.result == sheet.snapshot.result  # figures not moved


def test_bulletin_download_is_the_walls_rows_for_the_viewers_region(scored: tuple[World, dict[str, int]]) -> None:
    world, _ = scored
    kiosk = Principal.of_kiosk("wall", "430000")
    assert ops_data.export_bulletin(world.sessions, kiosk, None, NOW).content is None
    assert ops_data.export_bulletin(world.sessions, None, None, NOW).content is None
    city = Principal("cs_admin", "430100", Role.CITY_ADMIN, 1)
    out = ops_data.export_bulletin(world.sessions, city, None, NOW, "127.0.0.1")  # the latest period: 2026Q4
    assert out.content is not None and out.filename == "检查情况通报-2026Q4-430100.xlsx"
    assert out.message == "已导出 2026Q4 检查情况通报（2 个网站，评分快照）"
    ws = load_workbook(BytesIO(out.content)).worksheets[0]
    rows = [(r[1], r[3], r[4], r[5]) for r in ws.iter_rows(min_row=3, values_only=True) if isinstance(r[0], int)]
    view = ops_data.read_ops(world.sessions, "430100", None, CITIES)
    county = view.county_rank.iloc[0]
    assert rows == [("长沙市人民政府门户网站", "长沙市", 97.9, "合格"),
                    (county["name"], "长沙市", "不计分", county["grade"])]
    with world.sessions() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "score.export")).all()
    assert (entry.actor, entry.object_id, entry.scope_code) == ("cs_admin", "430100/2026Q4", "430100")
    none = ops_data.export_bulletin(world.sessions, city, parse("2025Q1"), NOW)
    assert none.content is None and none.message == "2025Q1 尚无评分结果，无可导出的通报"


def test_the_period_line_counts_sites_the_newest_run_did_not_rescore() -> None:
    old = replace(_view("B", "2026Q4", _result(90, True)), computed_at=datetime(2027, 1, 1, 8, tzinfo=UTC))
    v = ops_data.build_view([_view("A", "2026Q4", _result(95, True)), old], None, CITIES)
    assert v.computed_at == datetime(2027, 1, 2, tzinfo=UTC)
    assert (v.behind, v.oldest_at) == (1, datetime(2027, 1, 1, 8, tzinfo=UTC))
    same = ops_data.build_view([_view("A", "2026Q4", _result(95, True)), _view("B", "2026Q4", _result(90, True))],
                               None, CITIES)
    assert (same.behind, same.oldest_at) == (0, None)

