"""The inspection rules file: national-rule values and per-check settings, edited by administrators.

``data/inspection/rules.toml`` (or ``inspection.rules_file``, or ``inspect --rules FILE``) has one
table per check name, filled into that check's frozen ``Settings`` dataclass, plus ``[veto]`` with the
veto thresholds and windows of spec §2 (:class:`VetoRules`). Two keys are reserved in every check
table: ``interval`` (seconds between scheduled runs) and ``timeout`` (seconds one run may take).

A check setting that declares ``metadata={"veto": "<key>"}`` (see :func:`shared`) takes that ``[veto]``
value unless the check's own table sets it, so one rule value lives in one place. Sharing is explicit:
two settings that merely share a name (every check has its own ``warn_days``) stay independent.

Loading is all-or-nothing: an unknown check, an unknown key or a value of the wrong form raises
:class:`RulesError` naming the file, the table, the key and the expected form. So does whatever else
the file holds: a file over :data:`MAX_FILE_BYTES`, a byte that is not UTF-8, TOML nested too deep
(``core.i18n.files``, with the line), a number that is not finite or beyond :data:`MAX_NUMBER` (day
counts beyond :data:`MAX_DAYS`: date arithmetic would overflow at run time).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from core.i18n.files import TextFileError, parse_toml, read_text, toml_error_text, toml_line
from inspection.base import CHECKS, Check
from inspection.catalog import load_checks

PROVISIONAL = {"provisional": True}
RESERVED = ("interval", "timeout")
MAX_FILE_BYTES = 256 * 1024  # the shipped file is 2 KB
MAX_NUMBER = 10**8  # seconds, counts, bytes: nothing sane is larger
MAX_DAYS = 36_600  # a key named *_days: a century


class RulesError(ValueError):
    """The rules file is unreadable or has an unknown table/key or a value of the wrong form; the message is
    Chinese and names the file, the line where known, the table and the key."""


class _Loc:
    """Names a place of the rules file in messages: ``FILE:LINE: [table] key``."""

    def __init__(self, source: str, text: str = "") -> None:
        self.source, self.text = source, text

    def __call__(self, table: str, key: str = "") -> str:
        line = toml_line(self.text, table, key) if self.text else 0
        head = f"{self.source}:{line}" if line else self.source
        return f"{head}: [{table}] {key}".rstrip()


@dataclass(frozen=True)
class VetoRules:
    """Thresholds of the website veto items (spec §2); day counts look back from the reference date."""

    unreachable_ratio: float = 0.05  # failed probes / all probes over the window → veto
    unreachable_warning_ratio: float = field(default=0.04, metadata=PROVISIONAL)  # early warning
    window_days: int = 7  # availability look-back
    probes_per_day: int = 20  # fewer probes on a day: the data cannot prove availability
    homepage_days: int = 14  # homepage without a new item this long → veto
    news_days: int = 14  # 要闻动态 window
    notice_policy_days: int = 183  # 通知公告 / 政策文件 first-level window (6 months)
    stale_columns: int = 5  # (a) news + first-level notice/policy columns out of window → veto
    long_stale_columns: int = 10  # (b) columns that should be updated but long are not → veto
    long_stale_days: int = field(default=365, metadata=PROVISIONAL)  # "long" for personnel/planning/other
    blank_columns: int = 5  # (c) columns that never had an entry → veto
    unanswered_days: int = 90  # a valid message unanswered longer than this → veto
    lookback_days: int = 365  # messages of the past year count
    warn_days: int = field(default=7, metadata=PROVISIONAL)  # early warning this many days before a breach
    undated_is_stale: bool = field(default=True, metadata=PROVISIONAL)  # an item without a date is not an update
    # 服务不实用: a guide missing this many key elements is incomplete; this many incomplete guides, or this
    # many online service systems that do not work, → veto
    guide_missing_elements: int = field(default=4, metadata=PROVISIONAL)
    incomplete_guides: int = field(default=5, metadata=PROVISIONAL)
    broken_online_services: int = field(default=3, metadata=PROVISIONAL)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, bool) and value <= 0:
                raise ValueError(f"{f.name}：应大于 0，而不是 {value!r}")
        if not 0 < self.unreachable_warning_ratio <= self.unreachable_ratio < 1:
            raise ValueError("unreachable_warning_ratio 和 unreachable_ratio 应满足 "
                             "0 < unreachable_warning_ratio ≤ unreachable_ratio < 1")


@dataclass(frozen=True)
class Rules:
    """The loaded rules: ``[veto]`` and each check's settings; checks absent from the file use defaults."""

    source: str
    veto: VetoRules = field(default_factory=VetoRules)
    settings: Mapping[str, Any] = field(default_factory=dict)
    intervals: Mapping[str, float] = field(default_factory=dict)
    timeouts: Mapping[str, float] = field(default_factory=dict)

    def settings_for(self, check: str) -> Any:
        """The check's ``Settings`` instance (from the file, else defaults with ``[veto]`` values shared)."""
        if check in self.settings:
            return self.settings[check]
        return _build_settings(CHECKS.get(check), {}, self.veto, _Loc(self.source), check)

    def interval_for(self, check: str) -> float:
        # registered kinds are Check classes by construction (the registry is typed loosely)
        kind = cast("type[Check]", CHECKS.get(check))
        return float(self.intervals.get(check, kind.interval))

    def timeout_for(self, check: str, default: float) -> float:
        return float(self.timeouts.get(check, default))

    def provisional_keys(self) -> list[str]:
        return provisional_keys()


