"""Issue 14's acceptance, end to end in headless Chromium on a real app server and database: a 长沙 city
inspector dismisses a finding with a reason on /verify, adds a manual deduction from the indicator table with
a note and signs the sheet off; the score sheet (/ops/site/<code>) first says its figures predate that work,
then, after the next ``score run``, the sheet, the /ops ranking and the 检查情况通报 downloaded from /ops
(read back with openpyxl) agree exactly on every site's score, grade and order — for the inspector's region,
and for the province (whose file is made by ``score export``'s own code path, operations/score_rows.py).
Any console error or failed request fails the test (Watch)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core.clock import FixedClock
from core.i18n.common import SITE_LEVEL
from core.severity import Severity
from db.models import CheckRun, Finding, RunStatus, Site, SiteLevel
from db.models_security import Role
from db.session import transaction
from inspection.findings import fingerprint
from inspection.indicators import DEFAULT_FILE, load_indicators
from inspection.rules import load_rules
from newmedia.rules import MediaRules
from operations import score_rows, score_store
from operations.access import Actor
from operations.periods import parse
from security.users import create_user
from tests.dashboard.browser_support import Watch, login, pick, serve, wait_text
from tests.dashboard.ops_world import CHECKS
from tests.dashboard.world import NOW, World, build_world

pytestmark = pytest.mark.browser
PASSWORD = "Acceptance-2026!"
PERIOD = "2026Q4"
PROVINCE = Actor("cli", "430000", "127.0.0.1")
SITE = "X0103"  # the inspector's site: a county portal of 长沙
# Sites added to the wall world (tests/dashboard/world.py): county portals of two cities and a department.
EXTRA = [("X0103", "天心区人民政府门户网站", SiteLevel.COUNTY_PORTAL, "430103"),
         ("X0104", "岳麓区人民政府门户网站", SiteLevel.COUNTY_PORTAL, "430104"),
         ("X0203", "荷塘区人民政府门户网站", SiteLevel.COUNTY_PORTAL, "430203"),
         ("D0001", "湖南省发展和改革委员会", SiteLevel.PROVINCIAL_DEPARTMENT, "430000")]
# site -> (check, kind, detail) of open findings bound to deduction rules of the indicator table
FINDINGS = {
    "X0103": [("site_functions", "correction_missing", "首页未提供“我要纠错”入口"),  # dismissed below
              ("site_functions", "search_broken", "站内搜索不可用"),
              ("dead_links", "dead_link_page", "其他页面链接不可用")],
    "X0104": [("dead_links", "dead_link_page", "其他页面链接不可用")],
    "X0203": [("site_functions", "search_missing", "首页未提供站内搜索")],
    "D0001": [("dead_links", "dead_link_page", "其他页面链接不可用")],  # 4/3 rule: 0.1 counts 0.13
}
NOTE = "要闻栏目两周未更新"
SHOTS = Path("/tmp/ops-shots")  # screenshots when this folder exists


@dataclass
class Served:
    base: str
    world: World
    clock: FixedClock
    dismissed: int  # the finding the inspector dismisses


def _add_finding(s: Any, site_id: int, check: str, kind: str, detail: str, at: datetime) -> int:
    location = f"https://{site_id}.example.gov.cn/{kind}"
    f = Finding(site_id=site_id, check=check, kind=kind, location=location,
                fingerprint=fingerprint(check, kind, location), severity=Severity.MEDIUM, detail=detail,
                evidence={"status": 404} if check == "dead_links" else {}, veto=False, first_seen=at, last_seen=at,
                reopen_count=0)
    s.add(f)
    s.flush()
    return int(f.id)


def _score(world: World, now: datetime) -> None:
    """What the daily ``score run --period 2026Q4`` does (runtime/score_run_cli.py), for the whole province."""
    with world.sessions() as s:
        score_store.run_period(s, PROVINCE, parse(PERIOD), now, load_indicators(),
                               load_rules(DEFAULT_FILE.parent / "rules.toml").veto, MediaRules())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    world = build_world(tmp_path)
    ids: dict[str, int] = {}
    with transaction(world.sessions) as s:
        create_user(s, "cs_inspector", PASSWORD, Role.CITY_ADMIN, "430100", actor="test", now=NOW)
        create_user(s, "sheng_admin", PASSWORD, Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
        for code, name, level, node in EXTRA:
            s.add(Site(code=code, name=name, url=f"https://{code.lower()}.example.gov.cn/", level=level,
                       node_code=node))
        s.flush()
        sites = {site.code: site.id for site in s.scalars(select(Site))}
        for site_id in sites.values():  # every check ran: sites are judged
            for check in CHECKS:
                at = NOW - timedelta(hours=3)
                s.add(CheckRun(site_id=site_id, check=check, as_of=at, started_at=at, finished_at=at,
                               status=RunStatus.OK, findings=0))
        for code, found in FINDINGS.items():
            for check, kind, detail in found:
                ids[f"{code}:{kind}"] = _add_finding(s, sites[code], check, kind, detail, NOW - timedelta(days=2))
    _score(world, NOW - timedelta(hours=2))  # this morning's run, before the inspector's work
    clock = FixedClock(NOW)
    with serve(world, "ops-acceptance-test", clock) as base:
        yield Served(base, world, clock, ids[f"{SITE}:correction_missing"])


def _text(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text())


def _inspect(page: Any, served: Served) -> None:
    """The inspector's work on /verify: dismiss, a manual deduction with a note, sign-off."""
    row = f"#verify-finding-{served.dismissed}"
    page.wait_for_selector(row, timeout=20_000)
    pick(page, f"{row} .verify-reason", "false_positive")
    page.fill(f"{row} :is(input.verify-qnote, .verify-qnote input)", "首页页脚已有纠错入口，巡检未识别")
    page.click(f"{row} button:has-text('排除')")
    wait_text(page, "#verify-queue-msg", f"已排除问题 #{served.dismissed}")
    pick(page, "#verify-site", SITE)
    assert page.input_value("#verify-period") == PERIOD
    pick(page, "#verify-code", "news")
    page.fill("#verify-points", "0.5")
    page.fill("#verify-entry-note", NOTE)
    page.click("#verify-entry-add")
    wait_text(page, "#verify-sheet-msg", "已添加人工扣分")
    page.fill("#verify-sign-note", "复核无误")
    page.click("#verify-sign")
    wait_text(page, "#verify-sheet", "评分表状态：已签核")


