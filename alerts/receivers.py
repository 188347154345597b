"""The receivers file (data/alerts/receivers.toml): who can be told, and which alerts go to whom.

Format::

    [receivers.<name>]
    kind = "dingtalk"            # a registered notifier kind
    enabled = true               # false keeps the receiver defined but never sends
    on_duty = false              # true: send to the person on duty (their phone / e-mail from the users table)
    max_per_minute = 20          # receiver-wide rate limit (0 = none)
    max_per_hour = 0             # per recipient (phone / address / on-duty user) rate limit (0 = none)
    url = "..."                  # every other key belongs to the kind's config dataclass

    [[routes]]
    receivers = ["<name>", ...]
    severities = ["critical", "high"]   # empty or absent: all
    cities = ["430100"]                 # city codes; empty or absent: all (430000 = province-level)

``load_receivers(path)`` validates everything and raises ``ReceiversError`` naming the file, the
receiver (or route) and the key; nothing is half-loaded. Whatever the file holds ends in that error and
nothing else: a file over :data:`MAX_FILE_BYTES`, a byte that is not UTF-8 or TOML nested too deep
(``core.i18n.files``) names its line, and numbers must be finite (``timeout = inf`` would wait forever).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerts.notifiers import NOTIFIERS, NotifierConfigError
from alerts.notifiers.base import Notifier, parse_config, type_name
from core.cli import os_error_text
from core.config import ConfigError
from core.i18n.files import TextFileError, parse_toml, read_text, toml_error_text
from core.severity import Severity

COMMON_KEYS = ("kind", "enabled", "on_duty", "max_per_minute", "max_per_hour")
MAX_FILE_BYTES = 256 * 1024  # the shipped file is 3 KB
MAX_NUMBER = 10**9  # no count, limit or timeout of a receiver is larger
MAX_TIMEOUT = 600.0  # seconds; every kind has a timeout


class ReceiversError(ConfigError):
    """The receivers file is invalid; the message (Chinese) names file, line where known, receiver or route,
    and key. A configuration error: a command that meets one says so in Chinese (core.cli) and exits 2."""


@dataclass(frozen=True)
class Receiver:
    name: str
    kind: str
    config: Any  # the kind's frozen config dataclass
    enabled: bool = True
    on_duty: bool = False
    max_per_minute: int = 0
    max_per_hour: int = 0

    def build(self) -> Notifier:
        return NOTIFIERS.get(self.kind)(self.config)  # type: ignore[call-arg]


@dataclass(frozen=True)
class Route:
    receivers: tuple[str, ...]
    severities: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()

    def matches(self, severity: str, city: str) -> bool:
        return (not self.severities or severity in self.severities) and (not self.cities or city in self.cities)


@dataclass(frozen=True)
class Receivers:
    receivers: Mapping[str, Receiver]
    routes: tuple[Route, ...]
    source: str = ""

    def get(self, name: str) -> Receiver:
        try:
            return self.receivers[name]
        except KeyError:
            raise KeyError(f"没有名为 {name!r} 的接收方（{self.source or '接收方文件'}中未定义）") from None

    def route(self, severity: str, city: str) -> list[Receiver]:
        """Enabled receivers of every route matching ``severity`` and ``city``, each once, in file order."""
        names: dict[str, None] = {}
        for r in self.routes:
            if r.matches(severity, city):
                names.update(dict.fromkeys(r.receivers))
        return [self.receivers[n] for n in names if self.receivers[n].enabled]


class _Place:
    """Where a receiver or route lives in the file: the line of its table header, and of a key inside it,
    found in the file's text (TOML parsers keep no positions). Line 0 when unknown."""

    def __init__(self, source: str, text: str | None) -> None:
        self.source = source
        self.lines = (text or "").splitlines()

    def header(self, pattern: str, nth: int = 1) -> int:
        """The line of the ``nth`` header matching ``pattern`` (a regex over the stripped line), or 0."""
        seen = 0
        for i, line in enumerate(self.lines, 1):
            if re.fullmatch(pattern, line.strip()):
                seen += 1
                if seen == nth:
                    return i
        return 0

    def key(self, start: int, key: str) -> int:
        """The line of ``key = …`` in the table whose header is on line ``start``; ``start`` when not found."""
        if not key or not start:
            return start
        name = re.escape(key.split(".")[0])
        pattern = re.compile(rf"\s*(?:{name}|\"{name}\"|'{name}')\s*[=.]")
        for i in range(start, len(self.lines)):  # self.lines[start] is the line after the header
            line = self.lines[i]
            if line.strip().startswith("["):
                break
            if pattern.match(line):
                return i + 1
        return start

    def at(self, line: int) -> str:
        return f"{self.source}:{line}" if line else self.source


