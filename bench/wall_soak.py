"""Long-running wall soak (issue 13 §4): a playlist in headless Chromium through a compressed 72 hours of
refreshes, sampling the page's JS heap (after a forced GC), its DOM node count and the server's RSS.

Run: ``.venv/bin/python -m bench.wall_soak`` (defaults ``--refreshes 17280 --refresh-seconds 15
--interval-ms 200 --dwell-seconds 1 --samples 40``): 17,280 refreshes of 15 s are 72 hours. The wall opens
the playlist "全省总览, then each city" by its kiosk URL and runs by itself, unchanged, with time compressed:
its pages refresh every ``interval-ms`` (and re-read the playlist as often) instead of every 15 s, and each
city dwells ``dwell-seconds`` (the overview 2 s more, to be drawn in full), so the wall navigates between
its 15 pages all along. A refresh is
counted (in the page, around Dash's fetch) when the server has answered a page's data refresh
(``<page>-tick``); the run ends after ``refreshes`` of them (bounded by count, not time). Samples are taken
on the overview drawn in full, the same page each time. Prints a table and, per series, a least-squares
slope per 24 equivalent hours and the last/first ratio. The server (waitress, the real app, on loopback)
runs alone in a child process, whose RSS is sampled; the browser is a third process.

``tests/dashboard/test_wall_soak_browser.py`` runs a few hundred refreshes of the same loop and asserts the
DOM stays bounded.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import psutil


@dataclass(frozen=True)
class Sample:
    refreshes: int
    hours: float  # equivalent hours of refreshes
    heap_mb: float  # JSHeapUsedSize after a forced GC
    nodes: int  # elements in the document
    rss_mb: float  # this process: the server (and the bench's client)


# Counts, in the page, the data refreshes the server answered (a page's ``<page>-tick`` callback; not the
# shell's clock, rotation or playlist ticks): Dash's renderer calls fetch for each.
COUNT_JS = """(() => {
  const f = window.fetch;
  window.__soakRefreshes = 0;
  window.fetch = function (input, init) {
    const p = f.apply(this, arguments);
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    const body = init && typeof init.body === 'string' ? init.body : '';
    if (url.includes('_dash-update-component') && body.includes('-tick"') && !body.includes('"wall-')) {
      p.then(r => { if (r.ok) { window.__soakRefreshes++; } }, () => {});
    }
    return p;
  };
})();"""


READY_JS = """() => window.location.pathname === '/'
    && !!document.querySelector('#overview-map .scatterlayer .trace')
    && !!document.querySelector('#overview-worst-body tr')
    && !!document.querySelector('#overview-trend .main-svg text')"""
NODES_JS = f"() => ({READY_JS})() ? document.getElementsByTagName('*').length : -1"


def _sample(page: Any, cdp: Any, refreshes: int, refresh_seconds: int, server_pid: int) -> Sample | None:
    """A sample on the overview drawn in full; None when the wall is elsewhere or half-way through a
    navigation (the count is taken in the same script as the check)."""
    nodes = int(page.evaluate(NODES_JS))
    if nodes < 0:
        return None
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return Sample(refreshes, refreshes * refresh_seconds / 3600, metrics["JSHeapUsedSize"] / 2**20, nodes,
                  psutil.Process(server_pid).memory_info().rss / 2**20)


def soak(page: Any, base: str, token: str, *, refreshes: int, refresh_seconds: int = 15, samples: int = 20,
         server_pid: int | None = None, report: Callable[[Sample], None] | None = None) -> list[Sample]:
    """Open the kiosk URL in ``page`` and let the wall run until its pages have answered ``refreshes`` data
    refreshes; returns the samples (the first before any refresh; then on the overview, about every
    ``refreshes / samples`` refreshes). Bounded by the refresh count, not by time. RSS is read from
    ``server_pid`` (default: this process)."""
    pid = server_pid if server_pid is not None else os.getpid()
    page.add_init_script(COUNT_JS)
    page.goto(f"{base}/?kiosk={token}")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    every = max(refreshes // max(samples, 1), 1)
    out: list[Sample] = []

    def take() -> bool:
        got = _sample(page, cdp, int(page.evaluate("() => window.__soakRefreshes")), refresh_seconds, pid)
        if got is not None:
            out.append(got)
            if report:
                report(got)
        return got is not None

    def on_overview() -> None:
        for _ in range(100):  # the wall may move on mid-sample: the next time it is back on the overview
            page.wait_for_function(READY_JS, timeout=120_000)
            if take():
                return
        raise RuntimeError("no sample of the overview in 100 tries")

    on_overview()
    target = every
    while target < refreshes:
        page.wait_for_function(f"() => window.__soakRefreshes >= {target}", timeout=every * 2_000 + 60_000)
        on_overview()
        target = max(target + every, out[-1].refreshes + 1)
    page.wait_for_function(f"() => window.__soakRefreshes >= {refreshes}", timeout=every * 2_000 + 60_000)
    on_overview()  # the last one on the overview too, within one rotation cycle
    return out


def growth(samples: list[Sample], field: str) -> tuple[float, float]:
    """(least-squares slope per 24 equivalent hours, last / first) of ``field``."""
    xs = [s.hours for s in samples]
    ys = [float(getattr(s, field)) for s in samples]
    slope = statistics.linear_regression(xs, ys).slope if len(set(xs)) > 1 else 0.0
    return slope * 24, ys[-1] / ys[0] if ys[0] else float("nan")


def prepare(tmp: Path, interval_ms: int, dwell_seconds: int) -> tuple[Any, str]:
    """The test world (tests/dashboard/world.py) refreshing every ``interval_ms``, with the soak's playlist
    (the overview, then each city, ``dwell_seconds`` each) and its kiosk URL: (world, token)."""
    from sqlalchemy import update

    from db.models_walls import WallPlaylistItem
    from db.session import transaction
    from tests.dashboard.world import NOW, build_world
    from walls.playlist import Expansion, Item
    from walls.store import create_playlist, issue_kiosk

    # The compression: [web] refresh_seconds below one second (the Intervals take it times 1000).
    world = build_world(tmp, refresh_seconds=cast(int, interval_ms / 1000))
    with transaction(world.sessions) as s:
        create_playlist(s, "浸泡测试", "430000", [Item("overview", 30), Item("city", 30, Expansion.EACH_CITY)],
                        actor="bench", now=NOW)
        token = issue_kiosk(s, "浸泡测试", actor="bench", now=NOW)
        # past the editor's bounds; the overview a little longer, so it is drawn in full before it moves on
        s.execute(update(WallPlaylistItem).values(dwell_seconds=dwell_seconds))
        s.execute(update(WallPlaylistItem).where(WallPlaylistItem.view == "overview")
                  .values(dwell_seconds=dwell_seconds + 2))
    return world, token


def _server_child(tmp: str, interval_ms: int, dwell_seconds: int, conn: Any) -> None:
    """The web app alone in this (child) process, so its RSS is the server's and nothing else's."""
    from waitress import create_server

    from core.clock import FixedClock
    from tests.dashboard.world import NOW
    from tests.support.web import wall_app

    logging.getLogger("waitress").setLevel(logging.ERROR)
    world, token = prepare(Path(tmp), interval_ms, dwell_seconds)
    app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
    server = create_server(app.server, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    conn.send((int(server.effective_port), token))
    server.run()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--refreshes", type=int, default=17_280)
    p.add_argument("--refresh-seconds", type=int, default=15, help="the production refresh one refresh stands for")
    p.add_argument("--interval-ms", type=int, default=200, help="the compressed refresh interval of the pages")
    p.add_argument("--dwell-seconds", type=int, default=1, help="the compressed dwell of each playlist item")
    p.add_argument("--samples", type=int, default=40)
    args = p.parse_args(argv)
    logging.getLogger("waitress").setLevel(logging.ERROR)  # "task queue depth" is the point of the exercise
    from playwright.sync_api import sync_playwright

    from tests.dashboard.browser_support import ARGS, CHROMIUM

    with tempfile.TemporaryDirectory() as tmp:
        parent, child = multiprocessing.Pipe()
        server = multiprocessing.get_context("spawn").Process(
            target=_server_child, args=(tmp, args.interval_ms, args.dwell_seconds, child), daemon=True)
        server.start()
        if not parent.poll(120):
            raise SystemExit("server did not start")
        port, token = parent.recv()
        base = f"http://127.0.0.1:{port}"
        hours = args.refreshes * args.refresh_seconds / 3600
        print(f"{args.refreshes} refreshes = {hours:.1f} h equivalent", flush=True)
        print("| refreshes | equiv. h | JS heap MB | DOM nodes | server RSS MB |", flush=True)
        print("|---|---|---|---|---|", flush=True)

        def row(s: Sample) -> None:
            print(f"| {s.refreshes} | {s.hours:.1f} | {s.heap_mb:.2f} | {s.nodes} | {s.rss_mb:.1f} |", flush=True)

        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                got = soak(page, base, token, refreshes=args.refreshes, refresh_seconds=args.refresh_seconds,
                           samples=args.samples, server_pid=server.pid, report=row)
                browser.close()
        finally:
            server.terminate()
            server.join(10)
        for field, unit in (("heap_mb", "MB"), ("nodes", "nodes"), ("rss_mb", "MB")):
            slope, ratio = growth(got, field)
            print(f"{field}: slope {slope:+.3f} {unit} per 24 h, last/first {ratio:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
