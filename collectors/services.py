"""What every platform-service kind shares (``collectors/kinds/service_*.py``, docs/services.md).

A kind names the enabled :class:`~db.models_services.Service` rows of its kind that this node serves
(:func:`db.scope.services_served`) and reads one of them per target. Every poll writes the common ``service``
point: ``up`` (1 when the service answered as expected, 0 when it did not, with the failure's class and
Chinese reason as tags of the ``failure`` marker) and ``poll_ms``. A service that does not answer is a true
``up = 0``, never a made-up figure; an error of ours (a bug) is raised for the scheduler to count.

Also here: credentials references (``env:VAR`` / ``file:NAME``, never a literal secret), address validation
per kind, and :class:`CounterRates`, the counter → per-second rate step with time passed in.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy import select

from collectors.base import CollectorContext, Target
from core.clock import to_ns
from core.i18n.cli import ERRNO_ZH
from core.i18n.services import DRIVER_REASONS, T
from core.logging import get_logger
from db.models import Node
from db.models_services import SERVICE_KINDS, Service
from db.scope import services_served
from tsdb.catalogue import MetricSpec, TextSpec, declare, declare_measurement, declare_text
from tsdb.point import Point, points_for

log = get_logger(__name__)

MEASUREMENT = "service"
FAILURE = "failure"
HARD_STOP_MARGIN_S = 5.0
declare_measurement(MEASUREMENT, "平台服务")
COMMON_METRICS = declare(
    MetricSpec(MEASUREMENT, "up", "", "服务可用", "1 when the service answered as expected, 0 when it did not"),
    MetricSpec(MEASUREMENT, "poll_ms", "ms", "服务采集耗时"),
    MetricSpec(MEASUREMENT, FAILURE, "", "服务采集故障", "marker (1) carrying the error class and Chinese reason"),
    MetricSpec(MEASUREMENT, "interval_s", "s", "服务采集间隔",
               "the kind's interval: the absence rule judges a silent service against it"),
)
TEXTS = declare_text(
    TextSpec(MEASUREMENT, "error", FAILURE, "故障类型", "connect, timeout, auth, query, status, body, config"),
    TextSpec(MEASUREMENT, "reason", FAILURE, "故障原因", "the failure in Chinese"),
)
URL_KINDS = frozenset({"http", "nginx"})
DEFAULT_PORTS: dict[str, int] = {"postgresql": 5432, "mysql": 3306, "redis": 6379, "tcp": 0}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ServiceFailure(Exception):
    """The service did not answer as expected: ``code`` its class, ``reason`` the Chinese sentence."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def detail_zh(exc: BaseException) -> str:
    """Why a connection or query failed, in Chinese where the cause is known (by errno, or a driver's message
    recognised in :data:`core.i18n.services.DRIVER_REASONS`); the driver's own words otherwise."""
    chain = (exc, getattr(exc, "certificate_error", None), getattr(exc, "os_error", None), exc.__cause__,
             exc.__context__)
    for e in chain:  # TLS first: an SSL error's errno (1) is not the OS's EPERM
        if isinstance(e, ssl.SSLCertVerificationError):
            detail = getattr(e, "verify_message", None) or getattr(e, "reason", None)
            if detail:  # aiohttp's certificate error is one too, without the details: its cause has them
                return T["tls_verify"].format(detail=detail)
            continue
        if isinstance(e, ssl.SSLError):
            return T["tls_failed"].format(detail=getattr(e, "reason", None) or type(e).__name__)
    for e in chain:
        code = getattr(e, "errno", None)
        if isinstance(code, int) and code in ERRNO_ZH:
            return ERRNO_ZH[code]
    text = " ".join(str(exc).split()) or type(exc).__name__
    lowered = text.lower()
    for needle, reason in DRIVER_REASONS:
        if needle in lowered:
            return reason
    return text[:200]