def _sheet(page: Any, base: str, code: str) -> dict[str, str]:
    """The sheet's head facts by label, and its indicator lines."""
    page.goto(f"{base}/ops/site/{code}?period={PERIOD}")
    page.wait_for_selector("#ops-sheet-indicators", timeout=20_000)
    facts = {label: _text(page, f"#ops-sheet-fact-{i}") for i, label in
             enumerate(("period", "score", "grade", "deductions", "bonus", "version", "as_of", "scored", "signoff"))}
    facts["lines"] = _text(page, "#ops-sheet-indicators")
    facts["basis"] = _text(page, ".sheet-basis")
    _settle(page)
    return facts


def _settle(page: Any) -> None:
    """Let the page finish loading (its favicon too) before the test navigates away: Chromium fetches the
    icon outside the page's request events, so an abort of it would read as a failed request."""
    page.wait_for_load_state("networkidle", timeout=20_000)


@dataclass(frozen=True)
class Ranked:
    rank: str
    name: str
    city: str
    score: str
    grade: str


def _ranking(page: Any, selector: str) -> list[Ranked]:
    """The rows of a ranking table, top to bottom (the departments' table has no city column: 省本级)."""
    rows = page.evaluate("(s) => [...document.querySelectorAll(s + ' tr')].map("
                         "r => [...r.querySelectorAll('td')].map(td => td.innerText.trim()))", selector)
    return [Ranked(r[0], r[1], r[2] if len(r) == 5 else "省本级", r[-2], r[-1]) for r in rows if len(r) >= 4]


def _bulletin(content: bytes) -> list[tuple[str, str, str, Any, str]]:
    """(name, type, city, score, grade) per site row of the 检查情况 sheet, in the file's order."""
    ws = load_workbook(BytesIO(content)).worksheets[0]
    out = []
    for row in ws.iter_rows(min_row=3, values_only=True):
        if isinstance(row[0], int):
            out.append((str(row[1]), str(row[2]), str(row[3]), row[4], str(row[5])))
    return out


def _download(page: Any, base: str) -> bytes:
    page.goto(f"{base}/ops?period={PERIOD}")
    page.wait_for_selector("#ops-county-rank", timeout=20_000)
    with page.expect_download(timeout=20_000) as dl:
        page.click("#ops-export")
    wait_text(page, "#ops-export-msg", f"已导出 {PERIOD} 检查情况通报")
    return Path(dl.value.path()).read_bytes()


def _shown(x: Any) -> str:
    """A score as both screens print it: up to two decimals, no trailing zero; — for none."""
    return "—" if x is None else f"{round(float(x), 2):g}"


def _agree(ranking: list[Ranked], bulletin: list[tuple[str, str, str, Any, str]], kind: str) -> None:
    """The ranking and the bulletin list the same sites of ``kind`` with the same city, score (不计分 in the
    file is — on the wall) and grade; within each city the same order; and a rank is one more than the number
    of ranked sites scoring higher."""
    rows = [b for b in bulletin if b[1] == kind]
    assert sorted(r.name for r in ranking) == sorted(b[0] for b in rows)
    by_name = {b[0]: b for b in rows}
    for r in ranking:
        _name, _kind, city, score, grade = by_name[r.name]
        assert (r.city, r.score, r.grade) == (city, "—" if score == "不计分" else _shown(score), grade), r
    for city in {b[2] for b in rows}:
        assert [r.name for r in ranking if r.city == city] == [b[0] for b in rows if b[2] == city], city
    ranked = [r for r in ranking if r.rank != "—"]
    for r in ranked:
        assert int(r.rank) == 1 + sum(1 for o in ranked if float(o.score) > float(r.score)), r


