"""Dead-link crawl benchmark: our crawler against LinkChecker 10.6.0, engine against engine.

Run: ``.venv/bin/python -m bench.crawl_bench [--pages 2400] [--demo-sites 12] [--concurrency 10]``

Two workloads, each crawled by both engines in the same run, reported separately:

(a) a sample of the demo fleet (the sites carrying planted dead links plus clean sites) on
    127.0.85.N, served by the demo's own aiohttp server in a separate process: our real test bed,
    but its Python server shares the 2 cores with the engines;
(b) a generated portal of ``--pages`` static HTML pages served by nginx (see
    :mod:`bench.static_portal`), a server that costs next to nothing, so the engines are compared
    with each other rather than with the server. It carries a known set of broken links.

Fairness: every response carries a ``LinkChecker`` header and ``maxrequestspersecond`` is set
high, which lifts LinkChecker's per-host pause; both get the same thread/concurrency count, the
same timeout, page depth, external-link checking, and no robots.txt. Prints pages/s, CPU-seconds
per page of each engine (ours: this process; LinkChecker: its subprocess, from wait4's rusage)
and of the server, the ratios, and precision/recall of broken links against the known truth.
Loopback only; stops what it starts.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench.static_portal import (
    PORTAL,
    HoldSocket,
    Nginx,
    free_port,
    portal_depth,
    portal_truth,
    write_portal,
)
from webread.crawl_links import looks_like_page, normalize_url, origin, same_site
from webread.crawler import Crawler, CrawlSettings

DEMO_PREFIX = "127.0.85"
DEMO_TIMEOUT_S = 2
PORTAL_TIMEOUT_S = 1  # LinkChecker takes whole seconds; the planted never-answering targets cost this much
LINKCHECKER = Path(sys.executable).with_name("linkchecker")
RUN_LIMIT_S = 900  # a hard bound for each engine's run


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
    cpu_s: float  # the engine's own user + system CPU
    server_cpu_s: float  # the server's CPU during this engine's run
    broken: set[str]

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu_s / self.pages if self.pages else 0.0


def _own_cpu() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system


def run_ours(urls: list[str], settings: CrawlSettings, ssl_ctx: Any, server_cpu: Callable[[], float]) -> Run:
    async def main() -> tuple[int, set[str]]:
        import aiohttp

        from webread.addresses import AddressPolicy
        from webread.client import GuardedConnector
        connector = GuardedConnector(limit=settings.global_concurrency, limit_per_host=settings.per_host_concurrency,
                                     ssl=ssl_ctx, policy=AddressPolicy(registered=urls))  # the fleet is the registry
        async with aiohttp.ClientSession(connector=connector) as session:
            # sites in parallel (the inspection runner runs several sites at once), one shared client
            reports = await asyncio.gather(*(Crawler(settings, session=session).crawl(u, time_budget=RUN_LIMIT_S)
                                             for u in urls))
            return sum(len(r.pages) for r in reports), {b.url for r in reports for b in r.broken}
    srv0, cpu0, t0 = server_cpu(), _own_cpu(), time.perf_counter()
    pages, broken = asyncio.run(main())
    seconds, cpu = time.perf_counter() - t0, _own_cpu() - cpu0
    return Run("ours", pages, seconds, cpu, server_cpu() - srv0, broken)


def run_linkchecker(urls: list[str], depth: int, threads: int, timeout: int, workdir: Path,
                    server_cpu: Callable[[], float], ca_file: str = "") -> Run:
    """LinkChecker as a subprocess (CSV to a file, CPU from wait4's rusage); pages = same-site page
    URLs it parsed."""
    cfg, out = workdir / "linkcheckerrc", workdir / "linkchecker.csv"
    cfg.write_text("\n".join([
        "[checking]", f"threads={threads}", f"timeout={timeout}", f"recursionlevel={depth + 1}",
        "maxrequestspersecond=100000", "robotstxt=0", f"sslverify={ca_file or 1}",
        "[filtering]", "checkextern=1", "[output]", "status=0", "verbose=1", "log=csv", "",
    ]), encoding="utf-8")
    os.chmod(cfg, 0o644)
    srv0, t0 = server_cpu(), time.perf_counter()
    with out.open("wb") as stdout:
        proc = subprocess.Popen([str(LINKCHECKER), "-f", str(cfg), "--no-status", *urls], stdout=stdout,
                                stderr=subprocess.PIPE, cwd=workdir)
        watchdog = threading.Timer(RUN_LIMIT_S, os.kill, (proc.pid, signal.SIGKILL))
        watchdog.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen consistent
    seconds, cpu = time.perf_counter() - t0, usage.ru_utime + usage.ru_stime
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    lines = [ln for ln in out.read_text(encoding="utf-8", errors="replace").splitlines()
             if ln and not ln.startswith("#")]
    if not lines:
        raise RuntimeError(f"linkchecker produced no CSV (exit {proc.returncode}): {stderr[-500:]}")
    # Fields by position from each end: some rows (the start URL) omit middle columns.
    rows = [(r[6], r[7], r[-2]) for r in csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=";") if len(r) > 8]
    # Pages it parsed: valid same-site page URLs below the recursion limit (its CSV logs a cached URL
    # once, so counting parent pages would undercount).
    origins = {origin(normalize_url(u) or u) for u in urls}
    parsed = {normalize_url(url) or url for valid, url, level in rows
              if valid == "True" and level.isdigit() and int(level) <= depth
              and same_site(url, origins) and looks_like_page(url)}
    broken = {normalize_url(url) or url for valid, url, _ in rows if valid == "False"}
    return Run("linkchecker", len(parsed), seconds, cpu, server_cpu() - srv0, broken)


def score(found: set[str], truth: set[str]) -> tuple[float, float]:
    hit = len(found & truth)
    return (hit / len(found) if found else 1.0), (hit / len(truth) if truth else 1.0)


def report(title: str, runs: list[Run], truth: set[str]) -> None:
    print(f"\n== {title}: {len(truth)} known broken links")
    print(f"{'engine':<12}{'pages':>7}{'seconds':>9}{'pages/s':>9}{'cpu-s':>8}{'cpu-ms/page':>12}"
          f"{'server cpu-s':>13}{'broken':>7}{'precision':>10}{'recall':>7}")
    for r in runs:
        p, rc = score(r.broken, truth)
        print(f"{r.engine:<12}{r.pages:>7}{r.seconds:>9.2f}{r.pages_per_s:>9.1f}{r.cpu_s:>8.2f}"
              f"{r.cpu_ms_per_page:>12.2f}{r.server_cpu_s:>13.2f}{len(r.broken):>7}{p:>10.3f}{rc:>7.3f}")
    ours, theirs = runs
    if theirs.pages_per_s and ours.cpu_ms_per_page:
        print(f"ratio ours/linkchecker: pages/s {ours.pages_per_s / theirs.pages_per_s:.1f}x, "
              f"CPU per page {theirs.cpu_ms_per_page / ours.cpu_ms_per_page:.1f}x less")
    for r in runs:
        missed, extra = sorted(truth - r.broken)[:3], sorted(r.broken - truth)[:3]
        if missed or extra:
            print(f"  {r.engine}: missed {missed} extra {extra}")


def bench_portal(pages: int, concurrency: int, workdir: Path, engines: tuple[str, ...], stalls: bool) -> None:
    """One portal run per engine; ``stalls`` adds the never-answering targets, whose timeouts put a
    floor under both engines' wall time (the same for both, so it compresses the ratio)."""
    port = free_port(PORTAL)
    depth = portal_depth(pages)
    root = workdir / ("portal-stalls" if stalls else "portal")
    site, ext = write_portal(root, pages, port, stalls)
    hold = HoldSocket()
    try:
        with Nginx(root, site, ext, port, hold.port) as nginx:
            settings = CrawlSettings(page_budget=pages + 10, max_depth=depth, per_host_concurrency=concurrency,
                                     global_concurrency=concurrency, per_host_rate=100_000,
                                     request_timeout=PORTAL_TIMEOUT_S, retries=0)
            url = f"http://{PORTAL}:{port}/"
            runs = [run_ours([url], settings, None, nginx.cpu_seconds)]
            if "linkchecker" in engines:
                runs.append(run_linkchecker([url], depth, concurrency, PORTAL_TIMEOUT_S, workdir, nginx.cpu_seconds))
            truth = portal_truth(pages, port, stalls)
            kinds = "with" if stalls else "without"
            report(f"generated portal on nginx, {pages} pages, depth {depth}, concurrency {concurrency}, "
                   f"timeout {PORTAL_TIMEOUT_S}s, {kinds} never-answering targets", runs, truth)
    finally:
        hold.close()


def bench_demo(n_sites: int, concurrency: int, workdir: Path, engines: tuple[str, ...]) -> None:
    from demo.faults import UNREACHABLE_KINDS
    from demo.fleet import build_fleet
    from webread.fetch import Fetcher

    port = free_port(f"{DEMO_PREFIX}.1")
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
    server = psutil.Process(proc.pid)

    def server_cpu() -> float:
        t = server.cpu_times()
        return t.user + t.system
    try:
        settings = CrawlSettings(per_host_concurrency=concurrency, global_concurrency=concurrency,
                                 per_host_rate=100_000, request_timeout=DEMO_TIMEOUT_S, retries=0)
        urls = [s["url"] for s in sample]
        ssl_ctx = Fetcher(ca_file=str(spec.ca_file), resolve_path=Path)._ssl
        runs = [run_ours(urls, settings, ssl_ctx, server_cpu)]
        if "linkchecker" in engines:
            runs.append(run_linkchecker(urls, settings.max_depth, concurrency, DEMO_TIMEOUT_S, workdir, server_cpu,
                                        str(spec.ca_file)))
        report(f"demo fleet sample (aiohttp server), {len(sample)} sites ({len(dead)} with dead links), "
               f"depth {settings.max_depth}, budget {settings.page_budget}/site, concurrency {concurrency}, "
               f"timeout {DEMO_TIMEOUT_S}s", runs, truth)
    finally:
        _stop(proc)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=2400)
    ap.add_argument("--demo-sites", type=int, default=12)
    ap.add_argument("--concurrency", type=int, default=10)
    ap.add_argument("--only", choices=("demo", "portal"), help="run one workload only")
    ap.add_argument("--ours-only", action="store_true", help="skip LinkChecker (for profiling our engine)")
    args = ap.parse_args(argv)
    engines = ("ours",) if args.ours_only else ("ours", "linkchecker")
    if "linkchecker" in engines and not LINKCHECKER.exists():
        raise SystemExit(f"linkchecker not found at {LINKCHECKER}; pip install LinkChecker==10.6.0")
    workdir = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    os.chmod(workdir, 0o755)  # linkchecker and nginx workers drop root privileges to nobody and must read here
    try:
        print(f"crawl benchmark: python {sys.version.split()[0]}, {os.cpu_count()} cpus")
        if args.only != "portal":
            bench_demo(args.demo_sites, args.concurrency, workdir, engines)
        if args.only != "demo":
            bench_portal(args.pages, args.concurrency, workdir, engines, stalls=False)
            bench_portal(args.pages, args.concurrency, workdir, engines, stalls=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
