"""The VictoriaMetrics metric store: a single-node ``victoria-metrics`` server over HTTP.

Writes are InfluxDB line protocol (:mod:`tsdb.lineprotocol`) to ``/write``, which stores field ``f`` of
measurement ``m`` as the metric ``m_f`` with the point's tags as labels. Reads are MetricsQL
(:mod:`tsdb.metricsql`) against ``/api/v1/query`` and ``/api/v1/query_range`` with ``nocache=1``, so a
late-written point is never hidden by the server's result cache. Rollups happen at query time on the server;
retention is the server's ``-retentionPeriod`` flag. docs/metrics.md says what differs from the embedded store.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar

import pandas as pd
import requests

from core.config import VictoriaMetricsConfig
from tsdb import metricsql
from tsdb.catalogue import CATALOGUE
from tsdb.lineprotocol import format_point
from tsdb.metricsql import Sample, Span
from tsdb.point import Point, check_point
from tsdb.store import EXPORT_BATCH, STORES, Query, QueryError, TagFilter, check_range

# ``latest`` looks back from this far ahead of the local clock: the server drops samples more than two days
# ahead of its own clock, so nothing it holds is newer
FUTURE_MS = 7 * 86_400_000


class VictoriaMetricsError(OSError):
    """The server could not be reached or refused a request; the message names the URL and its answer."""


@STORES.register("victoriametrics")
class VictoriaMetricsStore:
    """:class:`tsdb.store.MetricStore` on a VictoriaMetrics server at ``url``.

    Timestamps are kept to the millisecond (the server's resolution; a point's time is floored to it, query
    edges are rounded up to it). Each write is one HTTP request, sent only once every point of the batch has
    been checked. With ``force_flush`` every write is followed by ``/internal/force_flush`` so the next query
    sees it; otherwise the server shows new points within about a second.
    """

    config_class: ClassVar[type] = VictoriaMetricsConfig

    @classmethod
    def from_config(cls, section: VictoriaMetricsConfig) -> VictoriaMetricsStore:
        """The store on ``section.url``; nothing is sent until the first call."""
        return cls(section.url, timeout=section.timeout, bearer_token=section.bearer_token,
                   force_flush=section.force_flush)

    def __init__(self, url: str, *, timeout: float = 30.0, bearer_token: str = "", force_flush: bool = False) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"VictoriaMetrics url {url!r} must start with http:// or https://")
        if not timeout > 0:
            raise ValueError(f"VictoriaMetrics timeout must be positive, got {timeout}")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.force_flush = force_flush
        self._headers = {"Authorization": f"Bearer {bearer_token}"} if bearer_token else {}
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._closed = False

    # -- HTTP --------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        if self._closed:
            raise RuntimeError(f"metric store {self.url} is closed")
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(self._headers)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _post(self, path: str, what: str, *, params: dict[str, str] | None = None,
              data: bytes | dict[str, str] | None = None) -> requests.Response:
        url = self.url + path
        try:
            resp = self._session().post(url, params=params, data=data, timeout=self.timeout)
        except requests.RequestException as exc:
            raise VictoriaMetricsError(f"VictoriaMetrics {url}: {what} failed: {exc}") from exc
        if resp.status_code >= 400:
            raise VictoriaMetricsError(f"VictoriaMetrics {url}: {what} refused, HTTP {resp.status_code}: "
                                       f"{_error_text(resp)}")
        return resp

    def _result(self, path: str, form: dict[str, str], expr: str) -> list[dict[str, Any]]:
        resp = self._post(path, f"query {expr}", data={**form, "query": expr, "nocache": "1"})
        try:
            body = resp.json()
            if body.get("status") != "success":
                raise ValueError(body.get("error") or body)
            result = body["data"]["result"]
            if not isinstance(result, list):
                raise ValueError(result)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VictoriaMetricsError(f"VictoriaMetrics {self.url}{path}: unexpected answer to {expr}: "
                                       f"{str(exc)[:300]}") from None
        return result

    def close(self) -> None:
        """Close every thread's HTTP session; the store is unusable afterwards."""
        self._closed = True
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    # -- writing -----------------------------------------------------------------------

    def write(self, points: Iterable[Point]) -> int:
        """Send the points in one request; returns their number.

        Raises ValueError naming the point for a value that is not a finite number (text included), a bad tag
        or timestamp, before anything is sent; :class:`VictoriaMetricsError` when the server does not take the
        batch (the server has no transactions: a request cut off mid-way may have stored a part of it).
        """
        pts = list(points)
        if not pts:
            return 0
        lines = []
        for i, p in enumerate(pts):
            check_point(i, p)
            tags = {k: v for k, v in p.tags.items() if v != ""}  # an empty tag is no tag, as in InfluxDB
            fields = {k: float(v) for k, v in p.fields.items()}  # bools as 1.0 / 0.0, like the embedded store
            try:
                lines.append(format_point(Point(p.measurement, fields, p.time_ns // 1_000_000, tags)))
            except ValueError as exc:
                raise ValueError(f"point {i} ({p.measurement}): {exc}") from None
        body = ("\n".join(lines) + "\n").encode()
        self._post("/write", f"write of {len(pts)} points", params={"precision": "ms"}, data=body)
        if self.force_flush:
            self._post("/internal/force_flush", "force_flush after a write")
        return len(pts)

    # -- maintenance -------------------------------------------------------------------

    def maintain(self, now: datetime) -> dict[str, int]:
        """Nothing to do here, so no counts: the server drops data past its ``-retentionPeriod`` by itself,
        and rollups are computed from the raw samples at query time (downsampling is an Enterprise feature)."""
        return {}

    # -- reading -----------------------------------------------------------------------

    def query(self, q: Query) -> pd.DataFrame:
        """See :meth:`tsdb.store.MetricStore.query`. Raises QueryError for an ``every`` finer than a
        millisecond, a range shorter than one, and a tag name MetricsQL cannot filter or group on."""
        start = metricsql.to_ms(q.start, "query start")
        stop = metricsql.to_ms(q.stop, "query stop")
        plan = metricsql.spans(start, stop, metricsql.every_ms(q.every))
        for key in q.group_by:  # refused alike whether or not the filter matches anything
            metricsql.check_label(key, "group_by")
        sel = metricsql.selector(q.measurement, q.field, q.tags)
        parts: dict[str, list[Sample]] = {p: [] for p in metricsql.parts(q.agg)}
        if sel is None:
            return metricsql.query_frame(q, parts)
        for span in plan:
            for part, expr in metricsql.expressions(q, sel, span.width).items():
                parts[part].extend(self._samples(expr, span))
        return metricsql.query_frame(q, parts)

    def _samples(self, expr: str, span: Span) -> Iterator[Sample]:
        if span.count == 1:
            for series in self._result("/api/v1/query", {"time": _seconds(span.first_eval)}, expr):
                value = metricsql.parse_value(series["value"][1], expr)
                if value == value:  # NaN: no sample
                    yield span.bucket, _labels(series), value
            return
        form = {"start": _seconds(span.first_eval), "end": _seconds(span.last_eval), "step": f"{span.step}ms"}
        for series in self._result("/api/v1/query_range", form, expr):
            labels = _labels(series)
            for ts, raw in series["values"]:
                value = metricsql.parse_value(raw, expr)
                if value == value:
                    yield span.bucket_of(round(float(ts) * 1000)), labels, value

    def export(self, start: datetime, stop: datetime, batch: int = EXPORT_BATCH) -> Iterator[list[Point]]:
        """See :meth:`tsdb.store.MetricStore.export`: the server's ``/api/v1/export``, streamed, series by series.

        The server keeps a metric name, not measurement and field: ``site_probe_latency_ms`` comes back as
        measurement ``site_probe``, field ``latency_ms`` when the measurement is declared in
        :data:`tsdb.catalogue.CATALOGUE`, else split at its last ``_``; either way written again it files under
        the same name (:func:`tsdb.metricsql.metric_name`). Raises :class:`VictoriaMetricsError` when the
        server does not answer or the stream breaks off."""
        check_range(start, stop, "export")
        if batch < 1:
            raise QueryError(f"export batch must be at least 1, got {batch}")
        a = metricsql.to_ms(start, "export start")
        b = metricsql.to_ms(stop, "export stop")
        if a >= b:
            return
        form = {"match[]": '{__name__!=""}', "start": _seconds(a), "end": _seconds(b - 1)}
        url = self.url + "/api/v1/export"
        try:
            with self._session().post(url, data=form, timeout=self.timeout, stream=True) as resp:
                if resp.status_code >= 400:
                    raise VictoriaMetricsError(f"VictoriaMetrics {url}: export refused, HTTP {resp.status_code}: "
                                               f"{_error_text(resp)}")
                out: list[Point] = []
                declared = sorted((m.name for m in CATALOGUE.measurements()), key=len, reverse=True)
                for line in resp.iter_lines():
                    if not line:
                        continue
                    series = json.loads(line)
                    labels = dict(series["metric"])
                    measurement, field = split_metric(labels.pop("__name__"), declared)
                    for ts, value in zip(series["timestamps"], series["values"], strict=True):
                        if a <= ts < b and value is not None:
                            out.append(Point(measurement, {field: float(value)}, int(ts) * 1_000_000, labels))
                            if len(out) == batch:
                                yield out
                                out = []
                if out:
                    yield out
        except requests.RequestException as exc:
            raise VictoriaMetricsError(f"VictoriaMetrics {url}: export failed: {exc}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise VictoriaMetricsError(f"VictoriaMetrics {url}: unexpected export line: {str(exc)[:300]}") from None

    def latest(self, measurement: str, field: str, tags: TagFilter | None = None,
               since: datetime | None = None) -> pd.DataFrame:
        """See :meth:`tsdb.store.MetricStore.latest`; missing tag keys read as ``""``. Looks back from a week
        ahead of the local clock (the server holds nothing further ahead) to ``since``, or to the start of its
        retention: pass ``since`` when an older value is of no use, the look-back reads every sample in it."""
        sel = metricsql.selector(measurement, field, tags or {})
        if sel is None:
            return metricsql.latest_frame([], [])
        at = int(time.time() * 1000) + FUTURE_MS
        lo = metricsql.MIN_MS if since is None else max(metricsql.MIN_MS, metricsql.to_ms(since, "latest since"))
        if lo > at:
            return metricsql.latest_frame([], [])
        window = at - lo + 1
        form = {"time": _seconds(at)}
        values = [(_labels(s), metricsql.parse_value(s["value"][1], "latest"))
                  for s in self._result("/api/v1/query", form, f"last_over_time({sel}[{window}ms])")]
        stamps = [(_labels(s), round(metricsql.parse_value(s["value"][1], "latest time") * 1000))
                  for s in self._result("/api/v1/query", form, f"tlast_over_time({sel}[{window}ms])")]
        return metricsql.latest_frame(values, stamps)


def split_metric(name: str, declared: list[str]) -> tuple[str, str]:
    """(measurement, field) of a metric name: the longest ``declared`` measurement it starts with (``m_``),
    else split at the last ``_``; a name without one is measurement ``name``, field ``value`` (pure)."""
    for m in declared:
        if name.startswith(m + "_") and len(name) > len(m) + 1:
            return m, name[len(m) + 1:]
    head, sep, tail = name.rpartition("_")
    return (head, tail) if sep and head and tail else (name, "value")


def _seconds(ms: int) -> str:
    """Milliseconds as the decimal seconds the HTTP API takes, exactly."""
    sign = "-" if ms < 0 else ""
    whole, frac = divmod(abs(ms), 1000)
    return f"{sign}{whole}.{frac:03d}"


def _labels(series: dict[str, Any]) -> dict[str, str]:
    metric = series.get("metric") or {}
    return {k: v for k, v in metric.items() if k != "__name__"}


def _error_text(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:300]
    return str(body.get("error") if isinstance(body, dict) and body.get("error") else body)[:300]
