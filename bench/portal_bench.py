"""The 20,000-page portal benchmark (issue 11): a full first crawl with every page check, a second run
where nothing changed, the crawl alone, and LinkChecker, on one static portal served by nginx.

Run: ``.venv/bin/python -m bench.portal_bench [--pages 20000] [--concurrency 10] [--repeat 2]``

The portal is :mod:`bench.static_portal`'s (tree of fan-out 8, shared assets, PDF attachments, a second
"external" host, planted broken links) with an article of Hunan government text on every page and, planted
in it, wrong formulations (every 97th page), one-character place-name slips (every 89th) and hidden
off-site links (every 151st). nginx (one worker) sends ETag and Last-Modified, so a revalidating request
for an unchanged page gets a 304.

Measured in one run, every figure from the product's own path:

1. **all page checks, first crawl** — :class:`inspection.runner.InspectionRunner` running every registered
   crawl-fed check (``inspection.base.CHECKS`` + :func:`inspection.sitecrawl.is_crawl_fed`, in screen
   order as the scheduled ``site_crawl`` group runs them) on a fresh SQLite database: one shared crawl
   feeding all scans, findings persisted, frontier saved (table crawl_page);
2. **unchanged, second run** — the same runner again a cycle later (the clock moved by ``cycle_days``, so
   every page is due): conditional requests, 304s counted from the saved frontier;
3. **crawl alone** — the same crawl (same merged settings, same fetcher, frontier loaded and saved with
   the runner's functions) with no scan and no findings, and **crawl + one scan** per check (its scan fed,
   its result built, nothing persisted); the extra cost of the scans over the crawl alone, in CPU and wall
   time (target <= 10 %);
4. **LinkChecker 10.6.0** on the same portal, same concurrency and timeout (:func:`bench.crawl_bench.
   run_linkchecker`), and the ratios.

First-crawl passes are repeated ``--repeat`` times, interleaved, each on a fresh database; medians are
reported. Each runner builds its checks (dictionary, lexicon matcher) before the clock starts: a
long-running process builds them once. Loopback only; stops what it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench.crawl_bench import LINKCHECKER, PORTAL_TIMEOUT_S, run_linkchecker, score
from bench.static_portal import EXTERNAL, PORTAL, HoldSocket, Nginx, free_port, portal_depth, portal_truth, write_portal
from core.clock import FixedClock
from core.config import Config, FetchConfig
from db.migrate import upgrade
from db.models import CrawlPage, Finding, Node, NodeLevel, Site, SiteLevel
from db.session import make_engine, make_session_factory, transaction
from inspection.base import CHECKS
from inspection.catalog import load_checks, screen_order
from inspection.frontier import load_frontier, save_frontier
from inspection.rules import Rules
from inspection.runner import InspectionRunner
from inspection.sitecrawl import TIME_SHARE, crawl_site, is_crawl_fed, merged_settings, scan_signature
from webread.crawler import CrawlSettings
from webread.frontier import run_budget

SITE_CODE = "BENCH1"
START = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
TIMEOUT_S = 1800.0  # the run's timeout per check: far above what 20,000 pages take
TICK_S = 5.0  # progress line period

# Article text: Hunan government prose, dense in the lexicon's own terms (what the near-miss matcher must
# not flag), 30 sentences a page (about 1,300 characters), each page a different rotation.
SENTENCES = (
    "湖南省人民政府办公厅关于进一步优化营商环境的实施意见已经省人民政府同意，现印发给你们，请认真贯彻执行。",
    "长沙市人民政府召开常务会议，研究部署安全生产、防汛抗旱和城市更新等重点工作。",
    "各市州、县市区人民政府要切实履行属地责任，加强统筹协调，确保各项政策措施落地见效。",
    "株洲市、湘潭市积极推进长株潭一体化发展，共建现代化都市圈。",
    "全省政务服务事项网上可办率达到百分之九十八以上，群众办事更加便捷。",
    "坚持以人民为中心的发展思想，持续改善民生福祉，推动高质量发展。",
    "衡阳市开展农村人居环境整治提升行动，建成一批美丽宜居村庄。",
    "岳阳市加快建设长江经济带绿色发展示范区，加强洞庭湖生态保护修复。",
    "常德市、益阳市推进高标准农田建设，全年新建高标准农田三十万亩。",
    "郴州市、永州市深化湘南湘西承接产业转移示范区建设，招商引资成效明显。",
    "怀化市、娄底市、邵阳市加快交通基础设施建设，县县通高速目标全面实现。",
    "张家界市、湘西土家族苗族自治州大力发展全域旅游，推动文旅融合发展。",
)
ARTICLE_SENTENCES = 30
WRONG_EVERY, WRONG = 97, "共建一路一带"  # dictionary: wrong_formulation (一带一路)
SLIP_EVERY, SLIP = 89, "湘谭市"  # lexicon near miss of 湘潭市: misspelt_place
HIDDEN_EVERY = 151  # a CSS-hidden link to the external host
CYCLE_DAYS = CrawlSettings().cycle_days  # when no check sets one


def page_url(i: int, port: int) -> str:
    return f"http://{PORTAL}:{port}/" if i == 0 else f"http://{PORTAL}:{port}/p/{i}.html"


def hidden_href(i: int, port: int) -> str:
    return f"http://{EXTERNAL}:{port}/ok/{i % 20}.html"  # answers 200: hidden, not broken


def article(port: int) -> Callable[[int], str]:
    """Page number -> its article HTML, with the plants of that page."""
    def body(i: int) -> str:
        text = "".join(SENTENCES[(i * 7 + k) % len(SENTENCES)] for k in range(ARTICLE_SENTENCES))
        mid = len(text) // 2
        if i and i % WRONG_EVERY == 0:
            text = text[:mid] + WRONG + text[mid:]
        if i and i % SLIP_EVERY == 0:
            text = text[:mid // 2] + f"{SLIP}城区" + text[mid // 2:]
        hidden = (f'<div style="display:none"><a href="{hidden_href(i, port)}">网址导航</a></div>'
                  if i and i % HIDDEN_EVERY == 0 else "")
        return f'<div class="article"><p>{text}</p></div>{hidden}'
    return body


def planted(pages: int, port: int) -> dict[str, set[str]]:
    """Finding kind -> the locations a complete run must report (hidden links: the page carrying them, as
    page_tampering reports them)."""
    every = {"wrong_formulation": WRONG_EVERY, "misspelt_place": SLIP_EVERY, "hidden": HIDDEN_EVERY}
    out = {kind: {page_url(i, port) for i in range(1, pages) if i % n == 0} for kind, n in every.items()}
    out["dead_link"] = portal_truth(pages, port, stalls=False)
    return out


def crawl_fed_checks() -> list[str]:
    """Every registered crawl-fed check, in screen order (the order the scheduled site_crawl group runs)."""
    load_checks()
    return [n for n in screen_order() if is_crawl_fed(CHECKS.get(n))]


def bench_rules(names: Sequence[str], pages: int, concurrency: int) -> Rules:
    """Each check's default settings with the crawl limits of this bench wherever its Settings has them:
    a page budget and per-run cap that take the whole portal in one run, the rate limit lifted, the same
    concurrency and timeout as LinkChecker's, no retries."""
    budget = pages + 100
    overrides: dict[str, Any] = {
        "page_budget": budget, "max_pages": budget, "max_pages_per_run": budget, "max_links": 4 * pages + 1000,
        "per_host_rate": 100_000.0, "per_host_concurrency": concurrency, "global_concurrency": concurrency,
        "request_timeout": float(PORTAL_TIMEOUT_S), "retries": 0,
    }
    base = Rules(source="bench")
    settings = {}
    for n in names:
        s = base.settings_for(n)
        fields = {f.name for f in dataclasses.fields(s)}
        settings[n] = dataclasses.replace(s, **{k: v for k, v in overrides.items() if k in fields})
    return Rules(source="bench", settings=settings, timeouts={n: TIMEOUT_S for n in names})