def check_ref(ref: str) -> str:
    """``ref`` when it is ``env:VAR`` or ``file:NAME``; ValueError with the Chinese reason otherwise."""
    scheme, _, name = ref.partition(":")
    if scheme == "env" and name:
        if not _ENV_NAME.fullmatch(name):
            raise ValueError(T["ref_env_name"].format(ref=ref))
        return ref
    if scheme == "file" and name:
        if "/" in name or "\\" in name or name in {".", ".."} or ".." in name.split("/"):
            raise ValueError(T["ref_file_name"].format(ref=ref))
        return ref
    raise ValueError(T["ref_literal"].format(ref=ref))


def resolve_secret(service: str, ref: str | None, secrets_dir: str,
                   env: Mapping[str, str] | None = None) -> str | None:
    """The secret ``ref`` names (None when the service has none): an environment variable, or the first line
    of a file under ``secrets_dir``. :class:`ServiceFailure` ``config`` when it cannot be read."""
    if not ref:
        return None
    try:
        check_ref(ref)
    except ValueError as exc:
        raise ServiceFailure("config", str(exc)) from None
    scheme, _, name = ref.partition(":")
    if scheme == "env":
        value = (os.environ if env is None else env).get(name)
        if value is None:
            raise ServiceFailure("config", T["secret_env_missing"].format(service=service, ref=ref, name=name))
        return value
    path = Path(secrets_dir) / name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ServiceFailure("config", T["secret_file_missing"].format(
            service=service, ref=ref, path=path, detail=exc.strerror if isinstance(exc, OSError) else exc)) from None
    return text.splitlines()[0] if text else ""


def split_host_port(address: str, default_port: int = 0) -> tuple[str, int]:
    """``host:port`` (``[v6]:port``; the kind's default port when left out) → (host, port); ValueError."""
    host, port_text = address, ""
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else rest
    elif address.count(":") == 1:
        host, _, port_text = address.partition(":")
    if not host or any(c.isspace() for c in host) or "/" in host:
        raise ValueError(address)
    if not port_text:
        if not default_port:
            raise ValueError(address)
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(address)
    return host, int(port_text)


def check_address(kind: str, address: str) -> str:
    """``address`` when it suits ``kind`` (a URL for http and nginx, host:port otherwise); else ValueError
    with the Chinese reason."""
    if kind not in SERVICE_KINDS:
        raise ValueError(T["kind_unknown"].format(kind=kind, kinds="、".join(SERVICE_KINDS)))
    if kind in URL_KINDS:
        parts = urlsplit(address)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(T["address_url"].format(address=address, kind=kind))
        try:
            parts.port  # noqa: B018  (raises on a bad port)
        except ValueError:
            raise ValueError(T["address_port"].format(address=address)) from None
        return address
    try:
        split_host_port(address, DEFAULT_PORTS[kind])
    except ValueError:
        raise ValueError(T["address_hostport"].format(address=address, kind=kind,
                                                      port=DEFAULT_PORTS[kind] or 8080)) from None
    return address


def counter_rates(prev: tuple[float, Mapping[str, float]] | None, counters: Mapping[str, float],
                  now_s: float) -> dict[str, float]:
    """Per-second rates of the counters in both samples (pure). No previous sample or no time passed: none;
    a counter that went back (a restart reset it) gives no rate, never a negative one."""
    if prev is None:
        return {}
    at, before = prev
    seconds = now_s - at
    if seconds <= 0:
        return {}
    return {k: (v - before[k]) / seconds for k, v in counters.items() if k in before and v >= before[k]}


class CounterRates:
    """Previous counter values per target (thread-safe): :meth:`update` returns the rates since then."""

    def __init__(self) -> None:
        self._prev: dict[str, tuple[float, dict[str, float]]] = {}
        self._lock = threading.Lock()

    def update(self, key: str, counters: Mapping[str, float], now_s: float) -> dict[str, float]:
        with self._lock:
            prev = self._prev.get(key)
            self._prev[key] = (now_s, dict(counters))
        return counter_rates(prev, counters, now_s)


def common_points(tags: Mapping[str, str], up: bool, poll_ms: float, time_ns: int, interval_s: float,
                  failure: ServiceFailure | None = None) -> list[Point]:
    """The ``service`` point of one poll (with the failure marker and its tags when it failed)."""
    extra = {"error": failure.code, "reason": failure.reason} if failure is not None else {}
    return points_for(MEASUREMENT, {**tags, **extra}, time_ns,
                      [("up", int(up)), ("poll_ms", round(poll_ms, 1)), (FAILURE, 1 if failure else None),
                       ("interval_s", interval_s)])


