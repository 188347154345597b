"""Federation benchmark (issue 12): ingest and the 1-day by-city query, each against a peer, in one run.

Run: ``.venv/bin/python -m bench.federation_bench`` (defaults ``--sites 2000 --batches 20 --query-sites 2000
--query-minutes 1440 --repeat 5 --replay-minutes 60``). Starts its own ``victoria-metrics`` (Debian package) on a
free loopback port in a temporary folder, the real web app on waitress at 127.0.0.1 and, for (d), a ``vmagent``
whose province is away; prints the figures.

(a) Ingest into VictoriaMetrics: batches of one ``site_probe`` point per site (6 fields) through
    ``VictoriaMetricsStore.write`` (line protocol to ``/write``) vs ``influxdb-client`` (``write_api``,
    synchronous, the same points as its own ``Point`` objects, millisecond precision) writing straight to the
    server's ``/api/v2/write``. Both take batch *k* in turn after one untimed batch that creates the series.
    Target: ours / peer >= 0.8.
(b) ``POST /api/v2/write`` on the embedded store (the real API: token, region rule, line protocol parse,
    ``SQLiteMetricStore.write``) with a keep-alive ``requests`` session vs raw ``sqlite3`` ``executemany`` of
    the same samples, series ids known, into a ``(series_id, ts, value)`` table keyed ``(series_id, ts)``.
(d) The city's replay after an unclean vmagent death: ``replay-minutes`` of probes (``sites`` × 6 fields a
    minute) in the embedded store handed to a real ``vmagent`` (the province away: it buffers) by
    ``ForwardingStore.replay``, counting pass included.
(c) A 1-day by-city query (avg of ``latency_ms`` grouped by ``city``, one bucket) over ``query-sites`` ×
    ``query-minutes`` points through ``MetricStore.query`` on the embedded store (after ``maintain``, as in
    production) and on the VictoriaMetrics backend, vs VictoriaMetrics queried directly over HTTP with the
    equivalent MetricsQL (one request). Median of ``repeat`` after a warm-up; the answers must agree.
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import requests

from bench.store_bench import FIELDS, PRAGMAS, probe_fields, site_tags
from core.clock import FixedClock, to_ns
from core.config import Config, SecurityConfig
from tsdb.lineprotocol import format_point
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import Query
from tsdb.victoriametrics import VictoriaMetricsStore

DAY = timedelta(days=1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def victoria_metrics(folder: Path) -> Iterator[str]:
    """A victoria-metrics on a free loopback port storing under ``folder``; its base URL."""
    binary = shutil.which("victoria-metrics")
    if binary is None:
        sys.exit("victoria-metrics is not installed: Debian package victoria-metrics")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (folder / "vm.log").open("ab") as out:
        proc = subprocess.Popen([binary, f"-httpListenAddr=127.0.0.1:{port}", f"-storageDataPath={folder / 'vm'}",
                                 "-retentionPeriod=100y", "-search.latencyOffset=0s", "-loggerLevel=ERROR"],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(200):
            try:
                if requests.get(f"{url}/health", timeout=1).text.strip() == "OK":
                    break
            except requests.RequestException:
                pass
            time.sleep(0.05)
        else:
            sys.exit("victoria-metrics did not answer /health in 10 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def probe_batches(sites: int, batches: int, start: datetime, measurement: str) -> list[list[Point]]:
    """``batches`` minutes of one point per site with the 6 probe fields, from ``start``."""
    rng = random.Random(12)
    tags = [site_tags(i) for i in range(sites)]
    return [[Point(measurement, probe_fields(rng), to_ns(start + timedelta(minutes=k)), tags[i]) for i in range(sites)]
            for k in range(batches)]


def timed(fn: Callable[..., object], *args: object, **kwargs: object) -> float:
    t = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t


def ratio_line(name: str, ours: list[float], peer: list[float], points: int, target: float | None) -> str:
    """Throughputs from the median batch time of each side (robust to a neighbour's burst on shared cores) and
    from the totals; the ratio is ours / peer in throughput."""
    mo, mp = statistics.median(ours), statistics.median(peer)
    so, sp = sum(ours), sum(peer)
    tail = f" (target >= {target:.2f})" if target is not None else ""
    return (f"{name}: median batch ours {points / mo:,.0f} points/s, peer {points / mp:,.0f} points/s, "
            f"ratio ours/peer {mp / mo:.2f}{tail}; totals {points * len(ours) / so:,.0f} vs "
            f"{points * len(peer) / sp:,.0f} points/s, ratio {sp / so:.2f}")


# -- (a) ingest into VictoriaMetrics --------------------------------------------------------------------------

def bench_vm_ingest(url: str, sites: int, batches: int, start: datetime) -> str:
    from influxdb_client import InfluxDBClient, WritePrecision
    from influxdb_client import Point as IPoint
    from influxdb_client.client.write_api import SYNCHRONOUS

    ours_pts = probe_batches(sites, batches + 1, start, "bench_ours")
    ms = cast(WritePrecision, WritePrecision.MS)  # a str constant typed as the class
    peer_pts = [[IPoint.from_dict({"measurement": "bench_peer", "tags": dict(p.tags), "fields": dict(p.fields),
                                   "time": p.time_ns // 1_000_000}, write_precision=ms)
                 for p in batch] for batch in probe_batches(sites, batches + 1, start, "bench_peer")]
    store = VictoriaMetricsStore(url, timeout=60)
    client = InfluxDBClient(url=url, token="bench", org="-")
    write = client.write_api(write_options=SYNCHRONOUS)
    ours: list[float] = []
    peer: list[float] = []
    try:
        for k in range(batches + 1):
            a = timed(store.write, ours_pts[k])
            b = timed(write.write, bucket="govops", record=peer_pts[k], write_precision=ms)
            if k:  # batch 0 creates the series
                ours.append(a)
                peer.append(b)
    finally:
        client.close()
        store.close()
    return ratio_line(f"(a) ingest into VictoriaMetrics, {batches} batches x {sites} points x 6 fields; "
                      "VictoriaMetricsStore.write vs influxdb-client", ours, peer, sites, 0.8)


# -- (b) POST /api/v2/write on the embedded store ---------------------------------------------------------------

@contextmanager
def served_api(tmp: Path, store: SQLiteMetricStore) -> Iterator[tuple[str, str]]:
    """The real web app over ``store`` on waitress at 127.0.0.1: (base URL, a province token)."""
    from waitress import create_server, wasyncore

    from db.hunan import seed_nodes
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory, transaction
    from runtime.webapp import create_app
    from security.api_tokens import create_token

    url = f"sqlite:///{tmp / 'registry.db'}"
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    now = datetime.now(UTC)
    with transaction(sessions) as s:
        seed_nodes(s)
        token = create_token(s, "430000", name="bench", actor="bench", now=now)[1]
    config = Config(security=SecurityConfig(secret_key_file=str(tmp / "secret_key")))
    app = create_app(config, store=store, sessions=sessions, clock=FixedClock(now))
    server = create_server(app, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="bench-web", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", token
    finally:
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)
        thread.join(10)


def bench_api_write(tmp: Path, sites: int, batches: int, start: datetime) -> str:
    pts = probe_batches(sites, batches + 1, start, "site_probe")
    bodies = [("\n".join(format_point(Point(p.measurement, p.fields, p.time_ns // 1_000_000, p.tags))
                         for p in batch) + "\n").encode() for batch in pts]
    # the peer: the same samples, series ids known, one transaction per batch
    sid: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    rows = [[(sid.setdefault((f, tuple(sorted(p.tags.items()))), len(sid)), p.time_ns // 1_000_000 * 1_000_000,
              float(p.fields[f])) for p in batch for f in FIELDS] for batch in pts]
    peer_db = sqlite3.connect(tmp / "peer.db", isolation_level=None)
    for pragma in PRAGMAS:
        peer_db.execute(pragma)
    peer_db.execute("CREATE TABLE samples (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, "
                    "PRIMARY KEY (series_id, ts)) WITHOUT ROWID")

    def peer_write(batch: list[tuple[int, int, float]]) -> None:
        peer_db.execute("BEGIN IMMEDIATE")
        peer_db.executemany("INSERT OR REPLACE INTO samples VALUES (?, ?, ?)", batch)
        peer_db.execute("COMMIT")

    store = SQLiteMetricStore(tmp / "api-metrics.db")
    ours: list[float] = []
    peer: list[float] = []
    try:
        with served_api(tmp, store) as (base, token), requests.Session() as http:
            http.headers["Authorization"] = f"Token {token}"

            def post(body: bytes) -> None:
                r = http.post(f"{base}/api/v2/write", params={"bucket": "govops", "precision": "ms"}, data=body,
                              timeout=120)
                if r.status_code != 204:
                    sys.exit(f"/api/v2/write answered {r.status_code}: {r.text[:300]}")

            for k in range(batches + 1):
                a = timed(post, bodies[k])
                b = timed(peer_write, rows[k])
                if k:
                    ours.append(a)
                    peer.append(b)
    finally:
        store.close()
        peer_db.close()
    return ratio_line(f"(b) POST /api/v2/write on the embedded store, {batches} requests x {sites} points x "
                      "6 fields; vs raw sqlite3 executemany", ours, peer, sites, None)


# -- (c) the 1-day by-city query --------------------------------------------------------------------------------

def latency_batches(sites: int, minutes: int, start: datetime) -> Iterator[list[Point]]:
    rng = random.Random(7)
    tags = [{"site": t["site"], "city": t["city"]} for t in (site_tags(i) for i in range(sites))]
    for m in range(minutes):
        t = to_ns(start + timedelta(minutes=m))
        yield [Point("site_probe", {"latency_ms": round(rng.uniform(20, 900), 1)}, t, tags[i]) for i in range(sites)]


def median_ms(repeat: int, fn: Callable[..., object], *args: object) -> float:
    """The median of ``repeat`` timed calls after an untimed one, in ms."""
    fn(*args)
    return statistics.median(timed(fn, *args) for _ in range(repeat)) * 1000


def bench_query(tmp: Path, url: str, sites: int, minutes: int, day: datetime, repeat: int) -> list[str]:
    embedded = SQLiteMetricStore(tmp / "query-metrics.db")
    vm = VictoriaMetricsStore(url, timeout=120)
    t_emb = t_vm = 0.0
    for batch in latency_batches(sites, minutes, day):
        t_emb += timed(embedded.write, batch)
        t_vm += timed(vm.write, batch)
    t_roll = timed(embedded.maintain, datetime.now(UTC))
    requests.post(f"{url}/internal/force_flush", timeout=60)
    n = sites * minutes
    out = [f"(c) data: {sites} sites x {minutes} one-minute points = {n:,} points of site_probe.latency_ms, "
           f"14 cities; loaded in {t_emb:.1f} s (embedded write) + {t_roll:.1f} s (embedded maintain: rollups), "
           f"{t_vm:.1f} s (VictoriaMetricsStore.write)"]
    q = Query("site_probe", "latency_ms", day, day + DAY, agg="avg", group_by=("city",))
    expr = ("sum by (city) (sum_over_time(site_probe_latency_ms[1d])) / "
            "sum by (city) (count_over_time(site_probe_latency_ms[1d]))")
    at = f"{int((day + DAY).timestamp() * 1000) - 1}"
    form = {"query": expr, "time": f"{at[:-3]}.{at[-3:]}", "nocache": "1"}

    def direct() -> dict[str, float]:
        r = requests.post(f"{url}/api/v1/query", data=form, timeout=120)
        r.raise_for_status()
        return {s["metric"]["city"]: float(s["value"][1]) for s in r.json()["data"]["result"]}

    answers = {"embedded": dict(zip(embedded.query(q)["city"], embedded.query(q)["value"], strict=True)),
               "victoriametrics": dict(zip(vm.query(q)["city"], vm.query(q)["value"], strict=True)),
               "direct": direct()}
    ref = answers["direct"]
    for name, got in answers.items():
        if got.keys() != ref.keys() or any(abs(got[c] - ref[c]) > 1e-6 * abs(ref[c]) for c in ref):
            sys.exit(f"(c) answers differ: {name} {got} vs direct {ref}")
    ms_direct = median_ms(repeat, direct)
    for name, store in (("embedded", embedded), ("victoriametrics", vm)):
        ms = median_ms(repeat, store.query, q)
        out.append(f"(c) 1-day avg latency by city ({len(ref)} rows), MetricStore.query on {name}: {ms:.1f} ms; "
                   f"VictoriaMetrics direct MetricsQL {ms_direct:.1f} ms; ratio direct/ours {ms_direct / ms:.2f}")
    embedded.close()
    vm.close()
    return out


# -- (d) the replay ----------------------------------------------------------------------------------------------

def bench_replay(tmp: Path, sites: int, minutes: int, start: datetime) -> str:
    from core.config import load_config
    from runtime.uplink import vmagent_argv
    from tsdb.factory import open_store
    from tsdb.forwarding import ForwardingStore

    config = load_config(env={
        "GOVOPS_NODE__ROLE": "city", "GOVOPS_NODE__CODE": "430100",
        "GOVOPS_NODE__UPSTREAM_URL": f"http://127.0.0.1:{_free_port()}",  # the province is away
        "GOVOPS_UPLINK__LISTEN": f"127.0.0.1:{_free_port()}", "GOVOPS_UPLINK__BUFFER_DIR": str(tmp / "uplink"),
        "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp / "city-metrics.db")})
    binary = shutil.which("vmagent")
    if binary is None:
        sys.exit("vmagent is not installed: Debian package victoria-metrics")
    with (tmp / "vmagent.log").open("ab") as out:
        proc = subprocess.Popen(vmagent_argv(config, binary), stdout=out, stderr=subprocess.STDOUT)
    store = open_store(config)
    try:
        for _ in range(200):
            try:
                if requests.get(f"http://{config.uplink.listen}/health", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.05)
        assert isinstance(store, ForwardingStore)
        for batch in probe_batches(sites, minutes, start, "site_probe"):
            store.local.write(batch)
        began = time.perf_counter()
        sent = store.replay(start, start + timedelta(minutes=minutes))
        took = time.perf_counter() - began
    finally:
        store.close()
        proc.terminate()
        proc.wait(30)
    return (f"(d) replay of {minutes} min of probes ({sites} sites x 6 fields): {sent:,} samples counted and "
            f"handed to vmagent in {took:.1f} s, {sent / took:,.0f} samples/s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sites", type=int, default=2000)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--query-sites", type=int, default=2000)
    ap.add_argument("--query-minutes", type=int, default=1440)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--replay-minutes", type=int, default=60)
    args = ap.parse_args(argv)
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - 2 * DAY
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="federation-bench-") as name:
        tmp = Path(name)
        with victoria_metrics(tmp) as url:
            print(bench_vm_ingest(url, args.sites, args.batches, day), flush=True)
            print(bench_api_write(tmp, args.sites, args.batches, day), flush=True)
            for line in bench_query(tmp, url, args.query_sites, args.query_minutes, day + DAY, args.repeat):
                print(line, flush=True)
        print(bench_replay(tmp, args.sites, args.replay_minutes, day), flush=True)
    print(f"total {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
