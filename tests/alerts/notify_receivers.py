"""Real loopback receivers for notifier tests: an aiohttp server recording requests, an aiosmtpd server.

``HttpReceiver`` answers each request from a queue of replies (then a default), so a test scripts
"500, then 200". With ``dingtalk_secret`` it checks DingTalk's signature the way the real robot
does and refuses a bad one with errcode 310000.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


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

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.replies:
            return self.replies.pop(0)
        msg = message_from_bytes(envelope.content or b"", policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append((envelope.mail_from or "", list(envelope.rcpt_tos), msg))
        return "250 OK"


@contextmanager
def smtp_receiver() -> Iterator[tuple[int, _SmtpHandler]]:
    """A real SMTP server on 127.0.0.1 (its own thread); yields (port, handler)."""
    handler = _SmtpHandler()
    # aiosmtpd's Controller cannot bind port 0 (it probes the port it was given), so pick a free one;
    # another process may grab it in between, hence a few bounded tries
    for attempt in range(5):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(handler, hostname="127.0.0.1", port=port)
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