class ServiceKind:
    """The shared part of the ``service_<kind>`` collectors: settings, targets, the up/failure envelope.

    A kind sets ``service_kind`` and implements ``read(target, now) -> list[Point]`` (blocking kinds) or
    ``aread`` (async kinds), raising :class:`ServiceFailure` when the service does not answer as expected.
    """

    service_kind: ClassVar[str]

    def __init__(self, ctx: CollectorContext) -> None:
        self.ctx = ctx
        self.rates = CounterRates()

    @property
    def interval(self) -> float:
        return float(self.ctx.config.collectors.service_interval)

    @property
    def service_timeout(self) -> float:
        return float(self.ctx.config.collectors.service_timeout)

    @property
    def timeout(self) -> float:
        # the kind's own timeouts come first, so it reports the failure itself
        return self.service_timeout + HARD_STOP_MARGIN_S

    def targets(self) -> list[Target]:
        """The enabled services of this kind in the regions this node serves, by name."""
        with self.ctx.sessions() as s:
            rows = s.execute(select(Service, Node).join(Node, Node.code == Service.node_code).where(
                Service.kind == self.service_kind, Service.enabled.is_(True),
                services_served(self.ctx.config.node)).order_by(Service.name)).all()
            return [Target(key=svc.name,
                           labels={"service": svc.name, "kind": svc.kind, "node": svc.node_code,
                                   "city": node.city_code},
                           params={"address": svc.address, "credentials_ref": svc.credentials_ref or "",
                                   "options": dict(svc.options or {})})
                    for svc, node in rows]

    def secret(self, target: Target) -> str | None:
        """The target's password or token (None without a credentials reference); ServiceFailure ``config``."""
        return resolve_secret(target.key, str(target.params.get("credentials_ref") or "") or None,
                              str(self.ctx.config.collectors.secrets_dir))

    def options(self, target: Target) -> Mapping[str, Any]:
        return target.params.get("options") or {}

    def envelope(self, target: Target, started: float, own: list[Point] | None,
                 failure: ServiceFailure | None) -> list[Point]:
        """The poll's points: the kind's own when it answered, and the ``service`` point either way."""
        ns = to_ns(self.ctx.clock.now())
        poll_ms = (time.monotonic() - started) * 1000.0
        if failure is not None:
            log.warning("service.poll_failed", kind=self.service_kind, service=target.key, error=failure.code,
                        reason=failure.reason)
            return common_points(target.labels, False, poll_ms, ns, self.interval, failure)
        return [*(own or []), *common_points(target.labels, True, poll_ms, ns, self.interval)]

    def where(self, target: Target) -> str:
        return str(target.params.get("address", ""))

    def poll_blocking(self, target: Target, read: Callable[[Target], list[Point]]) -> list[Point]:
        """Run a blocking ``read`` inside the envelope: its ServiceFailure becomes ``up = 0``."""
        started = time.monotonic()
        try:
            own = read(target)
        except ServiceFailure as exc:
            return self.envelope(target, started, None, exc)
        return self.envelope(target, started, own, None)

    async def poll_async(self, target: Target, read: Callable[[Target], Awaitable[list[Point]]]) -> list[Point]:
        """Await ``read`` inside the envelope: its ServiceFailure becomes ``up = 0``."""
        started = time.monotonic()
        try:
            own = await read(target)
        except ServiceFailure as exc:
            return self.envelope(target, started, None, exc)
        return self.envelope(target, started, own, None)