def _receiver_line(place: _Place, name: str) -> int:
    quoted = rf"(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"
    return place.header(rf"\[\s*receivers\s*\.\s*{quoted}\s*\]")


class _Where:
    """One receiver (``name``) or route (``route`` number) of the file, for messages: ``FILE:LINE：接收方 X：…``."""

    def __init__(self, place: _Place, *, name: str | None = None, route: int | None = None) -> None:
        self.place = place
        self.name, self.route = name, route
        if name is not None:
            self.line = _receiver_line(place, name)
        elif route is not None:
            self.line = place.header(r"\[\[\s*routes\s*\]\]", route)
        else:
            self.line = 0

    def what(self) -> str:
        if self.name is not None:
            return f"接收方 {self.name}"
        if self.route is not None:
            return f"第 {self.route} 条路由（[[routes]]）"
        return ""

    def error(self, msg: str, key: str | None = None) -> ReceiversError:
        line = self.place.key(self.line, key) if key is not None and self.line else self.line
        head = self.place.at(line)
        what = self.what()
        return ReceiversError(f"{head}: {what}：{msg}" if what else f"{head}: {msg}")

    def check(self, cond: bool, msg: str, key: str | None = None) -> None:
        if not cond:
            raise self.error(msg, key)


def _numbers(value: Any, where: _Where, key: str, depth: int = 0) -> None:
    """Every number in ``value`` finite and at most :data:`MAX_NUMBER` in magnitude."""
    if isinstance(value, bool) or depth > 8:
        return
    if isinstance(value, int | float):
        where.check(abs(value) <= MAX_NUMBER,  # False for nan too; an int of any size compares fine
                    f"键 {key}：应为有限的数，且绝对值不超过 {MAX_NUMBER}，而不是 {_shown(value)}", key)
    elif isinstance(value, list):
        for item in value:
            _numbers(item, where, key, depth + 1)
    elif isinstance(value, dict):
        for k, item in value.items():
            _numbers(item, where, f"{key}.{k}", depth + 1)