def provisional_keys() -> list[str]:
    """``table.key`` of every value the spec could not confirm (the UI marks them provisional)."""
    load_checks()
    out = [f"veto.{f.name}" for f in dataclasses.fields(VetoRules) if f.metadata.get("provisional")]
    for name, kind in CHECKS:
        settings = getattr(kind, "Settings", None)
        if settings is not None and dataclasses.is_dataclass(settings):
            out += [f"{name}.{f.name}" for f in dataclasses.fields(settings) if f.metadata.get("provisional")]
    return out


def load_rules(path: str | Path) -> Rules:
    """Read and validate the rules file at ``path``; raises :class:`RulesError`."""
    p = Path(path)
    if not p.is_file():
        raise RulesError(f"{p}: 检查规则文件不存在")
    text = ""
    try:
        text = read_text(p, MAX_FILE_BYTES)
        doc = parse_toml(text, p)
    except OSError as exc:
        raise RulesError(f"{p}: 无法读取检查规则文件（{exc.strerror or exc}）") from None
    except TextFileError as exc:
        raise RulesError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(toml_error_text(p, exc, text)) from None
    return parse_rules(doc, str(p), text)


def parse_rules(doc: Mapping[str, Any], source: str, text: str = "") -> Rules:
    """Rules from an already parsed TOML document; ``source`` names it in errors, ``text`` (the file's, when
    known) gives them lines."""
    loc = _Loc(source, text)
    known = load_checks()
    veto_raw = doc.get("veto", {})
    if not isinstance(veto_raw, dict):
        raise RulesError(f"{source}: [veto] 应为表")
    veto = _fill(VetoRules, veto_raw, loc, "veto")
    settings: dict[str, Any] = {}
    intervals: dict[str, float] = {}
    timeouts: dict[str, float] = {}
    for table, raw in doc.items():
        if table == "veto":
            continue
        if table not in known:
            raise RulesError(f"{loc(table)}：没有这项检查（可用：veto、{'、'.join(sorted(known))}）")
        if not isinstance(raw, dict):
            raise RulesError(f"{loc(table)}：应为表")
        values = dict(raw)
        for key, target in (("interval", intervals), ("timeout", timeouts)):
            if key in values:
                seconds = _coerce(loc(table, key), values.pop(key), float)
                if seconds <= 0:
                    raise RulesError(f"{loc(table, key)}：应为大于 0 的秒数，而不是 {seconds!r}")
                target[table] = seconds
        settings[table] = _build_settings(CHECKS.get(table), values, veto, loc, table)
    return Rules(source=source, veto=veto, settings=settings, intervals=intervals, timeouts=timeouts)


