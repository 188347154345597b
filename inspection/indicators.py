"""The indicator table (spec §1, §3, §4): how a website's score is counted, edited by administrators.

``data/inspection/indicators.toml`` (or ``score explain --indicators FILE``) holds a ``version`` (recorded
with every score), ``[scoring]`` (full score, pass mark, bonus threshold and maximum, the department rule,
the one-penalty-per-problem rule), ``[veto]`` (the facts-only veto values: the 15 s probe rule and which
consultation channels are effective; the veto thresholds themselves are ``rules.toml [veto]``,
:class:`inspection.rules.VetoRules`), ``[new_media]``, and the arrays ``[[group]]`` (first-level groups),
``[[indicator]]`` (second-level deduction indicators: points = cap, site types, services flag),
``[[deduction]]`` (per-problem deduction values the scoring judges from facts, or, with ``finding =
"check:kind"`` and an optional ``match = { evidence_key = "value" }``, charged once per open finding of that
kind when a period is scored from the platform, operations/scorefacts.py) and ``[[bonus]]``.

A value the published rules do not fix is provisional: a scalar written ``{ value = X, provisional = true }``,
an array entry with ``provisional = true``; :meth:`IndicatorTable.provisional` lists them.

Loading is all-or-nothing: :class:`IndicatorError` names the file, the line and the key (``core.i18n.files``
helpers) for an unreadable file, an unknown or missing key, a value of the wrong form, a duplicate code, an
indicator of an unknown group, points that do not add up (every site type's indicators to ``full_score``,
the non-services ones to ``department_max``), or a deduction code the scoring does not know.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

from core.i18n.files import TextFileError, read_text, toml_array_line, toml_error_text, toml_line
from core.i18n.files import parse_toml as _parse_toml

MAX_FILE_BYTES = 256 * 1024
SITE_TYPES = ("portal", "department")
CHANNEL_KINDS = ("consultation", "suggestion", "petition", "discipline_report", "interview", "survey")
NEVER_EFFECTIVE = ("petition", "discipline_report")  # firm: these channels never count
# The per-problem deductions inspection/scoring.py judges from facts, and whether each needs window_days.
DEDUCTION_CODES = {"policy_column_stale": True, "service_statistics_stale": True, "message_replies_stale": True,
                   "dead_link_homepage": False, "dead_link_page": False}
SURVEY_BONUS = "survey_activities"  # the bonus item judged from the facts' survey activities
DEFAULT_FILE = Path(__file__).resolve().parents[1] / "data" / "inspection" / "indicators.toml"


class IndicatorError(ValueError):
    """The indicator table cannot be used; the Chinese message names the file, the line and the key."""


@dataclass(frozen=True)
class Group:
    code: str
    name: str


@dataclass(frozen=True)
class Indicator:
    """A second-level deduction indicator; ``points`` is its share of the full score and its cap."""

    code: str
    group: str
    name: str
    points: Fraction
    sites: tuple[str, ...]
    services: bool = False
    provisional: bool = False


@dataclass(frozen=True)
class DeductionRule:
    code: str
    indicator: str
    name: str
    points: Fraction  # per problem
    window_days: int | None = None
    provisional: bool = False
    finding: tuple[str, str] | None = None  # (check, kind): a rule charged once per open finding of that kind
    match: tuple[tuple[str, str], ...] = ()  # evidence key = value pairs the finding must carry


@dataclass(frozen=True)
class BonusItem:
    code: str
    name: str
    points: Fraction  # the item's cap
    min_activities: int | None = None
    provisional: bool = False


@dataclass(frozen=True)
class IndicatorTable:
    source: str
    version: str
    basis: str
    full_score: Fraction
    pass_score: Fraction
    bonus_above: Fraction
    bonus_max: Fraction
    department_max: Fraction
    dedup_problems: bool
    probe_seconds: Fraction
    effective_channels: tuple[str, ...]
    judge_unanswered: bool
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]
    deductions: tuple[DeductionRule, ...]
    bonus: tuple[BonusItem, ...]
    provisional_keys: tuple[str, ...] = field(default=())

    @cached_property
    def _deduction_by_code(self) -> dict[str, DeductionRule]:
        return {d.code: d for d in self.deductions}

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def deduction(self, code: str) -> DeductionRule:
        """The rule of ``code``; raises KeyError for a code the table does not have."""
        return self._deduction_by_code[code]

    def finding_rules(self) -> tuple[DeductionRule, ...]:
        """The rules bound to a finding kind (``finding = "check:kind"``), in table order."""
        return tuple(d for d in self.deductions if d.finding is not None)

    def bonus_item(self, code: str) -> BonusItem | None:
        return next((b for b in self.bonus if b.code == code), None)

    def group_name(self, code: str) -> str:
        return next(g.name for g in self.groups if g.code == code)

    def provisional(self) -> list[str]:
        """Every provisional value: ``scoring.department_max``, ``indicator.links``, ``bonus.smart_qa`` …"""
        return [*self.provisional_keys, *(f"indicator.{i.code}" for i in self.indicators if i.provisional),
                *(f"deduction.{d.code}" for d in self.deductions if d.provisional),
                *(f"bonus.{b.code}" for b in self.bonus if b.provisional)]


class _Loc:
    """``FILE:LINE: [table] key`` / ``FILE:LINE: [[indicator]] 第 N 项 key`` for messages."""

    def __init__(self, source: str, text: str) -> None:
        self.source, self.text = source, text

    def _head(self, line: int) -> str:
        return f"{self.source}:{line}" if line else self.source

    def top(self, key: str) -> str:
        line = 0
        for i, raw in enumerate(self.text.splitlines(), 1):
            if raw.strip().startswith("["):
                break
            if re.match(rf"\s*{re.escape(key)}\s*=", raw):
                line = i
                break
        return f"{self._head(line)}: {key}"

    def table(self, table: str, key: str = "") -> str:
        return f"{self._head(toml_line(self.text, table, key))}: [{table}] {key}".rstrip()

    def entry(self, name: str, nth: int, key: str = "") -> str:
        return f"{self._head(toml_array_line(self.text, name, nth, key))}: [[{name}]] 第 {nth} 项 {key}".rstrip()


def _fail(where: str, problem: str) -> IndicatorError:
    return IndicatorError(f"{where}：{problem}")


def _number(where: str, raw: Any, *, positive: bool = True) -> Fraction:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or abs(raw) > 10**6:
        raise _fail(where, f"应为有限的数，而不是 {raw!r}")
    value = Fraction(str(raw))  # 0.1 is one tenth, not the binary float nearest to it
    if positive and value <= 0:
        raise _fail(where, f"应为大于 0 的数，而不是 {raw!r}")
    return value


def _int(where: str, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw <= 36_600:
        raise _fail(where, f"应为 1 到 36600 之间的整数，而不是 {raw!r}")
    return raw


def _text(where: str, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(where, f"应为非空文本，而不是 {raw!r}")
    return raw.strip()


_BINDING = re.compile(r"^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*$")


def _finding(where: str, raw: Any) -> tuple[str, str]:
    if not isinstance(raw, str) or not _BINDING.match(raw.strip()):
        raise _fail(where, f"应写作 \"检查:问题类型\"（如 \"site_functions:search_missing\"），而不是 {raw!r}")
    check, kind = raw.strip().split(":")
    return check, kind


def _match(where: str, raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not raw or any(not isinstance(v, str) or not v for v in raw.values()):
        raise _fail(where, f"应为证据键值的内联表，如 {{ kind = \"service_stats\" }}，而不是 {raw!r}")
    return tuple(sorted((str(k), str(v)) for k, v in raw.items()))


def _bool(where: str, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _fail(where, f"应为布尔值（true 或 false），而不是 {raw!r}")
    return raw


def _table(doc: Mapping[str, Any], name: str, loc: _Loc, keys: tuple[str, ...]) -> dict[str, tuple[Any, bool]]:
    """``[name]`` as key → (value, provisional); unknown and missing keys refused."""
    raw = doc.get(name)
    if not isinstance(raw, dict):
        raise _fail(loc.table(name), "缺少此表" if raw is None else "应为表")
    out: dict[str, tuple[Any, bool]] = {}
    for key, value in raw.items():
        if key not in keys:
            raise _fail(loc.table(name, key), f"没有这个设置项（可用：{'、'.join(keys)}）")
        if isinstance(value, dict):
            extra = set(value) - {"value", "provisional"}
            if extra or "value" not in value:
                raise _fail(loc.table(name, key), "内联表只能写 { value = 值, provisional = true }")
            out[key] = (value["value"], _bool(loc.table(name, key), value.get("provisional", False)))
        else:
            out[key] = (value, False)
    for key in keys:
        if key not in out:
            raise _fail(loc.table(name), f"缺少设置项 {key}")
    return out


def _entries(doc: Mapping[str, Any], name: str, loc: _Loc, required: tuple[str, ...],
             optional: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
    raw = doc.get(name)
    if not isinstance(raw, list) or not raw:
        raise _fail(f"{loc.source}: [[{name}]]", "缺少此表数组（至少一项）")
    out, seen = [], set()
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            raise _fail(loc.entry(name, n), "应为表")
        for key in entry:
            if key not in required + optional:
                raise _fail(loc.entry(name, n, key), f"没有这个键（可用：{'、'.join(required + optional)}）")
        for key in required:
            if key not in entry:
                raise _fail(loc.entry(name, n), f"缺少键 {key}")
        code = _text(loc.entry(name, n, "code"), entry["code"])
        if code in seen:
            raise _fail(loc.entry(name, n, "code"), f"代码 {code} 重复")
        seen.add(code)
        out.append((n, {**entry, "code": code}))
    return out


def parse_indicators(doc: Mapping[str, Any], source: str, text: str = "") -> IndicatorTable:
    """The table from a parsed TOML document; ``text`` (the file's) gives errors their lines."""
    loc = _Loc(source, text)
    for key in doc:
        if key not in ("version", "basis", "scoring", "veto", "new_media", "group", "indicator", "deduction", "bonus"):
            raise _fail(loc.top(key), "没有这个键（可用：version、basis、[scoring]、[veto]、[new_media]、"
                                      "[[group]]、[[indicator]]、[[deduction]]、[[bonus]]）")
    if "version" not in doc:
        raise _fail(source, "缺少 version（指标表版本，每次修改都应更改）")
    version = _text(loc.top("version"), doc["version"])
    basis = _text(loc.top("basis"), doc.get("basis", "国办秘函〔2019〕19号"))
    provisional: list[str] = []

    sc = _table(doc, "scoring", loc, ("full_score", "pass_score", "bonus_above", "bonus_max", "department_max",
                                      "dedup_problems"))
    num = {k: _number(loc.table("scoring", k), sc[k][0]) for k in sc if k != "dedup_problems"}
    dedup = _bool(loc.table("scoring", "dedup_problems"), sc["dedup_problems"][0])
    if not num["pass_score"] < num["bonus_above"] < num["full_score"]:
        raise _fail(loc.table("scoring"), "应满足 pass_score < bonus_above < full_score")
    if num["department_max"] >= num["full_score"]:
        raise _fail(loc.table("scoring", "department_max"), "应小于 full_score")
    ve = _table(doc, "veto", loc, ("probe_seconds", "effective_channels"))
    probe_seconds = _number(loc.table("veto", "probe_seconds"), ve["probe_seconds"][0])
    channels = ve["effective_channels"][0]
    where = loc.table("veto", "effective_channels")
    if not isinstance(channels, list) or not channels or any(c not in CHANNEL_KINDS for c in channels):
        raise _fail(where, f"应为渠道类型的数组（可用：{'、'.join(CHANNEL_KINDS)}），而不是 {channels!r}")
    if any(c in NEVER_EFFECTIVE for c in channels):
        raise _fail(where, "信访（petition）和纪检举报（discipline_report）渠道不算有效的咨询建言渠道")
    nm = _table(doc, "new_media", loc, ("judge_unanswered",))
    judge_unanswered = _bool(loc.table("new_media", "judge_unanswered"), nm["judge_unanswered"][0])
    for name, tab in (("scoring", sc), ("veto", ve), ("new_media", nm)):
        provisional += [f"{name}.{k}" for k, (_, prov) in tab.items() if prov]

    groups = [Group(_text(loc.entry("group", n, "code"), e["code"]), _text(loc.entry("group", n, "name"), e["name"]))
              for n, e in _entries(doc, "group", loc, ("code", "name"), ())]
    group_codes = {g.code for g in groups}
    indicators: list[Indicator] = []
    for n, e in _entries(doc, "indicator", loc, ("code", "group", "name", "points", "sites"),
                         ("services", "provisional")):
        at = lambda key="", n=n: loc.entry("indicator", n, key)  # noqa: E731
        if e["group"] not in group_codes:
            raise _fail(at("group"), f"没有这个一级指标 {e['group']!r}（可用：{'、'.join(sorted(group_codes))}）")
        sites = e["sites"]
        if not isinstance(sites, list) or not sites or any(s not in SITE_TYPES for s in sites):
            raise _fail(at("sites"), f"应为网站类型的数组（可用：{'、'.join(SITE_TYPES)}），而不是 {sites!r}")
        indicators.append(Indicator(e["code"], e["group"], _text(at("name"), e["name"]),
                                    _number(at("points"), e["points"]), tuple(sites),
                                    _bool(at("services"), e.get("services", False)),
                                    _bool(at("provisional"), e.get("provisional", False))))
    for site in SITE_TYPES:
        total = sum((i.points for i in indicators if site in i.sites), Fraction(0))
        if total != num["full_score"]:
            raise _fail(f"{source}: [[indicator]]",
                        f"适用于 {site} 的指标分值合计为 {_show(total)}，应等于 full_score {_show(num['full_score'])}")
    plain = sum((i.points for i in indicators if "department" in i.sites and not i.services), Fraction(0))
    if plain != num["department_max"]:
        raise _fail(f"{source}: [[indicator]]", f"适用于 department 的非办事服务指标分值合计为 {_show(plain)}，"
                                                f"应等于 department_max {_show(num['department_max'])}")
    codes = {i.code for i in indicators}

    deductions: list[DeductionRule] = []
    for n, e in _entries(doc, "deduction", loc, ("code", "indicator", "name", "points"),
                         ("window_days", "provisional", "finding", "match")):
        at = lambda key="", n=n: loc.entry("deduction", n, key)  # noqa: E731
        bound = _finding(at("finding"), e["finding"]) if "finding" in e else None
        if bound is None and e["code"] not in DEDUCTION_CODES:
            raise _fail(at("code"), f"评分程序不认识这个扣分规则（可用：{'、'.join(DEDUCTION_CODES)}；"
                                    "或用 finding = \"检查:问题类型\" 绑定到巡检问题）")
        if bound is not None and e["code"] in DEDUCTION_CODES:
            raise _fail(at("finding"), f"扣分规则 {e['code']} 由评分程序从事实判定，不能再绑定巡检问题")
        if "match" in e and bound is None:
            raise _fail(at("match"), "只有绑定了 finding 的规则才能写 match")
        if e["indicator"] not in codes:
            raise _fail(at("indicator"), f"没有这个指标 {e['indicator']!r}")
        needs_window = bound is None and DEDUCTION_CODES[e["code"]]
        if needs_window and "window_days" not in e:
            raise _fail(at(), "缺少键 window_days")
        if not needs_window and "window_days" in e:
            raise _fail(at("window_days"), "这个扣分规则没有时间窗口")
        window = _int(at("window_days"), e["window_days"]) if needs_window else None
        match = _match(at("match"), e["match"]) if "match" in e else ()
        deductions.append(DeductionRule(e["code"], e["indicator"], _text(at("name"), e["name"]),
                                        _number(at("points"), e["points"]), window,
                                        _bool(at("provisional"), e.get("provisional", False)), bound, match))
    seen_bindings: set[tuple[tuple[str, str] | None, tuple[tuple[str, str], ...]]] = set()
    for n, d in enumerate(deductions, 1):
        if d.finding is not None:
            if (d.finding, d.match) in seen_bindings:
                raise _fail(loc.entry("deduction", n, "finding"),
                            f"巡检问题 {':'.join(d.finding)} 已绑定到另一条扣分规则（同一问题只能扣一次）")
            seen_bindings.add((d.finding, d.match))
    missing = [c for c in DEDUCTION_CODES if c not in {d.code for d in deductions}]
    if missing:
        raise _fail(f"{source}: [[deduction]]", f"缺少扣分规则 {'、'.join(missing)}")

    bonus: list[BonusItem] = []
    for n, e in _entries(doc, "bonus", loc, ("code", "name", "points"), ("min_activities", "provisional")):
        at = lambda key="", n=n: loc.entry("bonus", n, key)  # noqa: E731
        if e["code"] == SURVEY_BONUS and "min_activities" not in e:
            raise _fail(at(), "缺少键 min_activities")
        if e["code"] != SURVEY_BONUS and "min_activities" in e:
            raise _fail(at("min_activities"), f"只有 {SURVEY_BONUS} 有 min_activities")
        bonus.append(BonusItem(e["code"], _text(at("name"), e["name"]), _number(at("points"), e["points"]),
                               _int(at("min_activities"), e["min_activities"]) if "min_activities" in e else None,
                               _bool(at("provisional"), e.get("provisional", False))))
    return IndicatorTable(source=source, version=version, basis=basis, full_score=num["full_score"],
                          pass_score=num["pass_score"], bonus_above=num["bonus_above"], bonus_max=num["bonus_max"],
                          department_max=num["department_max"], dedup_problems=dedup, probe_seconds=probe_seconds,
                          effective_channels=tuple(channels), judge_unanswered=judge_unanswered,
                          groups=tuple(groups), indicators=tuple(indicators), deductions=tuple(deductions),
                          bonus=tuple(bonus), provisional_keys=tuple(provisional))


def _show(x: Fraction) -> str:
    return f"{float(x):g}"


def load_indicators(path: str | Path = DEFAULT_FILE) -> IndicatorTable:
    """Read and validate the indicator table at ``path``; raises :class:`IndicatorError`."""
    p = Path(path)
    if not p.is_file():
        raise IndicatorError(f"{p}: 指标表文件不存在")
    text = ""
    try:
        text = read_text(p, MAX_FILE_BYTES)
        doc = _parse_toml(text, p)
    except OSError as exc:
        raise IndicatorError(f"{p}: 无法读取指标表文件（{exc.strerror or exc}）") from None
    except TextFileError as exc:
        raise IndicatorError(str(exc)) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise IndicatorError(toml_error_text(p, exc, text)) from None
    return parse_indicators(doc, str(p), text)