def _shown(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _receiver(name: str, table: Any, where: _Where) -> Receiver:
    where.check(isinstance(table, dict), f"应为表（[receivers.{name}]），而不是{type_name(table)}")
    for key, value in table.items():
        _numbers(value, where, key)
    timeout = table.get("timeout")
    where.check(not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= MAX_TIMEOUT,
                f"键 timeout：最多 {MAX_TIMEOUT:g} 秒，而不是 {_shown(timeout)}", "timeout")
    kind = table.get("kind")
    where.check(isinstance(kind, str), "缺少键 kind（接收方类型）" if "kind" not in table
                else f"键 kind：应为文本，而不是{type_name(kind)}", "kind" if "kind" in table else None)
    if kind not in NOTIFIERS:
        raise where.error(f"键 kind：没有 {kind!r} 这种接收方类型（可用：{'、'.join(NOTIFIERS.names())}）", "kind")
    cls = NOTIFIERS.get(kind)
    common: dict[str, Any] = {}
    for key, typ in (("enabled", bool), ("on_duty", bool), ("max_per_minute", int), ("max_per_hour", int)):
        if key in table:
            val = table[key]
            where.check(isinstance(val, typ) and (typ is bool or not isinstance(val, bool)),
                        f"键 {key}：应为{type_name(typ)}，而不是 {_shown(val)}", key)
            where.check(typ is bool or val >= 0, f"键 {key}：不能为负数", key)
            common[key] = val
    settings = {k: v for k, v in table.items() if k not in COMMON_KEYS}
    try:
        config = parse_config(cls.config_class, settings, kind=kind, where=where.what())
    except NotifierConfigError as exc:
        line = where.place.key(where.line, exc.key) if exc.key and where.line else where.line
        raise ReceiversError(f"{where.place.at(line)}: {exc}") from None
    except (TypeError, ValueError, OverflowError) as exc:  # a kind's own checks tripping over an odd value
        raise where.error(f"{kind} 类型的配置无效（{exc}）") from None
    return Receiver(name=name, kind=kind, config=config, **common)


def _strings(value: Any, where: _Where, key: str) -> tuple[str, ...]:
    where.check(isinstance(value, list) and all(isinstance(v, str) for v in value),
                f"键 {key}：应为文本的列表", key)
    return tuple(value)


def parse_receivers(data: Mapping[str, Any], source: str, text: str | None = None) -> Receivers:
    """Validate a parsed receivers document; ``source`` names it in errors, ``text`` (the file's text, when
    known) gives them line numbers. Raises :class:`ReceiversError` (Chinese: file, line, receiver or route,
    key)."""
    place = _Place(source, text)
    top = _Where(place)
    unknown = sorted(set(data) - {"receivers", "routes"})
    top.check(not unknown, f"未知的顶层键 {unknown[0]}（只能是 receivers 和 routes）" if unknown else "")
    tables = data.get("receivers", {})
    top.check(isinstance(tables, dict), "receivers 应为表的表（[receivers.名称]）")
    receivers = {name: _receiver(name, t, _Where(place, name=name)) for name, t in tables.items()}
    routes: list[Route] = []
    raw_routes = data.get("routes", [])
    top.check(isinstance(raw_routes, list), "routes 应为表的数组（[[routes]]）")
    severities = {s.value for s in Severity}
    for i, r in enumerate(raw_routes, 1):
        where = _Where(place, route=i)
        where.check(isinstance(r, dict), f"应为表，而不是{type_name(r)}")
        bad = sorted(set(r) - {"receivers", "severities", "cities"})
        where.check(not bad, f"未知的键 {bad[0]}（只能是 receivers、severities、cities）" if bad else "",
                    bad[0] if bad else None)
        names = _strings(r.get("receivers"), where, "receivers")
        where.check(bool(names), "键 receivers：至少要列出一个接收方", "receivers")
        for n in names:
            where.check(n in receivers, f"键 receivers：没有名为 {n!r} 的接收方", "receivers")
        sev = _strings(r.get("severities", []), where, "severities")
        for sv in sev:
            where.check(sv in severities, f"键 severities：未知的级别 {sv!r}（可用：{'、'.join(sorted(severities))}）",
                        "severities")
        cities = _strings(r.get("cities", []), where, "cities")
        for c in cities:
            where.check(len(c) == 6 and c.isdigit(), f"键 cities：{c!r} 不是 6 位行政区划代码", "cities")
        routes.append(Route(names, frozenset(sev), frozenset(cities)))
    return Receivers(receivers, tuple(routes), source)


def load_receivers(path: str | Path) -> Receivers:
    """Read and validate the receivers file; raises ReceiversError (file, receiver/route, key)."""
    p = Path(path)
    try:
        text = read_text(p, MAX_FILE_BYTES)
        data = parse_toml(text, p)
    except FileNotFoundError:
        raise ReceiversError(f"{p}: 接收方文件不存在") from None
    except OSError as exc:
        raise ReceiversError(f"{p}: 无法读取接收方文件（{os_error_text(exc)}）") from None
    except TextFileError as exc:
        raise ReceiversError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ReceiversError(toml_error_text(p, exc, text)) from None
    return parse_receivers(data, str(p), text)