def bench_config() -> Config:
    # the external host is another loopback address: allowed as a government intranet would be
    return dataclasses.replace(Config(), fetch=FetchConfig(allow_networks=(f"{EXTERNAL}/32",)))


def fresh_db(path: Path, site_url: str) -> sessionmaker[Session]:
    url = f"sqlite:///{path}"
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    with transaction(sessions) as s:
        s.add(Node(code="430000", name="湖南省", level=NodeLevel.PROVINCE))
        s.flush()
        s.add(Site(code=SITE_CODE, name="基准测试门户", url=site_url, level=SiteLevel.PROVINCIAL_PORTAL,
                   node_code="430000"))
    return sessions


# ---- measuring --------------------------------------------------------------------------------
def own_cpu() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system


@contextmanager
def ticking(label: str, nginx: Nginx, cpu: Callable[[], float] = own_cpu) -> Iterator[None]:
    """Prints a progress line every TICK_S while the block runs: elapsed, requests nginx answered, CPU."""
    stop = threading.Event()
    t0, n0, c0 = time.perf_counter(), nginx.requests(), cpu()

    def tick() -> None:
        while not stop.wait(TICK_S):
            print(f"    [{label}] {time.perf_counter() - t0:5.0f} s, {nginx.requests() - n0:>6} requests, "
                  f"{cpu() - c0:6.1f} CPU-s", flush=True)
    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(TICK_S + 3)


