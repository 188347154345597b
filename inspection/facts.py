"""A site's facts for scoring (issue 14 §1): the file format, validated into :class:`Facts`.

A facts file (YAML or JSON) describes one site as of a monitoring reference date; ``score explain`` scores it
(inspection/scoring.py). Keys (``?`` = optional):

- ``site: {type: portal|department, external_services?: bool (default true)}``
- ``probes:`` either ``{total, failed}`` or a list of ``{at: DATETIME, seconds: NUMBER|null, ok: bool}``
  (a probe fails when not ``ok`` or when it took more than the table's ``probe_seconds``; ``at`` without a
  zone is Beijing time)
- ``homepage_newest_item: DATE|null`` (null: no dated item; for a navigation homepage, the newest
  second-level page update)
- ``columns: [{name, kind: news|notice|policy|personnel|planning|consultation|other, first_level: bool,
  newest: DATE|null}]`` (null = blank: never any entry)
- ``consultation_channels: [{kind: consultation|suggestion|petition|discipline_report|interview|survey,
  activities?: [DATE]}]`` (activities: a survey channel's activities, for the survey bonus item)
- ``messages: [{asked: DATE, answered: DATE|null}]`` (messages of consultation-type channels)
- ``new_media?: [{platform, last_post: DATE, comments_open: bool, unanswered_since?: DATE|null}]``
- ``deductions?: [{indicator, points, note, problem?}]``, ``bonus?: [{item, points, note}]`` (manual entries)
- ``veto_entries?: [{item: serious_errors|services, note}]`` (veto items an inspector confirmed by hand)
- ``service_statistics_newest?: DATE|null``, ``dead_links?: {homepage: INT, other: INT}``

Dates are ``YYYY-MM-DD`` and may not lie after the reference date. :func:`parse_facts` is pure; it collects
every problem and raises :class:`FactsError` whose lines name the key path (``columns[3].newest``) and the
problem in Chinese. :func:`load_facts` reads the file first.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from core.i18n.common import PLATFORM
from core.i18n.files import TextFileError, read_text

CHINA = timezone(timedelta(hours=8))
MAX_FILE_BYTES = 16 * 1024 * 1024
COLUMN_KINDS = ("news", "notice", "policy", "personnel", "planning", "consultation", "other")
CHANNEL_KINDS = ("consultation", "suggestion", "petition", "discipline_report", "interview", "survey")
SITE_TYPES = ("portal", "department")
MANUAL_VETO_ITEMS = ("serious_errors", "services")  # the veto items no fact of the file can show
TOP_KEYS = ("site", "probes", "homepage_newest_item", "columns", "consultation_channels", "messages", "new_media",
            "deductions", "bonus", "veto_entries", "service_statistics_newest", "dead_links")
REQUIRED = TOP_KEYS[:6]
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FactsError(ValueError):
    """The facts cannot be scored; ``errors`` are ``path: problem`` lines in Chinese."""

    def __init__(self, source: str, errors: list[str]) -> None:
        self.source, self.errors = source, errors
        super().__init__("\n".join(f"{source}: {e}" for e in errors))


@dataclass(frozen=True)
class ProbeTotals:
    total: int
    failed: int


@dataclass(frozen=True)
class Probe:
    at: datetime  # aware
    seconds: float | None
    ok: bool


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    first_level: bool
    newest: date | None  # None: blank


@dataclass(frozen=True)
class Channel:
    kind: str
    activities: tuple[date, ...] = ()


@dataclass(frozen=True)
class Message:
    asked: date
    answered: date | None


@dataclass(frozen=True)
class MediaAccount:
    platform: str
    last_post: date
    comments_open: bool
    unanswered_known: bool = False  # the file gave unanswered_since
    unanswered_since: date | None = None


@dataclass(frozen=True)
class ManualDeduction:
    indicator: str
    points: Fraction
    note: str
    problem: str = ""


@dataclass(frozen=True)
class ManualBonus:
    item: str
    points: Fraction
    note: str


@dataclass(frozen=True)
class VetoEntry:
    item: str
    note: str


@dataclass(frozen=True)
class FoundProblem:
    """A problem a check found, bound to a finding-bound ``[[deduction]]`` rule (``rule`` = its code); only
    built from the platform's findings (operations/scorefacts.py), never read from a facts file."""

    rule: str
    note: str
    problem: str


