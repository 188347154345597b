"""Dead-link crawl benchmark: our crawler against LinkChecker 10.6.0, engine against engine.

Run: ``.venv/bin/python -m bench.crawl_bench [--pages 2400] [--demo-sites 12] [--concurrency 10]``

Two workloads, each crawled by both engines in the same run, servers in their own process so
neither engine shares a GIL with them:

(a) a sample of the demo fleet (the sites carrying planted dead links plus clean sites), on 127.0.85.N;
(b) a generated portal of ``--pages`` HTML pages (127.0.84.1, tree of fan-out 8, shared assets,
    PDF attachments, links to an "external" host 127.0.84.2) with a known set of broken links:
    internal 404s, a closed port, targets slower than the timeout, external 404s, missing images.

Fairness: every response carries a ``LinkChecker`` header and ``maxrequestspersecond`` is set
high, which lifts LinkChecker's per-host pause; both get the same thread/concurrency count, the
same timeout, page depth, external-link checking, and no robots.txt. Prints pages/s, the ratio, and
precision/recall of broken links against the known truth. Loopback only; stops what it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import multiprocessing as mp
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspection.crawl_links import looks_like_page, normalize_url, origin, same_site
from inspection.crawler import Crawler, CrawlSettings

PORTAL, EXTERNAL = "127.0.84.1", "127.0.84.2"
DEMO_PREFIX = "127.0.85"
FANOUT = 8
TIMEOUT_S = 2
SLOW_S = 3.0
CLOSED_PORT = 9
LINKCHECKER = Path(sys.executable).with_name("linkchecker")
RUN_LIMIT_S = 900  # a hard bound for each engine's run


# ---- the generated portal ---------------------------------------------------------------------
def portal_depth(pages: int) -> int:
    depth, first, width = 0, 0, 1
    while first + width < pages:
        first, width, depth = first + width, width * FANOUT, depth + 1
    return depth


def portal_page(i: int, pages: int, port: int) -> str:
    """HTML of page ``i`` (0 = homepage)."""
    base, ext = f"http://{PORTAL}:{port}", f"http://{EXTERNAL}:{port}"
    links = [f'<a href="/p/{c}.html">栏目页面{c}</a>' for c in range(i * FANOUT + 1, i * FANOUT + FANOUT + 1)
             if c < pages]
    if i:
        links += [f'<a href="/p/{(i - 1) // FANOUT}.html">上级</a>' if (i - 1) // FANOUT else '<a href="/">首页</a>']
    links.append(f'<a href="{ext}/ok/{i % 20}.html">友情链接{i % 20}</a>')
    if i % 5 == 0:
        links.append(f'<a href="/files/P0{i}.pdf">附件{i}.pdf</a>')
    links += [f'<a href="{u}">{label}</a>' for u, label in broken_on(i, port)]
    imgs = '<img src="/static/logo.png" alt="标志">' + (f'<img src="/img/missing-{i}.png">' if i % 73 == 0 else "")
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>门户</title>'
            '<link rel="stylesheet" href="/static/site.css"><script src="/static/site.js"></script></head>'
            f'<body>{imgs}<ul>{"".join(f"<li>{link}</li>" for link in links)}</ul>'
            f'<p>正文内容 {i}</p><a href="{base}/">返回首页</a></body></html>')


def broken_on(i: int, port: int) -> list[tuple[str, str]]:
    out = []
    if i % 37 == 0:
        out.append((f"/missing/{i}.html", "已删除页面"))
    if i % 101 == 0:
        out.append((f"http://{PORTAL}:{CLOSED_PORT}/zt/{i}/", "关停专题"))
    if i % 211 == 0:
        out.append((f"/slow/{i}.html", "很慢的页面"))
    if i % 53 == 0:
        out.append((f"http://{EXTERNAL}:{port}/gone/{i}.html", "外站失效"))
    return out


def portal_truth(pages: int, port: int) -> set[str]:
    truth: set[str] = set()
    for i in range(pages):
        for u, _ in broken_on(i, port):
            truth.add(normalize_url(u, f"http://{PORTAL}:{port}/") or u)
        if i % 73 == 0:
            truth.add(f"http://{PORTAL}:{port}/img/missing-{i}.png")
    return truth


def _serve_portal(pages: int, port: int, ready: Any) -> None:
    from aiohttp import web

    async def handle(request: web.Request) -> web.StreamResponse:
        h = {"LinkChecker": "allow"}  # lifts LinkChecker's per-host pause
        path, host = request.path, request.transport.get_extra_info("sockname")[0]  # type: ignore[union-attr]
        if host == EXTERNAL:
            ok = path.startswith("/ok/")
            return web.Response(status=200 if ok else 404, text="外站" if ok else "404", content_type="text/html",
                                headers=h)
        if path in ("/", "/index.html") or (path.startswith("/p/") and path.endswith(".html")):
            i = 0 if path in ("/", "/index.html") else int(path[3:-5]) if path[3:-5].isdigit() else -1
            if 0 <= i < pages:
                return web.Response(text=portal_page(i, pages, port), content_type="text/html", headers=h)
        if path.startswith("/slow/"):
            await asyncio.sleep(SLOW_S)
            return web.Response(text="迟到的页面", content_type="text/html", headers=h)
        if path.startswith("/static/") or (path.startswith("/files/") and path.endswith(".pdf")):
            return web.Response(body=b"x" * 2048, content_type="application/octet-stream", headers=h)
        return web.Response(status=404, text="<h1>404</h1>", content_type="text/html", headers=h)

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        for host in (PORTAL, EXTERNAL):
            await web.TCPSite(runner, host, port, backlog=1024).start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


# ---- the demo fleet in its own process --------------------------------------------------------
def _fleet_config(tmp: Path, port: int) -> Any:
    from core.config import load_config
    return load_config(env={"GOVOPS_DEMO__BIND_PREFIX": DEMO_PREFIX, "GOVOPS_DEMO__PORT": str(port),
                            "GOVOPS_DEMO__HTTPS_PORT": str(port + 1),
                            "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp / "demo-ca.pem")})


def _serve_fleet(tmp: str, port: int, as_of: datetime, ready: Any) -> None:
    from aiohttp import web

    from demo.fleet import build_fleet
    from demo.server import FleetServer

    class HeaderFleet(FleetServer):
        async def _handle(self, request: web.Request) -> web.StreamResponse:
            resp = await super()._handle(request)
            resp.headers["LinkChecker"] = "allow"
            return resp

    async def main() -> None:
        server = HeaderFleet(build_fleet(_fleet_config(Path(tmp), port), as_of))
        await server.start()
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


def _start(target: Any, *args: Any) -> mp.process.BaseProcess:
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=target, args=(*args, ready), daemon=True)
    proc.start()
    if not ready.wait(60):
        proc.terminate()
        raise RuntimeError(f"benchmark server {target.__name__} did not start within 60 s")
    return proc


def _stop(proc: mp.process.BaseProcess) -> None:
    proc.terminate()
    proc.join(10)


# ---- the engines ------------------------------------------------------------------------------
@dataclass
class Run:
    engine: str
    pages: int
    seconds: float
    broken: set[str]

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def run_ours(urls: list[str], settings: CrawlSettings, ssl_ctx: Any) -> Run:
    async def main() -> tuple[int, set[str]]:
        import aiohttp
        connector = aiohttp.TCPConnector(limit=settings.global_concurrency,
                                         limit_per_host=settings.per_host_concurrency, ssl=ssl_ctx)
        async with aiohttp.ClientSession(connector=connector) as session:
            # sites in parallel (the inspection runner runs several sites at once), one shared client
            reports = await asyncio.gather(*(Crawler(settings, session=session).crawl(u, time_budget=RUN_LIMIT_S)
                                             for u in urls))
            return sum(len(r.pages) for r in reports), {b.url for r in reports for b in r.broken}
    t0 = time.perf_counter()
    pages, broken = asyncio.run(main())
    return Run("ours", pages, time.perf_counter() - t0, broken)


def run_linkchecker(urls: list[str], depth: int, threads: int, workdir: Path, ca_file: str = "") -> Run:
    """LinkChecker as a subprocess; pages = distinct parent pages it parsed (rows name their parent)."""
    cfg = workdir / "linkcheckerrc"
    cfg.write_text("\n".join([
        "[checking]", f"threads={threads}", f"timeout={TIMEOUT_S}", f"recursionlevel={depth + 1}",
        "maxrequestspersecond=100000", "robotstxt=0", f"sslverify={ca_file or 1}",
        "[filtering]", "checkextern=1", "[output]", "status=0", "verbose=1", "log=csv", "",
    ]), encoding="utf-8")
    os.chmod(cfg, 0o644)
    t0 = time.perf_counter()
    proc = subprocess.run([str(LINKCHECKER), "-f", str(cfg), "--no-status", *urls], capture_output=True,
                          text=True, timeout=RUN_LIMIT_S, cwd=workdir, check=False)
    seconds = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.splitlines() if ln and not ln.startswith("#")]
    if not lines:
        raise RuntimeError(f"linkchecker produced no CSV (exit {proc.returncode}): {proc.stderr[-500:]}")
    # Fields by position from each end: some rows (the start URL) omit middle columns.
    rows = [(r[6], r[7], r[-2]) for r in csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=";") if len(r) > 8]
    # Pages it parsed: valid same-site page URLs below the recursion limit (its CSV logs a cached URL
    # once, so counting parent pages would undercount).
    origins = {origin(normalize_url(u) or u) for u in urls}
    parsed = {normalize_url(url) or url for valid, url, level in rows
              if valid == "True" and level.isdigit() and int(level) <= depth
              and same_site(url, origins) and looks_like_page(url)}
    broken = {normalize_url(url) or url for valid, url, _ in rows if valid == "False"}
    return Run("linkchecker", len(parsed), seconds, broken)


def score(found: set[str], truth: set[str]) -> tuple[float, float]:
    hit = len(found & truth)
    return (hit / len(found) if found else 1.0), (hit / len(truth) if truth else 1.0)


def report(title: str, runs: list[Run], truth: set[str]) -> None:
    print(f"\n== {title}: {len(truth)} known broken links")
    print(f"{'engine':<12}{'pages':>8}{'seconds':>10}{'pages/s':>10}{'broken':>8}{'precision':>11}{'recall':>8}")
    for r in runs:
        p, rc = score(r.broken, truth)
        print(f"{r.engine:<12}{r.pages:>8}{r.seconds:>10.2f}{r.pages_per_s:>10.1f}{len(r.broken):>8}{p:>11.3f}{rc:>8.3f}")
    ours, theirs = runs
    if theirs.pages_per_s:
        print(f"ratio ours/linkchecker pages/s: {ours.pages_per_s / theirs.pages_per_s:.1f}x")
    for r in runs:
        missed, extra = sorted(truth - r.broken)[:3], sorted(r.broken - truth)[:3]
        if missed or extra:
            print(f"  {r.engine}: missed {missed} extra {extra}")


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def bench_portal(pages: int, concurrency: int, workdir: Path) -> None:
    port = _free_port(PORTAL)
    depth = portal_depth(pages)
    proc = _start(_serve_portal, pages, port)
    try:
        settings = CrawlSettings(page_budget=pages + 10, max_depth=depth, per_host_concurrency=concurrency,
                                 global_concurrency=concurrency, per_host_rate=100_000, request_timeout=TIMEOUT_S,
                                 retries=0)
        url = f"http://{PORTAL}:{port}/"
        runs = [run_ours([url], settings, None), run_linkchecker([url], depth, concurrency, workdir)]
        report(f"generated portal, {pages} pages, depth {depth}, concurrency {concurrency}",
               runs, portal_truth(pages, port))
    finally:
        _stop(proc)


def bench_demo(n_sites: int, concurrency: int, workdir: Path) -> None:
    from demo.faults import UNREACHABLE_KINDS
    from demo.fleet import build_fleet
    from inspection.fetch import Fetcher

    port = _free_port(f"{DEMO_PREFIX}.1")
    as_of = datetime.now(UTC)
    spec = build_fleet(_fleet_config(workdir, port), as_of)
    truth_doc = spec.ground_truth()
    reachable = [s for s in truth_doc["sites"] if not {f["kind"] for f in s["faults"]} & UNREACHABLE_KINDS]
    dead = [s for s in reachable if any(f["kind"] == "dead_links" for f in s["faults"])]
    clean = [s for s in reachable if s["clean"]]
    sample = dead + [clean[i * len(clean) // max(1, n_sites - len(dead))] for i in range(max(0, n_sites - len(dead)))]
    truth = {normalize_url(d["target"]) or d["target"] for s in sample for f in s["faults"]
             if f["kind"] == "dead_links" for d in f["expect"]["dead_links"]}
    proc = _start(_serve_fleet, str(workdir), port, as_of)
    try:
        settings = CrawlSettings(per_host_concurrency=concurrency, global_concurrency=concurrency,
                                 per_host_rate=100_000, request_timeout=TIMEOUT_S, retries=0)
        urls = [s["url"] for s in sample]
        ssl_ctx = Fetcher(ca_file=str(spec.ca_file), resolve_path=Path)._ssl
        runs = [run_ours(urls, settings, ssl_ctx),
                run_linkchecker(urls, settings.max_depth, concurrency, workdir, str(spec.ca_file))]
        report(f"demo fleet sample, {len(sample)} sites ({len(dead)} with dead links), depth {settings.max_depth}, "
               f"budget {settings.page_budget}/site, concurrency {concurrency}", runs, truth)
    finally:
        _stop(proc)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=2400)
    ap.add_argument("--demo-sites", type=int, default=12)
    ap.add_argument("--concurrency", type=int, default=10)
    args = ap.parse_args(argv)
    if not LINKCHECKER.exists():
        raise SystemExit(f"linkchecker not found at {LINKCHECKER}; pip install LinkChecker==10.6.0")
    workdir = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    os.chmod(workdir, 0o755)  # linkchecker drops root privileges to nobody and must read its config
    try:
        print(f"crawl benchmark: python {sys.version.split()[0]}, {os.cpu_count()} cpus, timeout {TIMEOUT_S}s")
        bench_demo(args.demo_sites, args.concurrency, workdir)
        bench_portal(args.pages, args.concurrency, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
