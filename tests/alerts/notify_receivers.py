"""Real loopback receivers for notifier tests: an aiohttp server recording requests, an aiosmtpd server.

``HttpReceiver`` answers each request from a queue of replies (then a default), so a test scripts
"500, then 200". With ``dingtalk_secret`` it checks DingTalk's signature the way the real robot
does and refuses a bad one with errcode 310000. ``CountingReceiver`` is a slow receiver in its own
thread (for a dispatcher in another process) counting requests and deliveries per idempotency key.
``smtp_receiver`` takes aiosmtpd's own options (STARTTLS or implicit TLS, AUTH); ``make_tls`` writes a
throw-away CA and a server certificate for 127.0.0.1 signed by it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class HttpReceiver:
    ok_body: Any = field(default_factory=dict)
    dingtalk_secret: str = ""
    replies: list[tuple[int, Any]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw.decode("utf-8")) if raw else None
        self.seen.append(Seen(request.path, dict(request.query), dict(request.headers), body))
        if self.dingtalk_secret and not self._signed_ok(request.query):
            return web.json_response({"errcode": 310000, "errmsg": "sign not match"})
        status, reply = self.replies.pop(0) if self.replies else (200, self.ok_body)
        return web.json_response(reply, status=status)

    def _signed_ok(self, query: Any) -> bool:
        ts, got = query.get("timestamp", ""), query.get("sign", "")
        expected = base64.b64encode(hmac.new(self.dingtalk_secret.encode(), f"{ts}\n{self.dingtalk_secret}".encode(),
                                             hashlib.sha256).digest()).decode()
        return bool(ts) and hmac.compare_digest(got, expected)  # aiohttp already URL-decoded ``sign``

    async def start(self, path: str = "/hook") -> str:
        app = web.Application()
        app.router.add_post(path, self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}{path}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


class _SmtpHandler:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.replies: list[str] = []  # e.g. "451 4.3.0 try later", "550 5.1.1 no such user"
        self.users: dict[str, str] = {}  # accepted logins
        self.logins: list[tuple[str, str, bool]] = []  # (mechanism, user, accepted)
        self.secure: list[bool] = []  # per message: did it arrive over TLS?
        self.stall_s = 0.0  # take the message, then wait this long before saying 250
        self.quit_reply = ""  # e.g. "421 shutting down": QUIT answered with something other than 221

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.replies:
            return self.replies.pop(0)
        msg = message_from_bytes(envelope.content or b"", policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((envelope.mail_from or "", list(envelope.rcpt_tos), msg))
        transport = server.transport
        self.secure.append(transport is not None and transport.get_extra_info("ssl_object") is not None)
        if self.stall_s:
            await asyncio.sleep(self.stall_s)
        return "250 OK"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> Any:
        return self.quit_reply or MISSING

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                     data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user = data.login.decode("utf-8", "replace")
        ok = user in self.users and hmac.compare_digest(self.users[user].encode(), data.password)
        self.logins.append((mechanism, user, ok))
        return AuthResult(success=ok, handled=False)


@dataclass(frozen=True)
class Tls:
    ca_file: str  # PEM of the throw-away CA: what a client trusts
    other_ca_file: str  # a second CA that signed nothing here: trusting it must not be enough
    server: ssl.SSLContext  # server context with a certificate for 127.0.0.1 signed by the CA


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(cn: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_tls(tmp: Path) -> Tls:
    """A CA and a server certificate for 127.0.0.1 (and localhost) it signed, valid for a day."""
    ca_key, ca = _ca("govops test CA")
    _, other = _ca("govops unrelated CA")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    files = {"ca.pem": ca.public_bytes(pem), "other-ca.pem": other.public_bytes(pem),
             "server.pem": cert.public_bytes(pem),
             "server.key": key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())}
    for name, data in files.items():
        (tmp / name).write_bytes(data)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(tmp / "server.pem", tmp / "server.key")
    return Tls(str(tmp / "ca.pem"), str(tmp / "other-ca.pem"), server)


@contextmanager
def smtp_receiver(users: dict[str, str] | None = None, **options: Any) -> Iterator[tuple[int, _SmtpHandler]]:
    """A real SMTP server on 127.0.0.1 (its own thread); yields (port, handler).

    ``users`` are the logins it accepts (AUTH is then offered); ``options`` go to aiosmtpd: e.g.
    ``tls_context`` + ``require_starttls`` for STARTTLS, ``ssl_context`` for implicit TLS,
    ``auth_required``, ``auth_exclude_mechanism``, ``auth_require_tls``.
    """
    handler = _SmtpHandler()
    handler.users = dict(users or {})
    if users is not None:
        options.setdefault("authenticator", handler.authenticate)
    # aiosmtpd's Controller cannot bind port 0 (it probes the port it was given), so pick a free one;
    # another process may grab it in between, hence a few bounded tries
    for attempt in range(5):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
        try:
            controller.start()
            break
        except OSError:
            if attempt == 4:
                raise
    try:
        yield port, handler
    finally:
        controller.stop()


class CountingReceiver:
    """A slow receiver on loopback, served from its own thread, counting what arrives per key.

    ``POST /hook`` is a webhook receiver that honours ``Idempotency-Key``: the first request with a key is
    delivered, a repeat is answered 200 and not delivered again. ``POST /robot`` is a chat robot
    (``{"errcode": 0}``) that has no key: every request is delivered; its key here is the message title.
    A request whose key is in ``hold`` is delivered and then left without an answer until ``release()``
    (or ``stop()``), like a receiver that took the message and never said so in time.
    """

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()  # what arrived, per key
        self.delivered: Counter[str] = Counter()  # what the receiver acted on, per key
        self.hold: set[str] = set()
        self.holding = 0  # requests waiting for their answer now
        self.url = ""
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="counting-receiver", daemon=True)
        self._release: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    def snapshot(self) -> tuple[dict[str, int], dict[str, int], int]:
        with self._lock:
            return dict(self.requests), dict(self.delivered), self.holding

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        robot = request.path == "/robot"
        key = str(body["markdown"]["title"]) if robot else request.headers.get("Idempotency-Key", "")
        with self._lock:
            self.requests[key] += 1
            first = self.delivered[key] == 0
            if robot or first:
                self.delivered[key] += 1
            hold = key in self.hold
            self.holding += hold
        try:
            if hold and self._release is not None:
                await asyncio.wait_for(self._release.wait(), 120)
        finally:
            with self._lock:
                self.holding -= hold
        return web.json_response({"errcode": 0, "errmsg": "ok"} if robot else {"duplicate": not first})

    async def _start(self) -> str:
        self._release = asyncio.Event()
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        app.router.add_post("/robot", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        if self._release is not None:
            self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def release(self) -> None:
        """Answer every held request and hold no more."""
        with self._lock:
            self.hold.clear()
        if self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)

    def __enter__(self) -> CountingReceiver:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()
