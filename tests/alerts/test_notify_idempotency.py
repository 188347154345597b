"""Per kind: the idempotency key where the receiver can use one, and what a lost answer is.

Real loopback receivers: an HTTP gateway (HttpReceiver) and an SMTP server (aiosmtpd) that can take a
message and stall before its 250, or answer QUIT with an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from alerts.notifiers import Delivery, Message, NotifierConfigError
from alerts.notifiers.base import parse_config
from alerts.notifiers.email import EmailConfig, EmailNotifier, message_id
from alerts.notifiers.sms import SmsConfig, SmsNotifier
from tests.alerts.notify_receivers import HttpReceiver, smtp_receiver

R = TypeVar("R")
MSG = Message(title="湘潭市政府门户网站无法访问", text="首页连续 3 次探测失败。", severity="critical",
              city="430300", group_key="city:430300", idem_key="0f3c9a", to=())
PHONES = ("13800000001", "13800000002")


def run(server: HttpReceiver, body: Callable[[str], Awaitable[R]]) -> R:
    async def main() -> R:
        url = await server.start()
        try:
            return await body(url)
        finally:
            await server.stop()
    return asyncio.run(asyncio.wait_for(main(), 60))


def test_an_sms_gateway_gets_the_key_per_phone_and_is_idempotent_only_when_declared() -> None:
    template = {"mobile": "{phone}", "content": "{text}", "out_id": "{idem_key}"}
    server = HttpReceiver(replies=[(200, {}), (500, {}), (200, {}), (200, {})])

    async def body(url: str) -> tuple[Delivery, Delivery, bool, bool]:
        keyed = SmsNotifier(SmsConfig(url=url, template=template, phones=PHONES, idempotent=True))
        plain = SmsNotifier(SmsConfig(url=url, template=template, phones=PHONES))
        return await keyed.notify(MSG), await keyed.notify(MSG), keyed.idempotent, plain.idempotent

    partial, again, keyed, plain = run(server, body)
    assert (keyed, plain) == (True, False)
    # the second phone failed after the first got the text: a gateway dropping repeated keys makes a retry safe
    assert (partial.ok, partial.retryable) == (False, True)
    assert again.ok
    assert [s.body["out_id"] for s in server.seen] == [f"0f3c9a:{p}" for p in PHONES * 2]
    with pytest.raises(NotifierConfigError, match=r"键 idempotent：须在 template 中包含 \{idem_key\}"):
        parse_config(SmsConfig, {"url": "http://127.0.0.1:9/sms", "idempotent": True}, kind="sms", where="r.toml")


def test_an_email_keeps_one_message_id_per_notification() -> None:
    with smtp_receiver() as (port, handler):
        notifier = EmailNotifier(EmailConfig(host="127.0.0.1", port=port, sender="alerts@govops.test",
                                             to=("duty@govops.test",), timeout=10))
        for _ in range(2):
            assert asyncio.run(asyncio.wait_for(notifier.notify(MSG), 30)).ok
        ids = [m["Message-ID"] for _, _, m in handler.messages]
    assert ids == ["<govops.0f3c9a@govops.test>"] * 2 and notifier.idempotent is False
    assert message_id("a b/c", "x.test") == message_id("a b/c", "x.test") != message_id("a b/d", "x.test")
    assert message_id("", "x.test") != message_id("", "x.test")  # no key: a fresh one each time


def test_an_email_whose_250_never_came_may_have_been_delivered() -> None:
    with smtp_receiver() as (port, handler):
        handler.stall_s = 3.0
        config = EmailConfig(host="127.0.0.1", port=port, sender="alerts@govops.test", to=("duty@govops.test",),
                             timeout=1.0)
        d = asyncio.run(asyncio.wait_for(EmailNotifier(config).notify(MSG), 30))
        taken = len(handler.messages)
    assert taken == 1  # the server has it
    assert (d.ok, d.retryable, d.maybe_delivered) == (False, True, True), d


def test_an_email_refused_before_data_was_not_delivered() -> None:
    with smtp_receiver() as (port, handler):
        handler.replies.append("451 4.3.0 try again later")
        config = EmailConfig(host="127.0.0.1", port=port, sender="alerts@govops.test", to=("duty@govops.test",))
        answered = asyncio.run(asyncio.wait_for(EmailNotifier(config).notify(MSG), 30))
    assert (answered.ok, answered.retryable, answered.maybe_delivered) == (False, True, False), answered
    closed = EmailConfig(host="127.0.0.1", port=9, sender="alerts@govops.test", to=("duty@govops.test",), timeout=5)
    unreachable = asyncio.run(asyncio.wait_for(EmailNotifier(closed).notify(MSG), 30))
    assert (unreachable.ok, unreachable.maybe_delivered) == (False, False), unreachable


def test_an_email_the_server_took_stays_delivered_when_quit_fails() -> None:
    """QUIT answered 421 after the 250: smtplib raises on leaving ``with``, which used to mean 'retry' —
    a second copy of a message the server already had."""
    with smtp_receiver() as (port, handler):
        handler.quit_reply = "421 4.3.2 shutting down"
        config = EmailConfig(host="127.0.0.1", port=port, sender="alerts@govops.test", to=("duty@govops.test",))
        d = asyncio.run(asyncio.wait_for(EmailNotifier(config).notify(MSG), 30))
        taken = len(handler.messages)
    assert taken == 1 and d.ok, d
