"""Every probe failure reads as a Chinese sentence (``reason``), with the raw library text kept apart
(``detail``), against real servers on 127.0.0.1: an expired, a self-signed, an untrusted and a misnamed
certificate, a closed port, a server that hangs, one that cuts the connection, an error status, a page
too large, an endless redirect and a name that does not resolve."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import struct
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from collectors.kinds.site_probe import probe_points
from tests.collectors.support import make_pki, serve
from tests.support.internal_codes import english_codes_in
from tests.support.probe_site import app, run_probe
from webread.probe import ProbeResult, explain


def _assert_chinese(r: ProbeResult, reason: str) -> None:
    assert not r.ok and r.reason == reason
    assert english_codes_in(r.reason) == [] and r.detail  # the raw text is kept for operators
    point, failure = probe_points({"site": "X"}, r, 0)
    assert point.fields["up"] == 0 and failure.fields == {"failure": 1}
    assert failure.tags == {"site": "X", "error": r.error, "reason": reason}


def _https(pki_ctx: ssl.SSLContext, client: ssl.SSLContext | None, host: str = "127.0.0.1") -> ProbeResult:
    async def main() -> ProbeResult:
        async with serve(app(), ssl_context=pki_ctx) as base:
            return await run_probe(base.replace("127.0.0.1", host) + "/", ssl_context=client)
    return asyncio.run(main())


def test_expired_certificate(tmp_path: Path) -> None:
    pki = make_pki(tmp_path, -5)
    r = _https(pki.server_context(), pki.client_context())
    _assert_chinese(r, "证书校验失败（证书已过期）")
    assert r.error == "tls" and "SSLCertVerificationError" in r.detail and r.tls_days is not None and r.tls_days < 0


def test_self_signed_certificate(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    (tmp_path / "self.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "self.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(tmp_path / "self.pem", tmp_path / "self.key")
    _assert_chinese(_https(server, None), "证书校验失败（自签名证书，不受信任）")


def test_certificate_from_an_unknown_authority(tmp_path: Path) -> None:
    pki = make_pki(tmp_path, 30)
    _assert_chinese(_https(pki.server_context(), None), "证书校验失败（签发机构不受信任）")


def test_certificate_for_another_name(tmp_path: Path) -> None:
    pki = make_pki(tmp_path, 30)  # issued to the address 127.0.0.1, asked for as "localhost"
    r = _https(pki.server_context(), pki.client_context(), host="localhost")
    if r.error == "refused":  # "localhost" resolved to ::1 only on this machine
        pytest.skip("localhost does not reach 127.0.0.1 here")
    _assert_chinese(r, "证书校验失败（证书与域名不符）")


def test_closed_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = asyncio.run(run_probe(f"http://127.0.0.1:{port}/"))
    _assert_chinese(r, "连接被拒绝（127.0.0.1）（服务器未在该端口提供服务）")
    assert "ConnectionRefusedError" in r.detail or "Connect call failed" in r.detail


def test_server_that_hangs() -> None:
    async def main() -> ProbeResult:
        server = await asyncio.start_server(lambda _r, _w: asyncio.sleep(30), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await run_probe(f"http://127.0.0.1:{port}/", timeout=0.5)
    _assert_chinese(asyncio.run(main()), "连接超时（0.5 秒内未加载完成）")


def test_server_that_cuts_the_connection() -> None:
    async def reset(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _reader.readline()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
        writer.transport.abort()

    async def main() -> ProbeResult:
        server = await asyncio.start_server(reset, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await run_probe(f"http://127.0.0.1:{port}/")
    _assert_chinese(asyncio.run(main()), "连接被服务器中断")


@pytest.mark.parametrize(("path", "reason"), [
    ("/status/503", "服务器返回错误状态 HTTP 503（服务暂不可用）"),
    ("/status/404", "服务器返回错误状态 HTTP 404（页面不存在）"),
])
def test_error_status(path: str, reason: str) -> None:
    async def main() -> ProbeResult:
        async with serve(app()) as base:
            return await run_probe(base + path)
    _assert_chinese(asyncio.run(main()), reason)


def test_page_too_large_and_endless_redirects() -> None:
    async def loop(_r: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    a = app()
    a.router.add_get("/loop", loop)

    async def main() -> tuple[ProbeResult, ProbeResult]:
        async with serve(a) as base:
            return await run_probe(base + "/", max_bytes=2048), await run_probe(base + "/loop")
    big, looping = asyncio.run(main())
    _assert_chinese(big, "页面过大（超过 2 KB）")
    _assert_chinese(looping, "跳转次数过多（超过 10 次）")


def test_name_that_does_not_resolve() -> None:
    r = asyncio.run(run_probe("http://no-such-site.invalid/", timeout=10))
    if r.error == "timeout":
        pytest.skip("this machine's resolver does not answer for .invalid within 10 s")
    _assert_chinese(r, "域名解析失败（no-such-site.invalid）")


def test_stored_raw_text_is_explained_too() -> None:
    """Older records keep only the raw text: explain() reads it (what the inspection findings carry)."""
    raw = ("Cannot connect to host 127.0.1.9:18443 ssl:True [SSLCertVerificationError: (1, '[SSL: "
           "CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')]")
    assert explain("tls", detail=raw) == "证书校验失败（证书已过期）"
    assert explain("tls", detail="something odd") == "TLS 握手失败（加密连接未能建立）"
    assert explain("http_status", detail="HTTP 502") == "服务器返回错误状态 HTTP 502（网关错误）"
    assert explain("timeout", timeout=15) == "连接超时（15 秒内未加载完成）"
    assert explain("other") == "访问失败（原因未能识别，详见运维日志）"