def shared(veto_key: str, default: Any, *, provisional: bool = False) -> Any:
    """A check setting that takes ``[veto] veto_key`` unless the check's own table sets it."""
    if veto_key not in {f.name for f in dataclasses.fields(VetoRules)}:
        raise ValueError(f"shared(): [veto] has no key {veto_key!r}")
    meta: dict[str, Any] = {"veto": veto_key}
    if provisional:
        meta["provisional"] = True
    return dataclasses.field(default=default, metadata=meta)


def _build_settings(kind: Any, values: Mapping[str, Any], veto: VetoRules, loc: _Loc, table: str) -> Any:
    cls = getattr(kind, "Settings", None)
    if cls is None or not dataclasses.is_dataclass(cls):
        if values:
            raise RulesError(f"{loc(table, next(iter(values)))}：这项检查没有设置项，只能设置 "
                             f"{'、'.join(RESERVED)}")
        return None
    merged = {f.name: getattr(veto, f.metadata["veto"]) for f in dataclasses.fields(cls)
              if "veto" in f.metadata and f.name not in values}
    merged.update(values)
    return _fill(cls, merged, loc, table)


def _fill(cls: Any, values: Mapping[str, Any], loc: _Loc, table: str) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in fields:
            extra = f"；各项检查还可设置 {'、'.join(RESERVED)}" if table != "veto" else ""
            raise RulesError(f"{loc(table, key)}：没有这个设置项（可用：{'、'.join(sorted(fields))}{extra}）")
        kwargs[key] = _coerce(loc(table, key), raw, hints[key])
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise RulesError(f"{loc(table)}：{exc}") from None


def _describe(typ: Any) -> str:
    simple = {bool: "布尔值（true 或 false）", int: "整数", float: "数字", str: "文本"}
    if typ in simple:
        return simple[typ]
    origin, args = typing.get_origin(typ), typing.get_args(typ)
    if origin in (tuple, list, frozenset, set):
        return f"{_describe(args[0])}的数组" if args else "数组"
    if origin in (dict, Mapping):
        return f"值为{_describe(args[1])}的表" if len(args) == 2 else "表"
    if origin in (typing.Union, types.UnionType):
        return "或".join("空" if a is type(None) else _describe(a) for a in args)
    return "其他类型的值"


def _bounded(where: str, value: float) -> float:
    """``value`` when finite and within :data:`MAX_NUMBER` (:data:`MAX_DAYS` for a ``*_days`` key)."""
    most = MAX_DAYS if where.rsplit(" ", 1)[-1].endswith("_days") else MAX_NUMBER
    if not (math.isfinite(value) and abs(value) <= most):
        raise RulesError(f"{where}：应为有限的数，且绝对值不超过 {most}，而不是 {value!r}")
    return value


def _coerce(where: str, raw: Any, typ: Any) -> Any:
    """``raw`` (a TOML value) as ``typ``; raises RulesError naming ``where`` and the expected form."""
    fail = RulesError(f"{where}：应为{_describe(typ)}，而不是 {raw!r}")
    if typ is Any:
        return raw
    if typ is bool:
        if isinstance(raw, bool):
            return raw
        raise fail
    if typ is int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return _bounded(where, raw)
        raise fail
    if typ is float:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(_bounded(where, raw))
        raise fail
    if typ is str:
        if isinstance(raw, str):
            return raw
        raise fail
    origin, args = typing.get_origin(typ), typing.get_args(typ)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(where, raw, arg)
            except RulesError:
                continue
        raise fail
    if origin in (tuple, list, frozenset, set):
        if not isinstance(raw, list):
            raise fail
        inner = args[0] if args else Any
        items = [_coerce(f"{where}[{i}]", x, inner) for i, x in enumerate(raw)]
        return origin(items)
    if origin in (dict, Mapping) or typ in (dict, Mapping):
        if not isinstance(raw, dict):
            raise fail
        inner = args[1] if len(args) == 2 else Any
        return {str(k): _coerce(f"{where}.{k}", v, inner) for k, v in raw.items()}
    raise RulesError(f"{where}：不支持的设置类型")
