"""The wall truth test: the demo on a compressed clock, watched in Chromium for hours of its time.

`app.py run` runs as an operator starts it (demo fleet, collectors, alerting, web) with the clock
``SCALE`` times faster, so ``WATCH_S`` real seconds are hours of operation. A kiosk wall is sampled
again and again, and every sample must hold the invariants a control room relies on:

- the 24-hour trend's last point agrees with the 当前可用率 tile beside it or with the bucket before it
  (no partial bucket as a drop);
- no alert fires for a collector before its own interval allows (no false 采集器 … 没有运行);
- no veto item shows 已触发 while its data is insufficient (a week of probes is needed, hours are there);
- one fault is one top-level problem (its consequences are listed under it, not beside it);
- no page shows an internal English code (tests/support/internal_codes.py);
- the header clock shows the screens' (compressed) time.

Expectations come from the fleet's own ground truth, not from a list written here.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.browser_support import ARGS, CHROMIUM, Watch
from tests.e2e.run_process import RunProcess, app_run
from tests.support.internal_codes import english_codes_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Clock seconds per real second: WATCH_S = 420 is 70 minutes of operation, past every hourly collector's
# interval. Not faster: a latency is measured in real time and multiplied by the scale, so on 2 busy cores a
# scheduling hiccup of a few hundred milliseconds became seconds of clock latency and a true-to-the-clock
# 网站首页加载缓慢 on a site with no slowness planted (seen at 30×, and at 20× once the page checks shared
# one crawl and the availability check loaded homepages during the first clock week).
SCALE = 10
WATCH_S = 420.0
SAMPLE_EVERY_S = 12.0
AGREE_POINTS = 3.0  # trend's last point vs the KPI tile, in percentage points
DOWN_KINDS = {"down", "error_status", "slow", "tls_expired"}  # faults that make the homepage fail
# The crawls are not under test here: small budgets and no politeness delays on loopback keep their first
# round (every daily check at start) within a minute or two on 2 cores; the national rule values stay.
CRAWL_RULES = """
[dead_links]
page_budget = 20
per_host_rate = 1000.0
request_timeout = 3.0
retries = 0

[content_errors]
max_pages = 20
max_attachments = 2
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunProcess]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed (scripts/install-system-deps.sh)")
    tmp = tmp_path_factory.mktemp("wall-truth")
    rules = tmp / "inspection-rules.toml"
    rules.write_text(CRAWL_RULES, encoding="utf-8")
    with app_run(tmp, "127.0.66", {
        "GOVOPS_INSPECTION__RULES_FILE": str(rules),
        "GOVOPS_DEMO__TIME_SCALE": str(SCALE),
        "GOVOPS_WEB__REFRESH_SECONDS": "3",
        "GOVOPS_WEB__CACHE_SECONDS": "10",
        # the crawls are not under test here; a small budget keeps their first round short on 2 cores
        "GOVOPS_INSPECTION__PAGE_BUDGET": "20",
        "GOVOPS_INSPECTION__CONCURRENCY": "2",
        "GOVOPS_COLLECTORS__JITTER_FRACTION": "0",  # every collector's first run at start: one warm-up, not several
    }) as rp:
        _wait_http(rp.base + "/login")
        yield rp


def _wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _truth(rp: RunProcess) -> dict[str, Any]:
    """The fleet's ground truth for this run's settings (same seed, same addresses)."""
    from core.config import load_config
    from demo.fleet import build_fleet

    config = load_config(env={k: v for k, v in rp.env.items()})
    return build_fleet(config, datetime.now(UTC)).ground_truth()


