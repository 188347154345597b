"""nginx: stub_status and the access log of a real nginx started on loopback; the log tail's rotation and bad
lines on files written by the test."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.service_nginx import NginxServiceCollector
from collectors.nginx_log import LogStats, TailState, parse_lines, parse_stub_status, read_appended
from core.clock import FixedClock
from db.session import transaction
from tests.collectors.nginx_server import running_nginx
from tests.collectors.services_support import add_service
from tests.collectors.sshd import free_port
from tests.collectors.support import make_config, seed_registry

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
LINE = '127.0.0.1 - - [07/Dec/2026:08:00:00 +0800] "GET /a HTTP/1.1" {status} 12 "-" "curl/8" {rt}\n'


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


async def _poll(collector: NginxServiceCollector) -> dict[str, dict[str, Any]]:
    points = [p for t in await asyncio.to_thread(collector.targets) for p in await collector.collect(t)]
    return {f"{p.tags['service']}/{p.measurement}": {**p.fields, "_tags": dict(p.tags)} for p in points}


def test_stub_status_and_access_log_rates_of_a_real_nginx(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with running_nginx(tmp_path) as nginx:
        with transaction(sessions) as s:
            seed_registry(s, {})
            add_service(s, "web", "nginx", nginx.status_url, access_log=str(nginx.access_log))
            add_service(s, "web-nolog", "nginx", nginx.status_url, access_log=str(tmp_path / "absent.log"))
            add_service(s, "web-gone", "nginx", f"http://127.0.0.1:{free_port()}/nginx_status")
        clock = FixedClock(T0)
        collector = NginxServiceCollector(CollectorContext(config=make_config(service_timeout=5.0),
                                                           sessions=sessions, clock=clock))

        async def scenario() -> tuple[dict[str, dict[str, Any]], list[int], dict[str, dict[str, Any]]]:
            try:
                first = await _poll(collector)
                statuses = [await asyncio.to_thread(_get, nginx.base + path)
                            for path in ["/ok"] * 6 + ["/missing"] * 2 + ["/boom"] * 2]
                with nginx.access_log.open("a") as log:
                    log.write("garbage that is no access-log line\n")
                clock.advance(10)
                return first, statuses, await _poll(collector)
            finally:
                await collector.aclose()

        first, statuses, polled = asyncio.run(scenario())
    ng = first["web/service_nginx"]
    assert first["web/service"]["up"] == 1 and ng["active_connections"] >= 1
    assert "requests_per_s" not in ng and "log_requests_per_s" not in ng  # the first poll notes the end
    nolog = first["web-nolog/service_nginx"]
    assert first["web-nolog/service"]["up"] == 1 and nolog["log_failed"] == 1
    assert "absent.log" in nolog["_tags"]["reason"] and "无法读取" in nolog["_tags"]["reason"]
    assert first["web-gone/service"]["up"] == 0 and first["web-gone/service"]["_tags"]["error"] == "connect"
    assert "web-gone/service_nginx" not in first
    assert statuses == [200] * 6 + [404] * 2 + [503] * 2
    second = polled["web/service_nginx"]
    assert second["log_requests_per_s"] == 1.0
    assert (second["status_2xx_per_s"], second["status_3xx_per_s"], second["status_4xx_per_s"],
            second["status_5xx_per_s"]) == (0.6, 0.0, 0.2, 0.2)
    assert second["error_5xx_percent"] == 20.0 and second["bad_lines"] == 1
    assert 0 <= second["latency_avg_ms"] <= second["latency_p95_ms"] < 5000
    # stub_status counts the 10 requests and this kind's own status reads (not logged: access_log off there)
    assert second["requests_per_s"] >= 1.0 and second["dropped_per_s"] == 0.0


def test_a_page_that_is_no_stub_status_is_a_failure(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with running_nginx(tmp_path) as nginx:
        with transaction(sessions) as s:
            seed_registry(s, {})
            add_service(s, "web-ok", "nginx", nginx.base + "/ok")
            add_service(s, "web-404", "nginx", nginx.base + "/missing")
        collector = NginxServiceCollector(CollectorContext(config=make_config(service_timeout=5.0),
                                                           sessions=sessions, clock=FixedClock(T0)))

        async def scenario() -> dict[str, dict[str, Any]]:
            try:
                return await _poll(collector)
            finally:
                await collector.aclose()

        found = asyncio.run(scenario())
    ok, missing = found["web-ok/service"]["_tags"], found["web-404/service"]["_tags"]
    assert ok["error"] == "body" and "stub_status" in ok["reason"]
    assert missing["error"] == "status" and "HTTP 404" in missing["reason"]


def test_the_log_tail_reads_only_whole_appended_lines(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(LINE.format(status=200, rt="0.010"))
    lines, state = read_appended(str(log), None)
    assert lines is None and state.offset == log.stat().st_size  # first read: history is no rate
    with log.open("a") as fh:
        fh.write(LINE.format(status=500, rt="0.200") + LINE.format(status=200, rt="0.030")[:20])  # half a line
    lines, state2 = read_appended(str(log), state)
    assert lines is not None and len(lines) == 1 and parse_lines(lines).classes[5] == 1
    with log.open("a") as fh:
        fh.write(LINE.format(status=200, rt="0.030")[20:])
    lines, _ = read_appended(str(log), state2)
    assert lines is not None and parse_lines(lines).classes[2] == 1  # the half line, once whole


def test_a_rotated_log_is_read_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(LINE.format(status=200, rt="0.010") * 5)
    _, state = read_appended(str(log), None)
    log.rename(tmp_path / "access.log.1")
    log.write_text(LINE.format(status=404, rt="0.010") * 2)  # a new file (another inode) at the path
    lines, new = read_appended(str(log), state)
    assert lines is not None and parse_lines(lines).classes[4] == 2 and new.offset == log.stat().st_size
    log.write_text(LINE.format(status=301, rt="0.010"))  # truncated in place (copytruncate): shorter than before
    lines, _ = read_appended(str(log), TailState(new.inode, new.offset))
    assert lines is not None and parse_lines(lines).classes[3] == 1


def test_bad_lines_are_counted_and_request_time_is_optional() -> None:
    stats = parse_lines([b"", b"\xff\xfe not a line", LINE.format(status=200, rt="").encode(),
                         LINE.format(status=502, rt="1.500").encode(), LINE.format(status=200, rt="0.500").encode(),
                         b'1.2.3.4 - - [x] "GET /\\" HTTP/1.1" 200 5 "-" "ua"'])
    assert stats.requests == 4 and stats.bad_lines == 1 and stats.classes == {2: 3, 3: 0, 4: 0, 5: 1}
    assert stats.request_times == [1.5, 0.5] and stats.avg_ms() == 1000.0 and stats.p95_ms() == 1500.0
    assert LogStats().p95_ms() is None and LogStats().avg_ms() is None


def test_stub_status_page() -> None:
    text = "Active connections: 3 \nserver accepts handled requests\n 10 9 42 \nReading: 0 Writing: 1 Waiting: 2 \n"
    assert parse_stub_status(text) == {"active": 3, "accepts": 10, "handled": 9, "requests": 42, "reading": 0,
                                       "writing": 1, "waiting": 2}