@dataclass
class Pass:
    label: str
    seconds: float
    cpu_s: float
    server_cpu_s: float
    requests: int
    status: Counter[int] = field(default_factory=Counter)  # frontier rows touched by this run, by status
    findings: Counter[tuple[str, str]] = field(default_factory=Counter)  # (check, kind) -> open findings
    locations: dict[str, set[str]] = field(default_factory=dict)  # kind -> locations

    @property
    def pages(self) -> int:
        return self.status[200] + self.status[304]

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def _outcome(sessions: sessionmaker[Session], now: datetime) -> tuple[Counter[int], Counter[tuple[str, str]],
                                                                      dict[str, set[str]]]:
    with sessions() as s:
        status = Counter({int(st or 0): n for st, n in s.execute(
            select(CrawlPage.status, func.count()).where(CrawlPage.last_checked == now)
            .group_by(CrawlPage.status)).all()})
        rows = s.execute(select(Finding.check, Finding.kind, Finding.location)
                         .where(Finding.resolved_at.is_(None))).all()
    locations: dict[str, set[str]] = {}
    for _check, kind, location in rows:
        locations.setdefault(kind, set()).add(location)
    return status, Counter((check, kind) for check, kind, _ in rows), locations


async def _prepared(sessions: sessionmaker[Session], rules: Rules, names: Sequence[str],
                    clock: FixedClock) -> InspectionRunner:
    runner = InspectionRunner(bench_config(), sessions, None, checks=list(names), rules=rules, clock=clock)
    for n in names:
        runner.check(n)  # dictionary, lexicon matcher: built once per process, outside the clock
    return runner


def measure(label: str, nginx: Nginx, sessions: sessionmaker[Session], work: Callable[[], Any],
            now: datetime) -> Pass:
    """Runs ``work`` (an async function doing one pass) under the clock, then reads what it left."""
    async def main() -> Pass:
        prepared = await work()  # returns the timed coroutine factory
        n0, srv0 = await asyncio.to_thread(nginx.requests), nginx.cpu_seconds()
        with ticking(label, nginx):
            c0, t0 = own_cpu(), time.perf_counter()
            await prepared()
            seconds, cpu = time.perf_counter() - t0, own_cpu() - c0
        requests = await asyncio.to_thread(nginx.requests) - n0 - 1
        return Pass(label, seconds, cpu, nginx.cpu_seconds() - srv0, requests)
    result = asyncio.run(main())
    result.status, result.findings, result.locations = _outcome(sessions, now)
    return result


def runner_pass(label: str, nginx: Nginx, sessions: sessionmaker[Session], rules: Rules, names: Sequence[str],
                clock: FixedClock) -> Pass:
    """The real runner: one shared crawl feeding ``names``, findings persisted, frontier saved."""
    async def work() -> Callable[[], Any]:
        runner = await _prepared(sessions, rules, names, clock)

        async def timed() -> None:
            try:
                outcomes = await runner.run([SITE_CODE], clock.now(), write_metrics=False)
            finally:
                await runner.aclose()
            bad = [o for o in outcomes if o.status != "ok"]
            if bad:
                raise RuntimeError(f"{label}: runs not ok: {bad}")
        return timed
    return measure(label, nginx, sessions, work, clock.now())


def crawl_pass(label: str, nginx: Nginx, sessions: sessionmaker[Session], rules: Rules, names: Sequence[str],
               clock: FixedClock, scans: Sequence[str] = ()) -> Pass:
    """The crawl the runner makes for ``names`` (same merged settings, fetcher, frontier load/save and budget),
    feeding only the scans of ``scans`` (none: the crawl alone, reading the site and checking its links)
    and building their results, persisting no finding: one check's share of the shared crawl."""
    async def work() -> Callable[[], Any]:
        runner = await _prepared(sessions, rules, names, clock)
        target = (await asyncio.to_thread(runner.targets, [SITE_CODE]))[0]

        async def timed() -> None:
            try:
                deadline = time.monotonic() + TIMEOUT_S
                fed = {c: runner.check(c).scan(target, clock.now()) for c in scans}
                settings = merged_settings([runner.check(c).crawl_settings() for c in names])
                with sessions() as s:
                    site_id = s.scalars(select(Site.id).where(Site.code == SITE_CODE)).one()
                    frontier = await asyncio.to_thread(load_frontier, s, site_id)
                cycle_s = settings.cycle_days * 86_400.0
                interval = min(rules.interval_for(c) for c in names)
                settings = dataclasses.replace(settings, page_budget=run_budget(
                    settings.page_budget, len(frontier), interval, cycle_s, settings.max_pages_per_run))
                now = clock.now()
                report, failed = await crawl_site(runner.fetcher, target, fed, settings, TIMEOUT_S * TIME_SHARE,
                                                  frontier=frontier, now=now,
                                                  signature=scan_signature({c: runner.check(c) for c in scans}))
                if failed:
                    raise RuntimeError(f"{label}: scans failed: {failed}")
                for scan in fed.values():
                    await scan.result(report, deadline)

                def save() -> None:
                    with transaction(sessions) as s:
                        save_frontier(s, site_id, report, now, cycle_s)
                await asyncio.to_thread(save)
            finally:
                await runner.aclose()
        return timed
    return measure(label, nginx, sessions, work, clock.now())


