"""One contract over every registered inspection check, each against a real loopback site of its own.

A check is done when it is exercised like the others: a registered check without an entry in
:data:`HARNESS` fails ``test_every_check_has_a_harness`` and its own contract case. Each harness serves a
small site over real HTTP on 127.0.0.1 with one planted problem (and, for a check that judges collected
history, writes that history into a real metric store); the contract then asks of every check:

- its declarations hold (``inspection.catalog.problems``), its label, kinds and evidence keys read in
  Chinese, and its declared group is scheduled (a collector kind ``inspection_<group>`` runs it);
- run on the site it returns a :class:`CheckResult` of its own name, for that site and reference time,
  saying only what it declares, and finds the planted problem;
- through the runner the run ends ``ok``, the finding is stored and the ``inspection`` counts are written;
- on a site that is down it raises :class:`CheckError` (or a ``FetchError`` the runner reads the same way),
  never anything else, and it never gets a target kind it does not declare.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import COLLECTORS
from collectors.loader import load_kinds
from core.clock import FixedClock, to_ns
from core.i18n.inspection import EVIDENCE_LABEL, FINDING_KIND
from db.models import Column, ColumnKind, Node, NodeLevel, Site, SiteLevel
from db.session import transaction
from inspection.base import CHECKS, CheckError, CheckResult, Severity, SiteTarget, undeclared
from inspection.catalog import check_label, load_checks, problems
from inspection.findings import open_findings
from inspection.rules import Rules
from inspection.runner import InspectionRunner
from tests.collectors.support import make_config, serve
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import Query
from webread.fetch import FetchError

CHECK_NAMES = load_checks()
AS_OF = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 in China
TIMEOUT = 30.0  # seconds one run may take (a bound, not a measurement)
CODE = "X430102CT01"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _ago(days: int) -> str:
    return (AS_OF.date() - timedelta(days=days)).isoformat()


def _list(days: int, prefix: str = "/art") -> str:
    """A dated list of five entries, all ``days`` old or older (how CMS lists look)."""
    rows = "".join(f'<li><a href="{prefix}/{i}.html">关于做好第{i}批重点工作的通知</a>'
                   f"<span>{_ago(days + i)}</span></li>" for i in range(1, 6))
    return f'<div class="list"><ul>{rows}</ul></div>'


def _page(body: str, title: str = "芙蓉区人民政府门户网站") -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a> <a href='/news/'>要闻动态</a></div>{body}"
            "<div class='footer'>芙蓉区人民政府办公室 主办</div></body></html>")


def _probe_history(store: SQLiteMetricStore, code: str) -> None:
    """A week of hourly homepage probes before AS_OF, every tenth failed (10 %, over the 5 % veto line)."""
    start = AS_OF - timedelta(days=7)
    tags = {"site": code, "node": "430102", "city": "430100", "level": "county_portal"}
    store.write([Point("site_probe", {"up": 0 if i % 10 == 0 else 1}, to_ns(start + timedelta(minutes=30 + 60 * i)),
                       tags) for i in range(7 * 24)])


@dataclass(frozen=True)
class Harness:
    """A loopback site for one check: its pages (path → HTML; any other path is a 404), its registered
    columns (name, kind, path), the finding kind its planted problem must give, and history to collect."""

    pages: dict[str, str]
    expect: str
    columns: tuple[tuple[str, ColumnKind, str], ...] = ()
    history: Callable[[SQLiteMetricStore, str], None] | None = None
    notes: str = field(default="", compare=False)


# never requested: the defacement check reads the homepage only (the link's host is reserved for examples)
HIDDEN_LINK = '<a href="http://bet.example.com/" style="display:none">真人荷官</a>'

# off-site for a site on 127.0.0.1; a crawl checking it finds the address refused (never requested)
DEEP_HIDDEN_LINK = '<a href="http://127.0.0.9/zhenren/" style="display:none">真人荷官</a>'

HARNESS: dict[str, Harness] = {
    "availability": Harness({"/": _page(_list(1))}, "probe_failures", history=_probe_history,
                            notes="judges the probe history in the store; 10 % of a week's probes failed"),
    "homepage_update": Harness({"/": _page(_list(30))}, "homepage_stale",
                               notes="the newest homepage entry is 31 days old"),
    "column_freshness": Harness({"/": _page(_list(1)), "/news/": _page(_list(40, "/news"))}, "column_stale",
                                columns=(("要闻动态", ColumnKind.NEWS, "/news/"),),
                                notes="the news column's newest entry is 41 days old"),
    "dead_links": Harness({"/": _page(_list(1) + '<a href="/gone.html">政务公开目录</a>')}, "dead_link_homepage",
                          notes="a homepage link answers 404"),
    "content_errors": Harness({"/": _page(_list(1) + "<p>本站首页滚动区出现六合彩开奖信息。</p>")}, "banned_word",
                              notes="a banned word of the shipped dictionary on the homepage"),
    "interaction": Harness({"/": _page(_list(1))}, "no_channel",
                           columns=(("政民互动", ColumnKind.CONSULTATION, "/hudong/"),),
                           notes="the registered consultation column answers 404"),
    "defacement": Harness({"/": _page(_list(1) + HIDDEN_LINK)}, "hidden_link",
                          notes="a CSS-hidden off-site link on the homepage"),
    "page_tampering": Harness({"/": _page(_list(1) + '<a href="/gk/">政务公开</a>'), "/gk/": _page(DEEP_HIDDEN_LINK)},
                              "page_hidden_link", notes="a CSS-hidden off-site link on a page below the homepage"),
    "identity": Harness({"/": _page(_list(1))}, "missing_site_code",
                        notes="the footer shows no 政府网站标识码"),
    "service_guides": Harness({"/": _page(_list(1)),
                               "/bszn/": _page('<ul><li><a href="/bszn/1.html">居民身份证申领</a></li></ul>'),
                               "/bszn/1.html": _page("<table><tr><td>事项名称</td><td>身份证申领</td></tr></table>")},
                              "guide_incomplete", columns=(("办事指南", ColumnKind.SERVICE, "/bszn/"),),
                              notes="the one guide shows only its name of the ten key elements"),
    "policy_interpretation": Harness({"/": _page(_list(1)), "/zcwj/": _page(_list(1, "/zcwj")),
                                      "/zcjd/": _page(_list(1, "/zcjd")), "/zcjd/1.html": _page("<p>政策解读正文</p>")},
                                     "interpretation_unlinked",
                                     columns=(("政策文件", ColumnKind.POLICY, "/zcwj/"),
                                              ("政策解读", ColumnKind.INTERPRETATION, "/zcjd/")),
                                     notes="the one readable interpretation links no policy"),
    "site_functions": Harness({"/": _page(_list(1))}, "correction_missing",
                              notes="the homepage has no 我要纠错 entry"),
}


def _app(pages: dict[str, str]) -> web.Application:
    async def page(request: web.Request) -> web.Response:
        body = pages.get(request.path)
        if body is None:
            return web.Response(status=404, text="<html><body>页面不存在</body></html>", content_type="text/html")
        return web.Response(text=body, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    return app


def _seed(session: Session, base: str, harness: Harness) -> None:
    session.add_all([Node(code="430000", name="湖南省", level=NodeLevel.PROVINCE),
                     Node(code="430100", name="长沙市", level=NodeLevel.CITY, parent_code="430000"),
                     Node(code="430102", name="芙蓉区", level=NodeLevel.COUNTY, parent_code="430100")])
    session.flush()
    site = Site(code=CODE, name="芙蓉区人民政府门户网站", url=base + "/", level=SiteLevel.COUNTY_PORTAL,
                node_code="430102")
    for name, kind, path in harness.columns:
        site.columns.append(Column(name=name, kind=kind, url=base + path))
    session.add(site)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _down(target: SiteTarget) -> SiteTarget:
    """The same site with nothing listening behind it (and no history collected for it)."""
    dead = f"http://127.0.0.1:{_closed_port()}"
    base = target.url.rstrip("/")
    cols = tuple(type(c)(**{**c.__dict__, "url": c.url.replace(base, dead)}) for c in target.columns)
    return SiteTarget(target.code + "DOWN", target.name, dead + "/", target.level, target.node_code, target.city_code,
                      cols)


@dataclass
class Seen:
    result: CheckResult
    outcome: Any
    stored: list[Any]
    counts: list[float]
    down: BaseException | CheckResult | None


async def _exercise(name: str, harness: Harness, sessions: sessionmaker[Session], store: SQLiteMetricStore) -> Seen:
    async with serve(_app(harness.pages)) as base:
        with transaction(sessions) as s:
            _seed(s, base, harness)
        if harness.history is not None:
            harness.history(store, CODE)
        runner = InspectionRunner(make_config(probe_timeout=10.0), sessions, store, checks=[name],
                                  rules=Rules(source="contract", timeouts={name: TIMEOUT}), clock=FixedClock(AS_OF))
        try:
            (target,) = await asyncio.to_thread(runner.targets, [CODE])
            check = runner.check(name)
            result = await asyncio.wait_for(check.run(target, AS_OF, TIMEOUT), TIMEOUT + 10)
            (outcome,) = await asyncio.wait_for(runner.run([CODE], AS_OF), TIMEOUT + 10)
            down_target = _down(target)
            runner.fetcher.policy.register([down_target.url])
            down: BaseException | CheckResult | None = None
            try:
                down = await asyncio.wait_for(check.run(down_target, AS_OF, 5.0), TIMEOUT)
            except Exception as exc:  # what the contract judges: only CheckError / FetchError are allowed
                down = exc
        finally:
            await runner.aclose()
    with sessions() as s:
        stored = [f for f in open_findings(s) if f.check == name]
    frame = store.query(Query("inspection", "open_findings", AS_OF - timedelta(minutes=1), AS_OF + timedelta(minutes=1),
                              agg="max", tags={"site": CODE, "check": name}))
    return Seen(result, outcome, stored, [float(v) for v in frame["value"]], down)


def test_every_check_has_a_harness() -> None:
    """A new check is not done until it runs here like the others; a harness of a removed check goes too."""
    assert sorted(HARNESS) == sorted(CHECK_NAMES), (
        f"checks without a harness: {sorted(set(CHECK_NAMES) - set(HARNESS))}; "
        f"harness entries of no check: {sorted(set(HARNESS) - set(CHECK_NAMES))}")


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_check_contract(name: str, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    kind = CHECKS.get(name)
    harness = HARNESS.get(name)
    assert harness is not None, f"check {name} has no harness in tests/contracts/test_check_contract.py HARNESS"

    # declarations: valid, in Chinese, scheduled
    assert problems(name, kind) == []
    assert CJK.search(kind.label_zh) and check_label(name) == kind.label_zh
    assert kind.kinds and all(CJK.search(FINDING_KIND.get(k, "")) for k in kind.kinds), kind.kinds
    assert all(CJK.search(EVIDENCE_LABEL.get(k, "")) for k in kind.evidence_keys), kind.evidence_keys
    assert harness.expect in kind.kinds
    scheduler_kind = f"inspection_{kind.group}"
    assert scheduler_kind in load_kinds() and name in COLLECTORS.get(scheduler_kind).checks  # type: ignore[attr-defined]

    store = SQLiteMetricStore(tmp_path / "metrics.db")
    try:
        seen = asyncio.run(_exercise(name, harness, sessions, store))
    finally:
        store.close()

    # one run on the loopback site: its own result, saying only what it declares, finding what was planted
    r = seen.result
    assert isinstance(r, CheckResult) and (r.check, r.site_code, r.as_of) == (name, CODE, AS_OF)
    assert undeclared(kind, r) == []
    for f in r.findings:
        assert f.check == name and f.kind in kind.kinds and f.location
        assert isinstance(f.severity, Severity) and CJK.search(f.detail), f
        assert f.deadline is None or isinstance(f.deadline, date)
    assert harness.expect in {f.kind for f in r.findings}, (
        f"{name} did not find its planted problem ({harness.notes}): {[(f.kind, f.detail) for f in r.findings]}")
    assert all(isinstance(v, (int, float)) for v in r.stats.values()), r.stats

    # through the runner: ok, stored, counted
    assert seen.outcome.status == "ok", seen.outcome.error
    assert harness.expect in {f.kind for f in seen.stored}
    assert seen.counts and max(seen.counts) >= 1

    # a site that is down cannot be judged: CheckError (FetchError reads the same), nothing else; or the check
    # says so itself (the availability check's 首页当前无法访问), marking the result unreachable
    if isinstance(seen.down, CheckResult):
        assert seen.down.unreachable and CJK.search(seen.down.unreachable), seen.down
        assert any(f.severity is Severity.CRITICAL for f in seen.down.findings), seen.down
        return
    assert isinstance(seen.down, (CheckError, FetchError)), f"{name} on a site that is down: {seen.down!r}"
    if isinstance(seen.down, CheckError):
        assert CJK.search(str(seen.down)), str(seen.down)


@pytest.mark.parametrize("name", CHECK_NAMES)
def test_a_check_only_gets_targets_it_declares(name: str) -> None:
    from inspection.base import AccountTarget

    kind = CHECKS.get(name)
    site = SiteTarget(CODE, "芙蓉区人民政府门户网站", "http://127.0.0.1:1/", "county_portal", "430102", "430100")
    account = AccountTarget("weibo:1", "芙蓉发布", "weibo", "1", "430102", "430100")
    assert InspectionRunner.reads(name, site) == ("site" in kind.targets)
    assert InspectionRunner.reads(name, account) == ("account" in kind.targets)