_READ = """() => {
    const kpi = document.querySelector('[id*="overview-kpi-value"][id*="availability"]');
    const plot = document.querySelector('#overview-trend .js-plotly-plot');
    const traces = (plot && plot.data) || [];
    const byX = new Map();  // the live bucket is drawn by two traces (solid end, dashed live): one value per x
    for (const t of traces) {
        const ys = t.y || [], xs = t.x || [];
        for (let i = 0; i < ys.length; i++) {
            if (ys[i] !== null && ys[i] !== undefined) byX.set(String(xs[i]), ys[i]);
        }
    }
    const xs = Array.from(byX.keys()).sort();
    const last = xs.length ? byX.get(xs[xs.length - 1]) : null;
    const prev = xs.length > 1 ? byX.get(xs[xs.length - 2]) : null;
    return {kpi: kpi ? kpi.innerText : null, last: last, prev: prev,
            clock: (document.getElementById('wall-clock') || {}).innerText,
            text: document.body.innerText};
}"""


def _rows_with(page: Any, label: str) -> list[str]:
    return page.evaluate("""(label) => Array.from(document.querySelectorAll('tr, .veto-row, li'))
        .map(r => r.innerText).filter(t => t.includes(label))""", label)


@pytest.mark.timeout(WATCH_S + 720)
def test_the_wall_tells_the_truth(run: RunProcess) -> None:
    from playwright.sync_api import sync_playwright

    truth = _truth(run)
    faults: dict[str, set[str]] = {s["code"]: {f["kind"] for f in s["faults"]} for s in truth["sites"]}
    down_sites = sorted(c for c, k in faults.items() if k & DOWN_KINDS)
    assert down_sites, "the demo fleet declares homepage faults"
    samples: list[dict[str, Any]] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        wall = browser.new_context(viewport={"width": 1920, "height": 1080})  # one kiosk session for every page
        page = wall.new_page()
        watch = Watch(page)
        page.goto(run.kiosk_url)
        page.wait_for_selector("#overview-trend .js-plotly-plot", timeout=30_000)
        _warm_up(run)
        t_start = time.monotonic()
        t_end = t_start + WATCH_S
        site_i = 0
        while time.monotonic() < t_end:
            # on a fixed beat: the site page each round opens takes seconds on a busy machine, and must not
            # thin out the samples
            beat = t_start + (len(samples) + 1) * SAMPLE_EVERY_S
            time.sleep(max(0.0, beat - time.monotonic()))
            s = page.evaluate(_READ)
            s["at"] = time.monotonic()
            samples.append(s)
            print(f"sample {len(samples)}: 当前可用率 {s['kpi']} · trend last {s['last']} (before {s['prev']})"
                  f" · {s['clock']}", flush=True)
            problems += [f"overview: internal code {c!r}" for c in english_codes_in(s["text"])]
            # a site page of a down site: its 站点无法访问 item cannot be 已触发 on hours of data
            code = down_sites[site_i % len(down_sites)]
            site_i += 1
            sp = wall.new_page()
            sw = Watch(sp)
            sp.goto(f"{run.base}/site/{code}")
            sp.wait_for_selector(".veto-row, .veto-table, table", timeout=20_000)
            text = sp.inner_text("body")
            problems += [f"/site/{code}: internal code {c!r}" for c in english_codes_in(text)]
            for row in _rows_with(sp, "站点无法访问"):
                if "已触发" in row:
                    problems.append(f"/site/{code}: 站点无法访问 已触发 on hours of probes: {row!r}")
            sw.close()
            problems += [f"/site/{code}: {x}" for x in sw.problems]
        problems += _every_row_seen(page, run.base, truth)
        problems += watch.problems
        browser.close()
    assert len(samples) >= WATCH_S / SAMPLE_EVERY_S - 3

    # the trend's last point and the KPI beside it agree once there is data
    for s in samples[2:]:
        if s["kpi"] in (None, "—") or s["last"] is None:
            problems.append(f"no availability shown after start: {s['kpi']!r} / {s['last']!r}")
            continue
        kpi, last = float(s["kpi"]), float(s["last"])
        # The tile is the newest round, the live point the probes of the trailing bucket width: both true, and
        # they may differ while probes fail now and then (on this compressed clock a crawl round on 2 cores makes
        # some half-second probe timeouts miss). A partial bucket drawn as a drop departs from both neighbours
        # and from every true trailing average; a point that departs from its neighbours must be one.
        prev = float(s["prev"]) if s["prev"] is not None else kpi
        if abs(kpi - last) > AGREE_POINTS and abs(prev - last) > AGREE_POINTS:
            truths = _trailing_averages(run, _clock(s["clock"]))
            if not any(abs(t - last) <= 0.5 for t in truths):
                near = ", ".join(f"{t:.1f}" for t in sorted(set(round(t, 1) for t in truths)))
                problems.append(f"trend's last point {last:.1f} vs 当前可用率 {kpi:.1f}, the bucket before {prev:.1f}"
                                f" and the probes' trailing averages near that time ({near or 'none'})")
    # the header clock runs on the screens' clock: between two samples it moved SCALE times the real time
    times = [_clock(s["clock"]) for s in samples if _clock(s["clock"]) is not None]
    assert len(times) >= 2 and "演示时钟" in samples[-1]["clock"]
    real = samples[-1]["at"] - samples[0]["at"]
    assert (times[-1] - times[0]).total_seconds() == pytest.approx(real * SCALE, rel=0.25)
    problems += _alert_invariants(run, faults, down_sites)
    assert problems == [], "\n".join(dict.fromkeys(problems))