class LoopSession:
    """One aiohttp client session per event loop, made lazily in the running loop (a session belongs to the
    loop it was made in: a collector used from a new loop gets a new one). ``timeout_s`` is read when a
    session is made, so a changed ``[collectors] service_timeout`` applies to the next one."""

    def __init__(self, timeout_s: Callable[[], float], headers: Mapping[str, str] | None = None) -> None:
        self._timeout_s = timeout_s
        self._headers = dict(headers or {})
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> aiohttp.ClientSession:
        """The running loop's session (RuntimeError outside a running loop)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            self._loop = loop
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout_s()),
                                                  headers=self._headers or None)
        return self._session

    async def aclose(self) -> None:
        """Close the session when it belongs to the running loop (one of a finished loop went with it)."""
        if self._session is not None and not self._session.closed and self._loop is asyncio.get_running_loop():
            await self._session.close()
        self._session = None


def now_ns_and_s(ctx: CollectorContext) -> tuple[int, float]:
    """The clock's now as (ns, unix seconds): one reading for a poll's points and its rates."""
    now = ctx.clock.now()
    return to_ns(now), now.timestamp()


def num(value: Any) -> float | None:
    """A driver's value as a number (None when absent or not numeric)."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def percent(part: float | None, whole: float | None) -> float | None:
    """``part`` as a percentage of ``whole``, one decimal; None when either is unknown or ``whole`` is 0."""
    if part is None or whole is None or whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError("应大于 0")
    return value


def _status(text: str) -> int:
    value = int(text)
    if not 100 <= value <= 599:
        raise ValueError("应为 100–599 的 HTTP 状态码")
    return value


def _nonneg_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("应为非负整数")
    return value


def _names(text: str) -> list[str]:
    items = [p.strip() for p in text.split(",") if p.strip()]
    if not items:
        raise ValueError("应为逗号分隔的名称")
    return items


def _flag(text: str) -> bool:
    if text.lower() in {"true", "yes", "1", "是"}:
        return True
    if text.lower() in {"false", "no", "0", "否"}:
        return False
    raise ValueError("应为 true 或 false")


def _expect(text: str) -> str:
    path, sep, _ = text.partition("=")
    if not sep or not path.strip():
        raise ValueError("应写成 字段路径=值，如 status=UP")
    return text


def _text(text: str) -> str:
    if not text.strip():
        raise ValueError("不能为空")
    return text.strip()


# kind → option → parser of its command-line text (docs/services.md); ValueError's text says why
OPTIONS: dict[str, dict[str, Callable[[str], Any]]] = {
    "postgresql": {"user": _text, "dbname": _text, "databases": _names, "long_xact_s": _positive,
                   "size_limit_bytes": _positive},
    "mysql": {"user": _text, "database": _text},
    "redis": {"username": _text, "db": _nonneg_int},
    "nginx": {"access_log": _text},
    "http": {"expect_status": _status, "json_fields": _names, "expect": _expect, "verify_tls": _flag},
    "tcp": {},
}


def parse_options(kind: str, pairs: list[str]) -> dict[str, Any]:
    """``key=value`` texts → the kind's options; ValueError with the Chinese reason naming the option."""
    known = OPTIONS[kind]
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(T["option_syntax"].format(option=pair))
        if key not in known:
            raise ValueError(T["option_unknown"].format(kind=kind, key=key, keys="、".join(known) or "（无）"))
        try:
            out[key] = known[key](value)
        except ValueError as exc:
            detail = str(exc) if any("\u4e00" <= c <= "\u9fff" for c in str(exc)) else "格式不对"
            raise ValueError(T["option_value"].format(key=key, value=value, detail=detail)) from None
    return out


def _as_text(value: Any) -> str:
    """A stored option value as ``app.py services add --option`` would have written it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, int | float | str):
        return str(value)
    raise ValueError(f"值应为字符串、数字、布尔值或名称数组，而不是 {type(value).__name__}")


def options_from_json(kind: str, options: Any) -> dict[str, Any]:
    """A service's stored ``options`` object (a configuration bundle's) checked as ``--option`` texts are:
    the kind's options, each parsed again; ValueError with the Chinese reason naming the option."""
    if not isinstance(options, Mapping):
        raise ValueError("options 应为对象")
    pairs = []
    for key, value in options.items():
        try:
            pairs.append(f"{key}={_as_text(value)}")
        except ValueError as exc:
            raise ValueError(T["option_value"].format(key=key, value=str(value)[:60], detail=exc)) from None
    return parse_options(kind, pairs)
