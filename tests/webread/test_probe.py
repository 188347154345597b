"""probe() against real aiohttp HTTP and HTTPS servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from core.clock import FixedClock
from tests.collectors.support import make_pki, serve
from tests.support.probe_site import PAGE, app, run_probe
from webread.probe import ProbeResult, classify


def over_http(path: str, **kw: Any) -> ProbeResult:
    async def main() -> ProbeResult:
        async with serve(app()) as base:
            return await run_probe(base + path, **kw)
    return asyncio.run(main())


def test_ok_page_reports_status_size_hash_and_latency() -> None:
    r = over_http("/")
    assert r.ok and r.error is None
    assert r.status == 200
    assert r.bytes == len(PAGE)
    assert r.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert 0 < r.latency_ms < 3000
    assert r.redirects == [] and r.tls_days is None


@pytest.mark.parametrize("code", [404, 500])
def test_error_status_fails_with_http_status(code: int) -> None:
    r = over_http(f"/status/{code}")
    assert not r.ok
    assert r.status == code and r.error == "http_status"
    assert str(code) in r.detail


def test_redirect_chain_is_followed_and_listed() -> None:
    r = over_http("/hop/2")
    assert r.ok and r.status == 200 and r.bytes == len(PAGE)
    assert [u.split("/", 3)[3] for u in r.redirects] == ["hop/2", "hop/1", "hop/0"]
    assert r.final_url is not None and r.final_url.endswith("/")


def test_slow_response_beyond_limit_is_a_timeout() -> None:
    r = over_http("/slow", timeout=0.5)
    assert not r.ok and r.error == "timeout"
    assert 450 <= r.latency_ms < 1500


def test_on_a_compressed_clock_timeout_and_latency_are_clock_seconds() -> None:
    """The demo's compressed clock: 15 clock seconds are 0.5 real ones at 30×, and 2 real seconds of
    waiting are a minute of clock time — the probe reports in the clock's seconds, as the fleet's delays shrink."""
    from core.clock import ScaledClock

    r = over_http("/slow", timeout=15.0, clock=ScaledClock(30))
    assert not r.ok and r.error == "timeout" and "15 s" in (r.detail or "")
    assert 400 <= r.latency_ms / 30 < 2000  # about half a real second, reported as about 15 000 ms
    fast = over_http("/", timeout=15.0, clock=ScaledClock(30))
    assert fast.ok


def test_body_not_fully_loaded_in_time_is_a_timeout_even_after_200() -> None:
    r = over_http("/trickle", timeout=0.5)
    assert not r.ok and r.error == "timeout" and r.status == 200


def test_too_large_body_is_cut_off() -> None:
    r = over_http("/", max_bytes=1000)
    assert not r.ok and r.error == "too_large"


def test_connection_refused_on_closed_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = asyncio.run(run_probe(f"http://127.0.0.1:{port}/"))
    assert not r.ok and r.error == "refused" and r.status is None


def test_classify_dns_and_reset() -> None:
    err = aiohttp.ClientConnectorError.__new__(aiohttp.ClientConnectorError)
    err._os_error = socket.gaierror(-2, "Name or service not known")  # type: ignore[attr-defined]
    assert classify(err) == "dns"
    assert classify(aiohttp.ServerDisconnectedError()) == "reset"
    assert classify(TimeoutError()) == "timeout"
    assert classify(RuntimeError("x")) == "other"


def over_https(tmp_path: Path, days_left: int, trust: bool) -> tuple[ProbeResult, Any]:
    pki = make_pki(tmp_path, days_left)
    clock = FixedClock(pki.not_after - timedelta(days=days_left))

    async def main() -> ProbeResult:
        async with serve(app(), ssl_context=pki.server_context()) as base:
            return await run_probe(base + "/", ssl_context=pki.client_context() if trust else None, clock=clock)
    return asyncio.run(main()), pki


def test_https_with_trusted_ca_reports_days_left(tmp_path: Path) -> None:
    r, _ = over_https(tmp_path, 42, trust=True)
    assert r.ok and r.status == 200
    assert r.tls_days == pytest.approx(42.0, abs=1e-6)


def test_untrusted_certificate_is_a_tls_failure_that_still_reports_days(tmp_path: Path) -> None:
    r, _ = over_https(tmp_path, 17, trust=False)
    assert not r.ok and r.error == "tls" and r.status is None
    assert r.tls_days == pytest.approx(17.0, abs=1e-6)


def test_verification_off_accepts_untrusted_certificate(tmp_path: Path) -> None:
    pki = make_pki(tmp_path, 30)

    async def main() -> ProbeResult:
        async with serve(app(), ssl_context=pki.server_context()) as base:
            return await run_probe(base + "/", verify_tls=False)
    r = asyncio.run(main())
    assert r.ok and r.tls_days is not None and 29 < r.tls_days <= 30