def _every_row_seen(page: Any, base: str, truth: dict[str, Any]) -> list[str]:
    """On the wall of the city with most sites, every site row shows within one paging cycle."""
    from layouts.theme import PAGE_SECONDS

    by_city: dict[str, list[str]] = defaultdict(list)
    for site in truth["sites"]:
        node = site["node_code"]
        by_city[node if node.endswith("00") else node[:4] + "00"].append(site["name"])
    city, names = max(by_city.items(), key=lambda kv: (len(kv[1]), kv[0]))
    page.goto(f"{base}/city/{city}")
    page.wait_for_selector("#city-sites-body tr", timeout=20_000)
    visible = "() => Array.from(document.querySelectorAll('#city-sites-body tr:not([hidden])'))" \
              ".filter(r => r.offsetParent !== null).map(r => r.cells[0].innerText.trim())"
    seen: set[str] = set()
    pages = 1
    t_end = time.monotonic() + PAGE_SECONDS * (len(names) // 5 + 2)  # at least 5 rows a page fit
    while time.monotonic() < t_end:
        seen.update(page.evaluate(visible))
        m = re.search(r"(\d+)/(\d+)", page.inner_text("#city-sites-body >> xpath=ancestor::section[1]"))
        pages = int(m.group(2)) if m else pages
        if set(names) <= seen:
            return []
        time.sleep(1)
    return [f"/city/{city} ({pages} pages): rows never shown in a paging cycle: {sorted(set(names) - seen)}"]


def _warm_up(run: RunProcess) -> None:
    """Wait until every collector has run once, then one trend bucket more.

    At start every daily inspection check crawls all sites at once; compressed ``SCALE``-fold, that minute
    of real crawling is twenty minutes of clock time in which the probes' 0.75-second timeouts (15 s of
    clock) miss — true in the compressed world, an artefact of compression in ours. Steady operation is what
    the invariants are about; every check (daily ones included) has run by then.
    """
    from collectors.loader import load_kinds
    from tsdb.sqlite_store import SQLiteMetricStore

    want = set(load_kinds())
    store = SQLiteMetricStore(Path(run.env["GOVOPS_METRICS__EMBEDDED__PATH"]))
    try:
        t0 = time.monotonic()
        deadline = t0 + 480  # about 90 s on a quiet 2-core machine
        while True:
            latest = store.latest("collector_run", "last_run")
            ran = set(latest["collector"]) if "collector" in latest.columns else set()
            if want <= ran:
                print(f"warm-up: every collector ran within {time.monotonic() - t0:.0f} s", flush=True)
                break
            assert time.monotonic() < deadline, f"collectors that never ran: {sorted(want - ran)}"
            time.sleep(2)
    finally:
        store.close()
    time.sleep(600 / SCALE + 5)  # the trend's live window (10 minutes) now holds only steady operation


def _trailing_averages(run: RunProcess, shown_at: datetime | None) -> list[float]:
    """Availability % over every trailing bucket width (the live point's window) ending near ``shown_at``
    (the header clock, screens' zone): the drawn point was computed at one of those moments, within the
    refresh interval and the cache window. Read from the store's raw probes, not through the wall's code."""
    from zoneinfo import ZoneInfo

    from core.config import load_config
    from dashboard.data import TREND_BUCKETS
    from tsdb.sqlite_store import SQLiteMetricStore
    from tsdb.store import Query

    if shown_at is None:
        return []
    config = load_config(env={k: v for k, v in run.env.items()})
    at = shown_at.replace(tzinfo=ZoneInfo(config.web.timezone)).astimezone(UTC)
    width = timedelta(seconds=max(60, int(24 * 3600 / TREND_BUCKETS)))
    lag = timedelta(seconds=(config.web.cache_seconds + config.web.refresh_seconds + SAMPLE_EVERY_S) * SCALE)
    store = SQLiteMetricStore(Path(run.env["GOVOPS_METRICS__EMBEDDED__PATH"]))
    out: list[float] = []
    try:
        end = at - lag
        while end <= at + timedelta(seconds=config.web.cache_seconds * SCALE):
            df = store.query(Query("site_probe", "up", end - width, end))
            if not df.empty:
                out.append(float(df["value"].iloc[0]) * 100.0)
            end += timedelta(seconds=5)
    finally:
        store.close()
    return out


def _clock(text: str | None) -> datetime | None:
    m = re.search(r"(\d{4})年(\d{2})月(\d{2})日 星期. (\d{2}):(\d{2}):(\d{2})", text or "")
    return datetime(*map(int, m.groups())) if m else None  # type: ignore[misc]


def _alert_invariants(run: RunProcess, faults: dict[str, set[str]], down_sites: list[str]) -> list[str]:
    """Read the run's own alert table: no collector silence alert, one top-level problem per fault."""
    from alerts.rule_dir import RuleDirectory
    from core.config import load_config
    from dashboard.alert_data import AlertFilter, list_alerts, top_level
    from db.models_alerts import Alert
    from db.session import make_engine, make_session_factory

    config = load_config(env={k: v for k, v in run.env.items()})
    sessions = make_session_factory(make_engine(config.database_url))
    rules = RuleDirectory(config.resolve_path(config.alerts.rules_dir)).refresh().in_force
    out: list[str] = []
    with sessions() as s:
        for a in s.query(Alert).filter(Alert.rule.in_(("collector_silent", "host_silent"))):
            out.append(f"alert #{a.id} {a.rule} {a.state}: {a.summary} ({json.dumps(a.labels, ensure_ascii=False)})")
        now = datetime.now(UTC) + timedelta(seconds=WATCH_S * SCALE)  # roughly the run's clock; states matter here
        df = list_alerts(s, now, AlertFilter(states=("firing", "acknowledged")), inhibit_rules=rules.inhibit_rules)
    top = top_level(df)
    per_site: dict[str, list[str]] = defaultdict(list)
    for r in top.itertuples(index=False):
        if isinstance(r.site, str) and r.site:
            per_site[r.site].append(str(r.rule))
    for code in down_sites:
        if len(per_site.get(code, [])) != 1:
            out.append(f"site {code} ({sorted(faults[code])}): top-level problems {per_site.get(code)}")
    for code, rules_ in per_site.items():
        if len(rules_) > max(1, len(faults.get(code, ()))):
            out.append(f"site {code} ({sorted(faults.get(code, ()))}): {len(rules_)} top-level problems {rules_}")
    return out
