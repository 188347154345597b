"""One contract over every registered notifier kind, each against a real loopback receiver of its kind.

A kind without a harness here fails ``test_every_kind_has_a_harness``: a new notifier is not done
until it is exercised like the others.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from alerts.notifiers import NOTIFIERS, Delivery, Message, NotifierConfigError
from alerts.notifiers.base import parse_config
from tests.alerts.notify_receivers import HttpReceiver, smtp_receiver

MSG = Message(title="长沙市政府门户网站无法访问", text="首页连续 3 次探测失败，请值班人员处理。",
              severity="critical", city="430100", group_key="city:430100",
              alerts=({"rule": "site_down", "labels": {"site": "hn-cs-001"}},), idem_key="n-1", to=())

# An all-resolved message as the planner words it: the title says 已恢复, the text has one line per alert.
RESOLVED = Message(title="【已恢复】长沙市告警 1 条已恢复", text="[已恢复] 长沙市政府门户网站首页恢复访问",
                   severity="critical", city="长沙市", group_key="city:430100", idem_key="n-2",
                   resolved=({"id": 7, "rule": "site_down", "state": "resolved", "status": "resolved",
                              "labels": {"site": "hn-cs-001"}},))


@dataclass
class Rig:
    settings: dict[str, Any]  # config settings pointing at the receiver
    fail: Callable[[str], None]  # script the next answer: "transient" or "permanent"
    received: Callable[[], list[str]]  # what arrived, as text


def _http(kind: str, ok_body: Any, settings: Callable[[str], dict[str, Any]]) -> Any:
    @asynccontextmanager
    async def rig() -> AsyncIterator[Rig]:
        server = HttpReceiver(ok_body=ok_body)
        url = await server.start()
        answers = {"transient": (500, {"error": "busy"}), "permanent": (400, {"error": "bad request"})}
        try:
            yield Rig(settings(url), lambda how: server.replies.append(answers[how]),
                      lambda: [json.dumps(s.body, ensure_ascii=False) for s in server.seen])
        finally:
            await server.stop()
    return rig


@asynccontextmanager
async def _email_rig() -> AsyncIterator[Rig]:
    with smtp_receiver() as (port, handler):
        answers = {"transient": "451 4.3.0 try again later", "permanent": "550 5.1.1 mailbox unavailable"}
        yield Rig({"host": "127.0.0.1", "port": port, "sender": "alerts@govops.test", "to": ["duty@govops.test"],
                   "timeout": 10.0},
                  lambda how: handler.replies.append(answers[how]),
                  lambda: [str(m["Subject"]) + "\n" + m.get_content() for _, _, m in handler.messages])


HARNESS = {
    "webhook": _http("webhook", {}, lambda url: {"url": url, "timeout": 10.0}),
    "dingtalk": _http("dingtalk", {"errcode": 0, "errmsg": "ok"}, lambda url: {"url": url + "?access_token=t"}),
    "wecom": _http("wecom", {"errcode": 0, "errmsg": "ok"}, lambda url: {"url": url + "?key=k"}),
    "sms": _http("sms", {"code": "0"}, lambda url: {"url": url, "phones": ["13800000001"],
                                                    "success_field": "code", "success_value": "0"}),
    "email": _email_rig,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_kind_has_a_harness() -> None:
    assert sorted(NOTIFIERS.names()) == sorted(HARNESS)


@pytest.mark.parametrize("kind", NOTIFIERS.names())
def test_notifier_contract(kind: str) -> None:
    cls = NOTIFIERS.get(kind)

    async def main() -> list[Delivery]:
        async with HARNESS[kind]() as rig:
            notifier = cls(parse_config(cls.config_class, rig.settings, kind=kind, where="contract"))  # type: ignore[call-arg]
            ok = await notifier.notify(MSG)
            arrived = rig.received()
            assert len(arrived) == 1 and MSG.title in arrived[0], arrived
            recovered = await notifier.notify(RESOLVED)
            assert recovered.ok, recovered
            arrived = rig.received()
            # the recovery reaches the receiver as such, and never under an emergency tag
            assert len(arrived) == 2 and RESOLVED.title in arrived[1] and "首页恢复访问" in arrived[1], arrived
            assert "紧急" not in arrived[1], arrived[1]
            rig.fail("transient")
            transient = await notifier.notify(MSG)
            rig.fail("permanent")
            permanent = await notifier.notify(MSG)
            return [ok, transient, permanent]

    ok, transient, permanent = asyncio.run(asyncio.wait_for(main(), 60))
    assert (ok.ok, ok.retryable) == (True, False), ok
    assert (transient.ok, transient.retryable) == (False, True), transient
    assert (permanent.ok, permanent.retryable) == (False, False), permanent
    assert transient.detail and permanent.detail


@pytest.mark.parametrize("kind", NOTIFIERS.names())
def test_unreachable_receiver_is_retryable(kind: str) -> None:
    cls = NOTIFIERS.get(kind)
    port = _free_port()  # nothing listens there
    settings = {"email": {"host": "127.0.0.1", "port": port, "sender": "a@govops.test", "to": ["b@govops.test"],
                          "timeout": 5.0}}.get(kind, {"url": f"http://127.0.0.1:{port}/x", "timeout": 5.0})
    if kind == "sms":
        settings["phones"] = ["13800000001"]
    notifier = cls(parse_config(cls.config_class, settings, kind=kind, where="contract"))  # type: ignore[call-arg]
    d = asyncio.run(asyncio.wait_for(notifier.notify(MSG), 30))
    assert (d.ok, d.retryable) == (False, True), d


@pytest.mark.parametrize("kind", NOTIFIERS.names())
def test_config_is_frozen_and_validated(kind: str) -> None:
    cls = NOTIFIERS.get(kind)
    assert dataclasses.is_dataclass(cls.config_class)
    assert cls.config_class.__dataclass_params__.frozen  # type: ignore[attr-defined]
    with pytest.raises(NotifierConfigError, match=rf"^receivers\.toml：{kind} 类型没有键 colour（可用的键："):
        parse_config(cls.config_class, {"colour": "red"}, kind=kind, where="receivers.toml")
    with pytest.raises(NotifierConfigError, match=rf"{kind} 类型缺少键 "):
        parse_config(cls.config_class, {}, kind=kind, where="receivers.toml")


# Kinds whose receiver can deduplicate on Message.idem_key, with the settings that declare it (on top of
# the rig's). Every other kind must declare ``idempotent = False``: a message whose answer was lost is
# then never sent to it again (alerts.delivery). A new kind decides which it is here.
KEYED: dict[str, dict[str, Any]] = {
    "webhook": {},
    "sms": {"idempotent": True, "template": {"phone": "{phone}", "content": "{text}", "out_id": "{idem_key}"}},
}


@pytest.mark.parametrize("kind", NOTIFIERS.names())
def test_idempotency_is_declared_and_a_keyed_kind_sends_the_same_key_every_time(kind: str) -> None:
    cls = NOTIFIERS.get(kind)

    async def main() -> list[str]:
        async with HARNESS[kind]() as rig:
            plain = cls(parse_config(cls.config_class, rig.settings, kind=kind, where="contract"))  # type: ignore[call-arg]
            assert isinstance(plain.idempotent, bool)
            if kind not in KEYED:
                assert plain.idempotent is False
                return []
            settings = {**rig.settings, **KEYED[kind]}
            keyed = cls(parse_config(cls.config_class, settings, kind=kind, where="contract"))  # type: ignore[call-arg]
            assert keyed.idempotent is True
            for _ in range(2):  # two attempts of one notification
                assert (await keyed.notify(MSG)).ok
            return rig.received()

    arrived = asyncio.run(asyncio.wait_for(main(), 60))
    if kind in KEYED:
        assert len(arrived) == 2 and all(f'"{MSG.idem_key}' in a for a in arrived), arrived
