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
receiver (or route) and the key; nothing is half-loaded.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerts.notifiers import NOTIFIERS, NotifierConfigError
from alerts.notifiers.base import Notifier, parse_config
from core.plugins import PluginError
from inspection.base import Severity

COMMON_KEYS = ("kind", "enabled", "on_duty", "max_per_minute", "max_per_hour")


class ReceiversError(ValueError):
    """The receivers file is invalid; the message names file, receiver or route, and key."""


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
            raise KeyError(f"unknown receiver {name!r} (not in {self.source or 'the receivers file'})") from None

    def route(self, severity: str, city: str) -> list[Receiver]:
        """Enabled receivers of every route matching ``severity`` and ``city``, each once, in file order."""
        names: dict[str, None] = {}
        for r in self.routes:
            if r.matches(severity, city):
                names.update(dict.fromkeys(r.receivers))
        return [self.receivers[n] for n in names if self.receivers[n].enabled]


def _check(cond: bool, where: str, msg: str) -> None:
    if not cond:
        raise ReceiversError(f"{where}: {msg}")


def _receiver(name: str, table: Any, where: str) -> Receiver:
    _check(isinstance(table, dict), where, "must be a table")
    kind = table.get("kind")
    _check(isinstance(kind, str), where, "key 'kind': missing or not a string")
    try:
        cls = NOTIFIERS.get(kind)
    except PluginError as exc:
        raise ReceiversError(f"{where}: key 'kind': {exc}") from None
    common: dict[str, Any] = {}
    for key, typ in (("enabled", bool), ("on_duty", bool), ("max_per_minute", int), ("max_per_hour", int)):
        if key in table:
            val = table[key]
            _check(isinstance(val, typ) and (typ is bool or not isinstance(val, bool)), where,
                   f"key {key!r}: expected {typ.__name__}, got {val!r}")
            _check(typ is bool or val >= 0, where, f"key {key!r}: must be >= 0")
            common[key] = val
    settings = {k: v for k, v in table.items() if k not in COMMON_KEYS}
    try:
        config = parse_config(cls.config_class, settings, kind=kind, where=where)
    except NotifierConfigError as exc:
        raise ReceiversError(str(exc)) from None
    return Receiver(name=name, kind=kind, config=config, **common)


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    _check(isinstance(value, list) and all(isinstance(v, str) for v in value), where,
           f"key {key!r}: expected a list of strings")
    return tuple(value)


def parse_receivers(data: Mapping[str, Any], source: str) -> Receivers:
    """Validate a parsed receivers document; ``source`` names it in errors."""
    unknown = sorted(set(data) - {"receivers", "routes"})
    _check(not unknown, source, f"unknown top-level key {unknown[0]!r}" if unknown else "")
    tables = data.get("receivers", {})
    _check(isinstance(tables, dict), source, "'receivers' must be a table of tables")
    receivers = {name: _receiver(name, t, f"{source}: receiver {name!r}") for name, t in tables.items()}
    routes: list[Route] = []
    raw_routes = data.get("routes", [])
    _check(isinstance(raw_routes, list), source, "'routes' must be an array of tables ([[routes]])")
    severities = {s.value for s in Severity}
    for i, r in enumerate(raw_routes, 1):
        where = f"{source}: route #{i}"
        _check(isinstance(r, dict), where, "must be a table")
        bad = sorted(set(r) - {"receivers", "severities", "cities"})
        _check(not bad, where, f"unknown key {bad[0]!r}" if bad else "")
        names = _strings(r.get("receivers"), where, "receivers")
        _check(bool(names), where, "key 'receivers': must name at least one receiver")
        for n in names:
            _check(n in receivers, where, f"key 'receivers': unknown receiver {n!r}")
        sev = _strings(r.get("severities", []), where, "severities")
        for s in sev:
            _check(s in severities, where, f"key 'severities': unknown severity {s!r}; "
                   f"known: {', '.join(sorted(severities))}")
        cities = _strings(r.get("cities", []), where, "cities")
        for c in cities:
            _check(len(c) == 6 and c.isdigit(), where, f"key 'cities': {c!r} is not a 6-digit division code")
        routes.append(Route(names, frozenset(sev), frozenset(cities)))
    return Receivers(receivers, tuple(routes), source)


def load_receivers(path: str | Path) -> Receivers:
    """Read and validate the receivers file; raises ReceiversError (file, receiver/route, key)."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReceiversError(f"{p}: receivers file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReceiversError(f"{p}: not valid TOML: {exc}") from None
    return parse_receivers(data, str(p))
