"""GET /metrics on the real app over loopback: refused without an API token, the Prometheus text exposition
with one (points written through /api/v2/write counted, the notification queue measured from the database),
and scraped by Debian's real ``prometheus`` with the token as its bearer credential."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from db.models_alerts import DeliveryStatus, Notification
from tests.api.conftest import Api
from tests.dashboard.world import NOW

PROMETHEUS = "/usr/bin/prometheus"
S0 = int(NOW.timestamp()) - 300
SCRAPE_WAIT_S = 60.0  # prometheus starts, scrapes every second; generous for a loaded 2-core machine


def _queue(api: Api, n: int) -> None:
    """``n`` notifications waiting to be sent, as the planner leaves them."""
    with api.world.sessions.begin() as s:
        s.add_all(Notification(idem_key=f"queued-{i}", group_key="city:430100", alert_ids=[i], receiver="hook",
                               notifier="webhook", status=DeliveryStatus.PENDING,
                               payload={"title": "长沙市网站告警", "text": "首页无法访问。"}) for i in range(n))


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(body.decode()) for s in fam.samples}


def test_metrics_needs_an_api_token_and_sets_no_cookie(api: Api) -> None:
    token = api.token("430000")
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": f"Basic {token}"}):
        r = api.request("GET", "/metrics", headers=headers)
        assert r.status == 401 and r.json()["code"] == "unauthorized", headers
        assert r.headers.get("Set-Cookie") is None
    r = api.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200 and r.headers.get("Set-Cookie") is None
    assert r.headers["Content-Type"].startswith("text/plain; version=")


def test_metrics_counts_api_writes_and_the_notification_queue(api: Api) -> None:
    token = api.token("430100")
    key = ("govops_points_written_total", (("source", "api"),))
    before = _samples(api.get("/metrics", token).body).get(key, 0.0)
    assert api.write(token, f"m x=1 {S0}\nm x=2 {S0 + 60}\n").status == 204
    _queue(api, 3)
    got = _samples(api.get("/metrics", token).body)
    assert got[key] == before + 2
    assert got[("govops_notifications_due", (("status", "pending"),))] == 3
    assert got[("govops_notifications_due", (("status", "retrying"),))] == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _query(base: str, promql: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    with urllib.request.urlopen(url, timeout=5) as r:
        return list(json.load(r)["data"]["result"])


@pytest.mark.e2e
def test_debians_prometheus_scrapes_it(api: Api, tmp_path: Path) -> None:
    if not Path(PROMETHEUS).exists() and shutil.which("prometheus") is None:
        pytest.fail("prometheus is not installed: Debian package prometheus (scripts/install-system-deps.sh)")
    token = api.token("430000", "prometheus")
    assert api.write(token, f"m x=1 {S0}\n").status == 204  # so that govops_points_written_total exists
    target = urllib.parse.urlsplit(api.base).netloc
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n  - job_name: govops\n    metrics_path: /metrics\n"
        f"    authorization:\n      type: Bearer\n      credentials: {token}\n"
        f"    static_configs:\n      - targets: ['{target}']\n", encoding="utf-8")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "prometheus.log").open("wb") as log:
        proc = subprocess.Popen([shutil.which("prometheus") or PROMETHEUS,
                                 f"--config.file={tmp_path / 'prometheus.yml'}",
                                 f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log)
    up: list[dict[str, Any]] = []
    series: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + SCRAPE_WAIT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                up = _query(base, 'up{job="govops"}')
                series = _query(base, 'govops_points_written_total{source="api"}')
            except OSError:
                pass  # not listening yet
            if up and up[0]["value"][1] == "1" and series:
                break
            time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    tail = (tmp_path / "prometheus.log").read_text(errors="replace")[-2000:]
    assert up and up[0]["metric"]["instance"] == target and up[0]["value"][1] == "1", (up, tail)
    assert series and float(series[0]["value"][1]) >= 1, (series, tail)
