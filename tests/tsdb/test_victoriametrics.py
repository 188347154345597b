"""The VictoriaMetrics store against a real victoria-metrics on loopback: the same answers as a brute-force
computation and as the embedded store, and clear refusals."""

from __future__ import annotations

import json
import random
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import requests

from tests.support.victoria import victoria_metrics
from tests.tsdb.reference import EVERY, FILTERS, GROUPS, SITES, assert_same, brute_query, ns
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import AGGS, Query, QueryError
from tsdb.victoriametrics import VictoriaMetricsError, VictoriaMetricsStore

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with victoria_metrics(tmp_path_factory.mktemp("vm")) as url:
        yield url


def _points(rng: random.Random, n: int, lo: datetime, hi: datetime) -> list[Point]:
    """Random probe points on whole milliseconds (the server's resolution), no two at one time (no 'last' ties)."""
    stamps = rng.sample(range(ns(lo) // 10**6, ns(hi) // 10**6), n)
    out = []
    for ms in stamps:
        fields: dict = {"latency_ms": round(rng.uniform(1, 900), 3)}
        if rng.random() < 0.7:
            fields["up"] = rng.random() < 0.8
        if rng.random() < 0.5:
            fields["status"] = rng.choice([200, 301, 404, 500])
        out.append(Point("site_probe", fields, ms * 10**6, dict(rng.choice(SITES))))
    return out


def _query(rng: random.Random, lo: datetime, hi: datetime, agg: str) -> Query:
    span = int((hi - lo).total_seconds())
    start = lo + timedelta(seconds=rng.randrange(-3600, span), microseconds=rng.randrange(10**6))
    stop = start + timedelta(seconds=rng.randrange(1, span + 7200))
    return Query("site_probe", rng.choice(["latency_ms", "up", "status"]), start, stop, every=rng.choice(EVERY),
                 agg=agg, tags=rng.choice(FILTERS), group_by=rng.choice(GROUPS))  # type: ignore[arg-type]


def test_answers_match_brute_force_and_the_embedded_store(server: str, tmp_path: Path) -> None:
    rng = random.Random(20261207)
    hi = T0 + timedelta(days=2)
    pts = _points(rng, 600, T0, hi)
    vm = VictoriaMetricsStore(server, force_flush=True)
    embedded = SQLiteMetricStore(tmp_path / "m.db")
    try:
        assert vm.write(pts[:300]) == 300 and vm.write(pts[300:]) == 300
        embedded.write(pts)
        queries = [_query(rng, T0, hi, agg) for agg in AGGS for _ in range(5)]
        queries.append(Query("site_probe", "up", T0, hi, every=timedelta(hours=1), agg="avg", group_by=("city",)))
        queries.append(Query("site_probe", "nope", T0, hi, agg="sum", group_by=("city",)))
        for q in queries:
            got = vm.query(q)
            assert_same(got, brute_query(pts, q), label=repr(q))
            assert_same(got, embedded.query(q), label=repr(q))
            if q.agg == "count":
                assert all(isinstance(v, int) for v in got["value"]), q
        for tags, since in (({}, None), ({"city": "c0"}, None), ({"level": ["dept"]}, T0 + timedelta(days=1)),
                            ({}, hi + timedelta(minutes=1)), ({"city": []}, None)):
            for field in ("latency_ms", "up"):
                want = embedded.latest("site_probe", field, tags, since)
                got = vm.latest("site_probe", field, tags, since)
                if want.empty:
                    assert got.empty
                    continue
                assert_same(got.sort_values("site", ignore_index=True), want.sort_values("site", ignore_index=True),
                            label=f"latest {field} {tags} {since}")
    finally:
        vm.close()
        embedded.close()


def test_names_follow_the_influx_mapping(server: str) -> None:
    """Field f of measurement m is the metric m_f; tags are labels (empty ones dropped); bools are 1/0."""
    store = VictoriaMetricsStore(server, force_flush=True)
    t = ns(T0 + timedelta(days=5))
    store.write([Point("host", {"cpu_pct": 12.5, "ok": True}, t, {"host": "a b,c=d\\e", "city": "", "level": "x"})])
    lines = requests.post(f"{server}/api/v1/export", data={"match[]": '{__name__=~"host_.*"}'}, timeout=10).text
    got = sorted((r["metric"]["__name__"], r["metric"].get("host"), "city" in r["metric"], r["values"])
                 for r in map(json.loads, lines.splitlines()))
    assert got == [("host_cpu_pct", "a b,c=d\\e", False, [12.5]), ("host_ok", "a b,c=d\\e", False, [1])]
    store.write([Point("host", {"cpu_pct": 1.0}, t, {"host": "xzy"})])
    day = T0 + timedelta(days=5)
    for hosts, want in ((["a b,c=d\\e", "x.y"], [1]), (["x.y", "q"], []), (["xzy", "a b,c=d\\e"], [2])):
        # values are matched literally, never as regular expressions
        df = store.query(Query("host", "cpu_pct", day, day + timedelta(hours=1), agg="count", tags={"host": hosts}))
        assert df["value"].tolist() == want, hosts
    store.close()


def test_unanswerable_queries_are_refused_by_name(server: str) -> None:
    store = VictoriaMetricsStore(server)
    with pytest.raises(QueryError, match="whole number of milliseconds"):
        store.query(Query("m", "f", T0, T0 + timedelta(hours=1), every=timedelta(microseconds=1500)))
    with pytest.raises(QueryError, match="empty at millisecond resolution"):
        store.query(Query("m", "f", T0 + timedelta(microseconds=10), T0 + timedelta(microseconds=20)))
    with pytest.raises(QueryError, match="group_by 'no-dash'"):
        store.query(Query("m", "f", T0, T0 + timedelta(hours=1), group_by=("no-dash",)))
    with pytest.raises(QueryError, match="tag filter '1st'"):
        store.query(Query("m", "f", T0, T0 + timedelta(hours=1), tags={"1st": "x"}))
    with pytest.raises(ValueError, match="naive"):
        store.latest("m", "f", since=datetime(2026, 1, 1))
    store.close()
    with pytest.raises(RuntimeError, match="closed"):
        store.latest("m", "f")


def test_an_unreachable_server_is_named() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}"
    store = VictoriaMetricsStore(url, timeout=2)
    with pytest.raises(VictoriaMetricsError, match=f"{url}/write: write of 1 points failed"):
        store.write([Point("m", {"f": 1.0}, ns(T0))])
    with pytest.raises(VictoriaMetricsError, match=url):
        store.latest("m", "f")
    store.close()


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.path.startswith("/api/"):
            body = b'{"status":"error","errorType":"422","error":"cannot parse query"}'
            self.send_response(422)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_bearer_token_is_sent_and_a_refusal_quotes_the_server() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        store = VictoriaMetricsStore(url, bearer_token="s3cret", force_flush=True, timeout=5)
        store.write([Point("m", {"f": 1.0}, ns(T0))])
        with pytest.raises(VictoriaMetricsError, match="HTTP 422: cannot parse query"):
            store.query(Query("m", "f", T0, T0 + timedelta(hours=1)))
        store.close()
        assert [(p.split("?")[0], a) for p, a in _Recorder.seen] == [
            ("/write", "Bearer s3cret"), ("/internal/force_flush", "Bearer s3cret"),
            ("/api/v1/query", "Bearer s3cret")]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_an_exported_metric_name_splits_back_into_measurement_and_field() -> None:
    from tsdb.victoriametrics import split_metric

    declared = ["site_probe", "site"]  # longest first, as export passes them
    assert split_metric("site_probe_latency_ms", declared) == ("site_probe", "latency_ms")
    assert split_metric("fed_probe_seq", declared) == ("fed_probe", "seq")  # undeclared: at the last "_"
    assert split_metric("a_b_c", []) == ("a_b", "c")  # either way "a_b" + "_" + "c" is the same metric again
    assert split_metric("lonely", []) == ("lonely", "value")