# ---- reporting --------------------------------------------------------------------------------
def overhead(with_scans: float, alone: float) -> float:
    """Extra cost of ``with_scans`` over ``alone``, in percent of ``alone``."""
    return 100.0 * (with_scans - alone) / alone if alone else 0.0


def median_pass(passes: Sequence[Pass]) -> Pass:
    """The pass of median CPU (its own figures kept together)."""
    ordered = sorted(passes, key=lambda p: p.cpu_s)
    return ordered[(len(ordered) - 1) // 2]


def print_passes(title: str, passes: Sequence[Pass]) -> None:
    print(f"\n== {title}")
    print(f"{'pass':<42}{'pages':>7}{'200':>7}{'304':>7}{'requests':>9}{'seconds':>9}{'pages/s':>9}"
          f"{'CPU-s':>8}{'CPU ms/page':>12}{'nginx CPU-s':>12}")
    for p in passes:
        per_page = 1000 * p.cpu_s / p.pages if p.pages else 0.0
        print(f"{p.label:<42}{p.pages:>7}{p.status[200]:>7}{p.status[304]:>7}{p.requests:>9}{p.seconds:>9.2f}"
              f"{p.pages_per_s:>9.0f}{p.cpu_s:>8.2f}{per_page:>12.3f}{p.server_cpu_s:>12.2f}")


def verify(p: Pass, truth: dict[str, set[str]]) -> None:
    """Precision and recall of the planted problems among the run's open findings, by kind."""
    print(f"\n== findings of '{p.label}' (check, kind: open findings)")
    for (check, kind), n in sorted(p.findings.items()):
        print(f"  {check}, {kind}: {n}")
    found = {
        "dead_link": p.locations.get("dead_link_page", set()) | p.locations.get("dead_link_homepage", set()),
        "wrong_formulation": p.locations.get("wrong_formulation", set()),
        "misspelt_place": p.locations.get("misspelt_place", set()),
        "hidden": {loc for kind, locs in p.locations.items() if "hidden" in kind for loc in locs},
    }
    for kind, want in truth.items():
        prec, rec = score(found[kind], want)
        note = " (no crawl-fed check reports hidden links yet)" if kind == "hidden" and not found[kind] else ""
        print(f"  planted {kind}: {len(want)} → found {len(found[kind])}, precision {prec:.3f}, "
              f"recall {rec:.3f}{note}")


def main(argv: list[str] | None = None) -> None:
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the portal's stand-in PDFs are not real PDFs
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--pages", type=int, default=20_000)
    ap.add_argument("--concurrency", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2, help="first-crawl passes of each kind, interleaved")
    ap.add_argument("--no-linkchecker", action="store_true", help="skip LinkChecker (for profiling ours)")
    args = ap.parse_args(argv)
    if not args.no_linkchecker and not LINKCHECKER.exists():
        raise SystemExit(f"linkchecker not found at {LINKCHECKER}; pip install LinkChecker==10.6.0")
    names = crawl_fed_checks()
    rules = bench_rules(names, args.pages, args.concurrency)
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    os.chmod(workdir, 0o755)  # nginx workers and linkchecker drop privileges and must read here
    hold = HoldSocket()
    try:
        port = free_port(PORTAL)
        site_url = f"http://{PORTAL}:{port}/"
        print(f"portal benchmark: python {sys.version.split()[0]}, {os.cpu_count()} cpus, crawl-fed checks "
              f"{', '.join(names)}; writing {args.pages} pages …", flush=True)
        t0 = time.perf_counter()
        site, ext = write_portal(workdir, args.pages, port, stalls=False, body=article(port))
        print(f"  written in {time.perf_counter() - t0:.1f} s", flush=True)
        truth = planted(args.pages, port)
        with Nginx(workdir, site, ext, port, hold.port) as nginx:
            # (label, scans fed; None: every check through the runner)
            kinds: list[tuple[str, Sequence[str] | None]] = [
                ("crawl alone", ()), *((f"crawl + {n} scan", [n]) for n in names), ("all page checks", None)]
            first: dict[str, list[Pass]] = {k: [] for k, _ in kinds}
            last_db: sessionmaker[Session] | None = None
            for r in range(args.repeat):
                for k, fed in kinds[r % len(kinds):] + kinds[:r % len(kinds)]:  # rotated: drift hits all alike
                    sessions = fresh_db(workdir / f"{len(first[k])}-{k.replace(' ', '_')}.db", site_url)
                    print(f"  first crawl, {k} (repeat {r + 1}/{args.repeat}) …", flush=True)
                    label = f"{k}, first crawl"
                    if fed is None:
                        first[k].append(runner_pass(label, nginx, sessions, rules, names, FixedClock(START)))
                        last_db = sessions
                    else:
                        first[k].append(crawl_pass(label, nginx, sessions, rules, names, FixedClock(START), fed))
            assert last_db is not None
            cycle_days = max(getattr(rules.settings_for(n), "cycle_days", 0.0) for n in names) or CYCLE_DAYS
            clock = FixedClock(START)
            clock.advance(cycle_days * 86_400.0 + 60)  # a cycle later: every page is due, revalidated
            print("  second run, nothing changed …", flush=True)
            second = runner_pass("all page checks, unchanged", nginx, last_db, rules, names, clock)
            lc = None
            if not args.no_linkchecker:
                print("  linkchecker …", flush=True)
                with ticking("linkchecker", nginx, cpu=lambda: 0.0):
                    lc = run_linkchecker([site_url], portal_depth(args.pages), args.concurrency, PORTAL_TIMEOUT_S,
                                         workdir, nginx.cpu_seconds)
        report(args, names, first, second, lc, truth)
    finally:
        hold.close()
        shutil.rmtree(workdir, ignore_errors=True)


def report(args: argparse.Namespace, names: Sequence[str], first: dict[str, list[Pass]], second: Pass,
           lc: Any, truth: dict[str, set[str]]) -> None:
    title = (f"portal on nginx: {args.pages} pages, depth {portal_depth(args.pages)}, concurrency "
             f"{args.concurrency}, timeout {PORTAL_TIMEOUT_S} s, crawl-fed checks: {', '.join(names)}")
    print_passes(f"{title} — every pass", [p for ps in first.values() for p in ps] + [second])
    med = {k: median_pass(ps) for k, ps in first.items()}
    print_passes("medians (pass of median CPU)", [*med.values(), second])
    alone, full = med["crawl alone"], med["all page checks"]
    print("\n== extra cost of the page checks over the crawl alone (target <= 10 %)")
    for k, p in med.items():
        if k != "crawl alone":
            print(f"  {k:<28} CPU {overhead(p.cpu_s, alone.cpu_s):+7.1f} %   "
                  f"wall {overhead(p.seconds, alone.seconds):+7.1f} %")
    cpu_pcts = [overhead(f.cpu_s, a.cpu_s) for f, a in zip(first["all page checks"], first["crawl alone"], strict=True)]
    print(f"  all page checks, CPU per repeat: {', '.join(f'{x:+.1f} %' for x in cpu_pcts)}")
    print("\n== second run, nothing changed")
    print(f"  {second.status[304]} answered 304, {second.status[200]} read in full, {second.requests} requests; "
          f"{second.seconds:.2f} s, {second.cpu_s:.2f} CPU-s = {100 * second.seconds / full.seconds:.0f} % of the "
          f"first crawl's time, {100 * second.cpu_s / full.cpu_s:.0f} % of its CPU")
    verify(full, truth)
    if lc is not None:
        prec, rec = score(lc.broken, truth["dead_link"])
        print(f"\n== linkchecker 10.6.0: {lc.pages} pages, {lc.seconds:.2f} s, {lc.pages_per_s:.0f} pages/s, "
              f"{lc.cpu_s:.2f} CPU-s ({lc.cpu_ms_per_page:.3f} ms/page), nginx {lc.server_cpu_s:.2f} CPU-s, "
              f"broken {len(lc.broken)}: precision {prec:.3f}, recall {rec:.3f}")
        for p in (full, alone, second):
            print(f"  ratio {p.label} / linkchecker: wall {lc.seconds / p.seconds:.1f}x faster, "
                  f"CPU {lc.cpu_s / p.cpu_s:.1f}x less")


if __name__ == "__main__":
    main()