@dataclass(frozen=True)
class Facts:
    site_type: str
    external_services: bool
    probes: ProbeTotals | tuple[Probe, ...]
    homepage_newest_item: date | None
    columns: tuple[Column, ...]
    channels: tuple[Channel, ...]
    messages: tuple[Message, ...]
    new_media: tuple[MediaAccount, ...] = ()
    deductions: tuple[ManualDeduction, ...] = ()
    bonus: tuple[ManualBonus, ...] = ()
    veto_entries: tuple[VetoEntry, ...] = ()
    service_statistics_known: bool = False
    service_statistics_newest: date | None = None
    dead_links: tuple[int, int] | None = None  # (homepage, other pages)
    found: tuple[FoundProblem, ...] = ()  # problems charged through finding-bound rules (source ``found[i]``)


class _Reader:
    """Collects problems while reading values at key paths."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self.errors: list[str] = []

    def err(self, path: str, problem: str) -> None:
        self.errors.append(f"{path}：{problem}")

    def map(self, path: str, raw: Any, keys: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(raw, dict):
            self.err(path, f"应为映射（键: 值），而不是 {_show(raw)}")
            return None
        for k in raw:
            if k not in keys:
                self.err(f"{path}.{k}" if path else str(k), f"未知的键（可用：{'、'.join(keys)}）")
        for k in required:
            if k not in raw:
                self.err(f"{path}.{k}" if path else k, "缺少此项")
        return raw

    def list(self, path: str, raw: Any) -> list[Any]:
        if not isinstance(raw, list):
            self.err(path, f"应为列表，而不是 {_show(raw)}")
            return []
        return raw

    def date(self, path: str, raw: Any, *, nullable: bool = False) -> date | None:
        if raw is None:
            if not nullable:
                self.err(path, "不能为空，应为日期 YYYY-MM-DD")
            return None
        if isinstance(raw, datetime):
            self.err(path, "应为日期 YYYY-MM-DD，不带时间")
            return None
        if isinstance(raw, date):
            day = raw
        elif isinstance(raw, str) and _DATE.fullmatch(raw.strip()):
            try:
                day = date.fromisoformat(raw.strip())
            except ValueError:
                self.err(path, f"日期不存在：{raw!r}")
                return None
        else:
            self.err(path, f"日期格式应为 YYYY-MM-DD，而不是 {_show(raw)}")
            return None
        if day > self.as_of:
            self.err(path, f"日期 {day} 晚于监测时间点 {self.as_of}")
            return None
        return day

    def time(self, path: str, raw: Any) -> datetime | None:
        if isinstance(raw, datetime):
            t = raw
        elif isinstance(raw, str):
            try:
                t = datetime.fromisoformat(raw.strip())
            except ValueError:
                self.err(path, f"时间格式应为 YYYY-MM-DDTHH:MM[:SS][+08:00]，而不是 {raw!r}")
                return None
        else:
            self.err(path, f"时间格式应为 YYYY-MM-DDTHH:MM[:SS][+08:00]，而不是 {_show(raw)}")
            return None
        return t.replace(tzinfo=CHINA) if t.tzinfo is None else t

    def bool(self, path: str, raw: Any) -> bool:
        if not isinstance(raw, bool):
            self.err(path, f"应为 true 或 false，而不是 {_show(raw)}")
            return False
        return raw

    def count(self, path: str, raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
            self.err(path, f"应为非负整数，而不是 {_show(raw)}")
            return 0
        return raw

    def number(self, path: str, raw: Any) -> Fraction:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or not 0 < raw <= 1000:
            self.err(path, f"应为大于 0、不超过 1000 的数，而不是 {_show(raw)}")
            return Fraction(0)
        return Fraction(str(raw))

    def choice(self, path: str, raw: Any, allowed: tuple[str, ...]) -> str:
        if raw not in allowed:
            self.err(path, f"应为 {'、'.join(allowed)} 之一，而不是 {_show(raw)}")
            return allowed[0]
        return str(raw)

    def text(self, path: str, raw: Any) -> str:
        if not isinstance(raw, str) or not raw.strip():
            self.err(path, f"应为非空文本，而不是 {_show(raw)}")
            return ""
        return raw.strip()


def _show(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "…"


def parse_facts(doc: Any, as_of: date, source: str = "facts") -> Facts:
    """:class:`Facts` from a parsed document; raises :class:`FactsError` listing every problem."""
    r = _Reader(as_of)
    top = r.map("", doc, TOP_KEYS, REQUIRED)
    if top is None:
        raise FactsError(source, r.errors)
    site_type, services = "portal", True
    site = r.map("site", top.get("site", {}), ("type", "external_services"), ("type",)) if "site" in top else None
    if site is not None:
        site_type = r.choice("site.type", site.get("type"), SITE_TYPES)
        if "external_services" in site:
            services = r.bool("site.external_services", site["external_services"])
    probes = _probes(r, top["probes"]) if "probes" in top else ProbeTotals(0, 0)
    home = r.date("homepage_newest_item", top.get("homepage_newest_item"), nullable=True)
    columns = []
    for i, raw in enumerate(r.list("columns", top.get("columns", []))):
        p = f"columns[{i}]"
        c = r.map(p, raw, ("name", "kind", "first_level", "newest"), ("name", "kind", "first_level", "newest"))
        if c is not None:
            columns.append(Column(r.text(f"{p}.name", c.get("name")),
                                  r.choice(f"{p}.kind", c.get("kind"), COLUMN_KINDS),
                                  r.bool(f"{p}.first_level", c.get("first_level")),
                                  r.date(f"{p}.newest", c.get("newest"), nullable=True)))
    channels = []
    for i, raw in enumerate(r.list("consultation_channels", top.get("consultation_channels", []))):
        p = f"consultation_channels[{i}]"
        c = r.map(p, raw, ("kind", "activities"), ("kind",))
        if c is not None:
            acts = [r.date(f"{p}.activities[{j}]", a) for j, a in enumerate(r.list(f"{p}.activities",
                                                                                   c.get("activities", [])))]
            channels.append(Channel(r.choice(f"{p}.kind", c.get("kind"), CHANNEL_KINDS),
                                    tuple(a for a in acts if a is not None)))
    messages = []
    for i, raw in enumerate(r.list("messages", top.get("messages", []))):
        p = f"messages[{i}]"
        m = r.map(p, raw, ("asked", "answered"), ("asked", "answered"))
        if m is not None:
            asked, answered = r.date(f"{p}.asked", m.get("asked")), r.date(f"{p}.answered", m.get("answered"),
                                                                           nullable=True)
            if asked is not None and answered is not None and answered < asked:
                r.err(f"{p}.answered", f"答复日期 {answered} 早于留言日期 {asked}")
            if asked is not None:
                messages.append(Message(asked, answered))
    media = []
    for i, raw in enumerate(r.list("new_media", top.get("new_media", []))):
        p = f"new_media[{i}]"
        m = r.map(p, raw, ("platform", "last_post", "comments_open", "unanswered_since"),
                  ("platform", "last_post", "comments_open"))
        if m is not None:
            last = r.date(f"{p}.last_post", m.get("last_post"))
            known = "unanswered_since" in m
            since = r.date(f"{p}.unanswered_since", m.get("unanswered_since"), nullable=True) if known else None
            media.append(MediaAccount(r.choice(f"{p}.platform", m.get("platform"), tuple(PLATFORM)), last or as_of,
                                      r.bool(f"{p}.comments_open", m.get("comments_open")), known, since))
    deductions = []
    for i, raw in enumerate(r.list("deductions", top.get("deductions", []))):
        p = f"deductions[{i}]"
        d = r.map(p, raw, ("indicator", "points", "note", "problem"), ("indicator", "points", "note"))
        if d is not None:
            problem = r.text(f"{p}.problem", d["problem"]) if "problem" in d else ""
            deductions.append(ManualDeduction(r.text(f"{p}.indicator", d.get("indicator")),
                                              r.number(f"{p}.points", d.get("points")),
                                              r.text(f"{p}.note", d.get("note")), problem))
    bonus = []
    for i, raw in enumerate(r.list("bonus", top.get("bonus", []))):
        p = f"bonus[{i}]"
        b = r.map(p, raw, ("item", "points", "note"), ("item", "points", "note"))
        if b is not None:
            bonus.append(ManualBonus(r.text(f"{p}.item", b.get("item")), r.number(f"{p}.points", b.get("points")),
                                     r.text(f"{p}.note", b.get("note"))))
    vetoes = []
    for i, raw in enumerate(r.list("veto_entries", top.get("veto_entries", []))):
        p = f"veto_entries[{i}]"
        v = r.map(p, raw, ("item", "note"), ("item", "note"))
        if v is not None:
            vetoes.append(VetoEntry(r.choice(f"{p}.item", v.get("item"), MANUAL_VETO_ITEMS),
                                    r.text(f"{p}.note", v.get("note"))))
    stats_known = "service_statistics_newest" in top
    stats = r.date("service_statistics_newest", top.get("service_statistics_newest"), nullable=True)
    dead = None
    if "dead_links" in top:
        d = r.map("dead_links", top["dead_links"], ("homepage", "other"), ("homepage", "other"))
        if d is not None:
            dead = (r.count("dead_links.homepage", d.get("homepage")), r.count("dead_links.other", d.get("other")))
    if r.errors:
        raise FactsError(source, r.errors)
    return Facts(site_type, services, probes, home, tuple(columns), tuple(channels), tuple(messages), tuple(media),
                 tuple(deductions), tuple(bonus), tuple(vetoes), stats_known, stats, dead)


def _probes(r: _Reader, raw: Any) -> ProbeTotals | tuple[Probe, ...]:
    if isinstance(raw, dict):
        t = r.map("probes", raw, ("total", "failed"), ("total", "failed"))
        if t is None:
            return ProbeTotals(0, 0)
        total, failed = r.count("probes.total", t.get("total")), r.count("probes.failed", t.get("failed"))
        if failed > total:
            r.err("probes.failed", f"失败次数 {failed} 大于总次数 {total}")
        return ProbeTotals(total, failed)
    if not isinstance(raw, list):
        r.err("probes", f"应为 {{total, failed}} 或探测记录列表 [{{at, seconds, ok}}]，而不是 {_show(raw)}")
        return ProbeTotals(0, 0)
    out = []
    for i, item in enumerate(raw):
        p = f"probes[{i}]"
        m = r.map(p, item, ("at", "seconds", "ok"), ("at", "seconds", "ok"))
        if m is None:
            continue
        at = r.time(f"{p}.at", m.get("at"))
        secs = m.get("seconds")
        if secs is not None and (isinstance(secs, bool) or not isinstance(secs, int | float)
                                 or not math.isfinite(secs) or secs < 0):
            r.err(f"{p}.seconds", f"应为非负的秒数或 null，而不是 {_show(secs)}")
            secs = None
        ok = r.bool(f"{p}.ok", m.get("ok"))
        if ok and secs is None:
            r.err(f"{p}.seconds", "成功的探测应给出加载秒数")
        if at is not None:
            out.append(Probe(at, None if secs is None else float(secs), ok))
    return tuple(out)


def load_facts(path: str | Path, as_of: date) -> Facts:
    """Read a facts file (``.json``; anything else is read as YAML) and validate it; raises :class:`FactsError`."""
    p = Path(path)
    try:
        text = read_text(p, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise FactsError(str(p), ["文件不存在"]) from None
    except OSError as exc:
        raise FactsError(str(p), [f"无法读取（{exc.strerror or exc}）"]) from None
    except TextFileError as exc:
        raise FactsError(str(p), [f"第 {exc.line} 行：{exc.reason}" if exc.line else exc.reason]) from None
    try:
        doc = _parse(p, text)
    except RecursionError:  # [[[[…]]]] deeper than the parsers' recursion: refused, never a traceback
        raise FactsError(str(p), ["嵌套过深，文件未载入"]) from None
    return parse_facts(doc, as_of, str(p))


def _parse(p: Path, text: str) -> Any:
    if p.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FactsError(str(p), [f"第 {exc.lineno} 行：JSON 格式错误（第 {exc.colno} 列）"]) from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行：" if mark is not None else ""
        raise FactsError(str(p), [f"{where}YAML 格式错误"]) from None

