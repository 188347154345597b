"""The Notifier family: one interface, one registry, one config loader.

A kind is a class registered in ``NOTIFIERS`` under its name, with a frozen ``Config`` dataclass
(``config_class``) and ``__init__(self, config)``. ``await notifier.notify(message)`` returns a
``Delivery``; it never raises for delivery problems (network errors, timeouts, refusals are
reported as a failed ``Delivery`` whose ``retryable`` says whether trying later may help, and whose
``maybe_delivered`` says the request may have arrived although no answer came back).

``idempotent`` says whether the receiver takes a repeated ``Message.idem_key`` as the same delivery,
so that sending a message again after an unknown outcome cannot give its people a second copy. Only
then does the dispatcher send a message again whose first attempt may have arrived (alerts.delivery).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import aiohttp

from core.i18n.notifiers import SEVERITY_TAG
from core.plugins import Registry


@dataclass(frozen=True)
class Message:
    """What a notifier sends: Chinese title and text, plus the alerts for machine receivers.

    ``alerts`` are the open ones (firing or acknowledged), ``resolved`` those that recovered since the
    last message; each entry carries ``status`` "firing" or "resolved" (as in Alertmanager's webhook).
    ``to`` overrides the receiver's configured addresses (phones, e-mail addresses) when the message
    goes to the person on duty; empty means "use the configured ones".
    """

    title: str
    text: str
    severity: str = ""
    city: str = ""
    group_key: str = ""
    alerts: tuple[Mapping[str, Any], ...] = ()
    idem_key: str = ""
    to: tuple[str, ...] = ()
    resolved: tuple[Mapping[str, Any], ...] = ()

    @property
    def status(self) -> str:
        """"resolved" when the message only announces recoveries, else "firing" (a test message too)."""
        return "resolved" if self.resolved and not self.alerts else "firing"

    @property
    def tag(self) -> str:
        """The severity tag to put before the title (【紧急】…) in a subject or SMS.

        None when the title already opens with one (the planner's titles do: 【紧急】…, 【已恢复】…) and
        none for a recovery, so a resolved message never reads as an emergency.
        """
        if self.status == "resolved" or self.title.startswith("【"):
            return ""
        return SEVERITY_TAG.get(self.severity, "")


@dataclass(frozen=True)
class Delivery:
    ok: bool
    retryable: bool = False
    detail: str = ""
    maybe_delivered: bool = False  # failed after the request went out: the receiver may have it


class Notifier(Protocol):
    config_class: ClassVar[type]
    idempotent: bool  # the receiver deduplicates on Message.idem_key: resending an unknown outcome is safe

    async def notify(self, n: Message) -> Delivery: ...


NOTIFIERS: Registry[type[Notifier]] = Registry("notifier")


class NotifierConfigError(ValueError):
    """A receiver's settings are invalid; the message (Chinese) names the file, receiver, kind and key;
    ``key`` is the offending key when one is to blame (the receivers file finds its line by it)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class KeyValueError(ValueError):
    """A config dataclass's ``__post_init__`` check failed (:func:`require`): ``key`` and a Chinese ``reason``."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"键 {key}：{reason}")
        self.key = key
        self.reason = reason


_TYPE_NAMES = {str: "文本", int: "整数", float: "数字", bool: "布尔值（true 或 false）", list: "列表", tuple: "列表",
               dict: "表"}


def type_name(t: Any) -> str:
    """A type or a value's type in Chinese (文本, 整数, 列表 …)."""
    t = t if isinstance(t, type) else type(t)
    return _TYPE_NAMES.get(t, "其他类型的值")


def parse_config(cls: type, settings: Mapping[str, Any], *, kind: str, where: str) -> Any:
    """Build the frozen config dataclass ``cls`` from ``settings``; raise NotifierConfigError naming the key
    (Chinese; ``where`` names the file and receiver).

    Lists become tuples; ints are accepted where floats are expected; anything else must match the
    annotated type. ``__post_init__`` may raise :class:`KeyValueError` (:func:`require`) for cross-field rules.
    """
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(settings) - set(fields))
    if unknown:
        raise NotifierConfigError(f"{where}：{kind} 类型没有键 {unknown[0]}（可用的键：{'、'.join(sorted(fields))}）",
                                  unknown[0])
    values: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in settings:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise NotifierConfigError(f"{where}：{kind} 类型缺少键 {name}")
            continue
        try:
            values[name] = _coerce(settings[name], hints[name])
        except TypeError as exc:
            raise NotifierConfigError(f"{where}：键 {name}：{exc}", name) from None
    try:
        return cls(**values)
    except KeyValueError as exc:
        raise NotifierConfigError(f"{where}：键 {exc.key}：{exc.reason}", exc.key) from None
    except ValueError as exc:  # a kind's own check that is not a require()
        raise NotifierConfigError(f"{where}：{kind} 类型的配置无效（{exc}）") from None


def _coerce(value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is type(None) and value is None:
                return None
            if arg is not type(None):
                return _coerce(value, arg)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise TypeError(f"应为列表，而不是{type_name(value)}")
        (item,) = typing.get_args(hint)[:1]
        return tuple(_coerce(v, item) for v in value)
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise TypeError(f"应为表，而不是{type_name(value)}")
        return dict(value)
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, bool):
        raise TypeError("应为整数，而不是布尔值")
    if not isinstance(value, hint):
        raise TypeError(f"应为{type_name(hint)}，而不是{type_name(value)} {_shown(value)}")
    return value


def _shown(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def require(condition: bool, key: str, reason: str) -> None:
    """For ``__post_init__``: raise :class:`KeyValueError` naming the key, with a Chinese ``reason``."""
    if not condition:
        raise KeyValueError(key, reason)


def http_delivery(status: int, body: str) -> Delivery:
    """Classify an HTTP answer: 2xx ok; 408, 429 and 5xx retryable; other 4xx are config errors."""
    snippet = body[:300]
    if 200 <= status < 300:
        return Delivery(True, False, f"HTTP {status}")
    retryable = status in (408, 429) or status >= 500
    return Delivery(False, retryable, f"HTTP {status}: {snippet}")


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: str
    json: Any = field(default=None)


async def post_json(url: str, payload: Any, *, headers: Mapping[str, str] | None = None,
                    timeout: float = 10.0) -> HttpAnswer | Delivery:
    """POST ``payload`` as UTF-8 JSON; the answer, or a retryable Delivery on network error or timeout.

    A failure after the request's headers went out (a timeout waiting for the answer, a dropped
    connection) is ``maybe_delivered``: the receiver may have acted on it.
    """
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    sent = False

    async def _on_sent(*_: Any) -> None:
        nonlocal sent
        sent = True

    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_on_sent)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout),
                                         trace_configs=[trace]) as http, \
                http.post(url, data=body, headers=hdrs) as resp:
            text = await resp.text(errors="replace")
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                parsed = None
            return HttpAnswer(resp.status, text, parsed)
    except TimeoutError:
        return Delivery(False, True, f"timeout after {timeout:g} s: {url}", maybe_delivered=sent)
    except (aiohttp.ClientError, OSError, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError):
            raise
        return Delivery(False, True, f"network error: {type(exc).__name__}: {exc}", maybe_delivered=sent)


def markdown_text(n: Message) -> str:
    """The message as Markdown for chat robots: a heading, then one paragraph per line of the text.

    Chat robots' Markdown joins single line breaks, so each line (a firing alert, a resolved one, a
    summary line) becomes its own paragraph.
    """
    lines = [line for line in n.text.splitlines() if line.strip()]
    return f"### {n.title}\n\n" + "\n\n".join(lines)