def test_inspector_work_shows_alike_on_sheet_ranking_and_export(browser: Any, served: Served) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
    watch = Watch(page)
    problems: list[str] = []
    base = served.base
    county = SITE_LEVEL["county_portal"]
    try:
        login(page, base, "cs_inspector", PASSWORD, "/verify")
        _inspect(page, served)

        # Before the next score run the sheet's figures are this morning's: it says so and lists what changed.
        before = _sheet(page, base, SITE)
        if SHOTS.exists():
            page.screenshot(path=str(SHOTS / "acceptance-sheet-before.png"))
        assert "评分快照" in before["basis"] and "本期未结束" in before["basis"]
        assert "2 项核验变更" in before["basis"] and f"排除问题 #{served.dismissed}" in before["basis"]
        assert "已签核（cs_inspector" in before["signoff"]

        served.clock.advance(3600)  # the next score run, an hour later (a new cache window for the wall)
        _score(served.world, served.clock.now())
        with served.world.sessions() as s:
            [snap] = score_store.snapshots(s, PROVINCE, period=PERIOD, site_code=SITE)
            entry_id = next(int(ln["source"].split(":")[1]) for i in snap.result["indicators"]
                            for ln in i["lines"] if ln["rule"] == "manual")
        result = snap.result
        # 100 − 2 (站内搜索不可用) − 0.1 (one dead link) − 0.5 (the manual entry); 纠错 (2) dismissed
        assert result["deduction_total"] == 2.6 and result["score"] == 97.4 and result["grade"] == "合格"

        sheet = _sheet(page, base, SITE)
        assert "核验变更" not in sheet["basis"]  # nothing after this snapshot
        assert sheet["score"] == _shown(result["score"]) == "97.4"
        assert sheet["grade"] == result["grade"] and sheet["deductions"] == "2.6"
        assert f"人工条目 #{entry_id}（cs_inspector：{NOTE}）" in sheet["lines"]
        assert f"问题 #{served.dismissed}" not in sheet["lines"]
        assert "已签核（cs_inspector" in sheet["signoff"]
        other = _sheet(page, base, "X0104")
        assert other["score"] == "99.9" and other["grade"] == "合格"

        # The city's ranking and the file downloaded from the same page.
        content = _download(page, base)
        if SHOTS.exists():
            page.screenshot(path=str(SHOTS / "acceptance-ops-city.png"))
        ranking = _ranking(page, "#ops-county-rank")
        assert [(r.rank, r.name) for r in ranking] == [("1", "岳麓区人民政府门户网站"), ("2", "天心区人民政府门户网站"),
                                                  ("—", "芙蓉区人民政府门户网站")]
        bulletin = _bulletin(content)
        assert {city for _n, _k, city, _s, _g in bulletin} == {"长沙市"}  # the inspector's region only
        _agree(ranking, bulletin, county)
        row = next(b for b in bulletin if b[0] == "天心区人民政府门户网站")
        assert row[3] == 97.4 and row[4] == "合格"
        ws = load_workbook(BytesIO(content)).worksheets[0]
        why = next(str(r[7]) for r in ws.iter_rows(min_row=3, values_only=True) if r[1] == row[0])
        assert NOTE in why and "纠错" not in why  # 主要问题: the manual entry, not the dismissed finding

        # The province (another browser session): its rankings, a department's sheet (4/3 rule: two
        # decimals) and its download, against the rows and the file of ``score export``'s code path.
        watch.close()
        problems += watch.problems
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, accept_downloads=True)
        watch = Watch(page)
        login(page, base, "sheng_admin", PASSWORD, "/ops")
        _settle(page)
        dept = _sheet(page, base, "D0001")
        province_file = _download(page, base)
        with served.world.sessions() as s:  # score export's own rows (runtime/score_run_cli.py uses them)
            cli_rows = score_rows.period_rows(s, PROVINCE, parse(PERIOD))
            cli_file = score_rows.bulletin_bytes(s, PROVINCE, parse(PERIOD))
        assert cli_file is not None
        province = _bulletin(province_file)
        assert province == _bulletin(cli_file[0])
        assert [(b[0], b[3], b[4]) for b in province] == [
            (r.name, "不计分" if r.score is None else r.score, r.grade) for r in cli_rows]
        county_rank = _ranking(page, "#ops-county-rank")
        _agree(county_rank, province, county)
        assert [r.name for r in county_rank] == ["岳麓区人民政府门户网站", "天心区人民政府门户网站",
                                                 "荷塘区人民政府门户网站", "芙蓉区人民政府门户网站",
                                                 "雨湖区人民政府门户网站"]
        dept_rank = _ranking(page, "#ops-dept-rank")
        _agree(dept_rank, province, SITE_LEVEL["provincial_department"])
        [d] = [b for b in province if b[0] == "湖南省发展和改革委员会"]
        assert d[2] == "省本级" and dept_rank[0].rank == "1"
        assert dept["score"] == _shown(d[3]) and dept["grade"] == d[4]
        assert d[3] != round(d[3], 1)  # a two-decimal score, shown as such on the wall and the sheet
    finally:
        watch.close()
    assert problems + watch.problems == []
