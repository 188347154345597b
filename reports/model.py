"""What a report shows, built from :func:`inspection.scoring.to_dict` output by pure functions.

- :class:`SiteIdentity` — who the site is (code, name, type label, city); the caller's, from the registry.
- :func:`site_row` → :class:`SiteRow`: one line of a 检查情况通报 (score or None, grade, vetoes, main problems).
- :func:`summarize` → :class:`CitySummary` per city plus the total: sites, 合格, 不合格, 无法判定, pass rate
  (合格 ÷ judged: a site that cannot be judged is neither), average of the sites that have a score (a vetoed
  site has none, it is never counted as 0).
- :func:`sheet_data` → :class:`SheetData`: one site's score sheet (the result, its manual entries, history).

Raises :class:`ReportDataError` (Chinese, naming the key) when a result lacks a key ``to_dict`` always writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from core.i18n import reports as T


class ReportDataError(ValueError):
    """A result that is not the output of ``inspection.scoring.to_dict``."""


@dataclass(frozen=True)
class SiteIdentity:
    code: str  # 网站标识码
    name: str
    type_label: str  # e.g. 市州政府门户网站
    city: str  # 所属市州 (省直 for provincial departments)
    city_code: str = ""  # division code, orders the cities (430000 first); empty sorts by name after coded ones


@dataclass(frozen=True)
class SiteRow:
    code: str
    name: str
    type_label: str
    city: str
    city_code: str
    score: float | None  # None: vetoed (不合格, not scored)
    grade: str  # 合格 / 不合格 / 无法判定
    passed: bool | None  # None: 无法判定
    vetoes: tuple[tuple[str, str], ...]  # (veto item name, reason)
    problems: tuple[str, ...]  # main problems, the why of 无法判定 first
    indicator_version: str
    provisional: tuple[str, ...] = ()


@dataclass(frozen=True)
class CitySummary:
    city: str
    city_code: str
    sites: int
    passed: int
    failed: int
    undetermined: int
    scored: int  # sites with a score (not vetoed)
    pass_rate: Fraction | None  # passed / (passed + failed); None when nothing is judged
    average: float | None  # over the scored sites; None when none has a score


@dataclass(frozen=True)
class ManualEntry:
    kind: str  # deduction / bonus
    code: str
    name: str
    points: float
    charged: float
    status: str
    note: str
    source: str


@dataclass(frozen=True)
class SheetData:
    identity: SiteIdentity
    period: str  # a period code (2026Q4) or a label such as 监测时间点 2026-12-31
    result: Mapping[str, Any]  # inspection.scoring.to_dict output
    manual: tuple[ManualEntry, ...]
    history: tuple[tuple[str, float | None, str], ...]  # (period code, score, grade), oldest first

    @property
    def indicator_version(self) -> str:
        return str(self.result["indicator_version"])

    @property
    def provisional(self) -> tuple[str, ...]:
        return tuple(self.result.get("provisional", ()))


REQUIRED = ("indicator_version", "as_of", "vetoes", "score", "grade", "passed", "indicators", "bonus",
            "undetermined", "new_media")


def _check(result: Mapping[str, Any]) -> None:
    for key in REQUIRED:
        if key not in result:
            raise ReportDataError(T.BAD_RESULT.format(key=key))


def fmt_number(x: float | None) -> str:
    """A figure as printed: up to two decimals, no trailing zeros; — for none."""
    return T.NOT_AVAILABLE if x is None else f"{round(float(x), 2):g}"


def main_problems(result: Mapping[str, Any], limit: int = 3) -> tuple[str, ...]:
    """The why of 无法判定, then the largest charged deductions (at most ``limit``), then vetoed new-media
    accounts; vetoes have their own column."""
    out: list[str] = []
    if result["passed"] is None and result["undetermined"]:
        out.append(T.UNDETERMINED_WHY.format(reasons="；".join(u["reason"] for u in result["undetermined"])))
    lines = [(ln["charged"] or 0, ind["name"], ln["note"]) for ind in result["indicators"] for ln in ind["lines"]
             if (ln["charged"] or 0) > 0]
    lines.sort(key=lambda t: -t[0])  # stable: equal charges keep the table's order
    out += [T.PROBLEM_LINE.format(name=name, note=note, charged=fmt_number(c)) for c, name, note in lines[:limit]]
    for m in result["new_media"]:
        for v in m.get("vetoes", ()):
            out.append(T.PROBLEM_MEDIA.format(platform=m.get("platform_name", m["platform"]), reason=v["reason"]))
    return tuple(out)


def site_row(identity: SiteIdentity, result: Mapping[str, Any], limit: int = 3) -> SiteRow:
    """One line of the 检查情况通报 for a site and its ``to_dict`` result."""
    _check(result)
    vetoes = tuple((v.get("name", v["item"]), v["reason"]) for v in result["vetoes"])
    score = None if vetoes else result["score"]  # a vetoed site has no score, whatever the input says
    return SiteRow(identity.code, identity.name, identity.type_label, identity.city, identity.city_code,
                   score, result["grade"], False if vetoes else result["passed"], vetoes,
                   main_problems(result, limit), str(result["indicator_version"]),
                   tuple(result.get("provisional", ())))


def _city_key(code: str, city: str) -> tuple[int, str, str]:
    return (0, code, city) if code else (1, city, "")


def sort_rows(rows: Iterable[SiteRow]) -> list[SiteRow]:
    """By city (division code, then name); within a city the order the 运营中心 wall ranks in: judged sites with
    a score, highest first; then 无法判定 (by score where there is one); then vetoed sites (no score); ties by
    site code."""
    return sorted(rows, key=lambda r: (_city_key(r.city_code, r.city), _standing(r), -(r.score or 0), r.code))


def _standing(r: SiteRow) -> int:
    """0 judged with a score, 1 无法判定, 2 vetoed (不合格, no score)."""
    if r.passed is None:
        return 1
    return 0 if r.score is not None else 2


def _summary(city: str, code: str, rows: Sequence[SiteRow]) -> CitySummary:
    passed = sum(1 for r in rows if r.passed is True)
    failed = sum(1 for r in rows if r.passed is False)
    scores = [r.score for r in rows if r.score is not None]
    judged = passed + failed
    return CitySummary(city, code, len(rows), passed, failed, len(rows) - judged, len(scores),
                       Fraction(passed, judged) if judged else None,
                       round(sum(scores) / len(scores), 2) if scores else None)


def summarize(rows: Iterable[SiteRow]) -> tuple[list[CitySummary], CitySummary]:
    """Per city (in :func:`sort_rows` order) and the total (city 合计)."""
    ordered = sort_rows(rows)
    cities: dict[tuple[int, str, str], list[SiteRow]] = {}
    for r in ordered:
        cities.setdefault(_city_key(r.city_code, r.city), []).append(r)
    per_city = [_summary(rs[0].city, rs[0].city_code, rs) for rs in cities.values()]
    return per_city, _summary(T.SUMMARY_TOTAL, "", ordered)


def manual_entries(result: Mapping[str, Any]) -> tuple[ManualEntry, ...]:
    """The inspector's entries of the result: deduction and bonus lines whose rule is ``manual``."""
    out = [ManualEntry("deduction", ind["code"], ind["name"], ln["points"], ln["charged"], ln["status"], ln["note"],
                       ln["source"])
           for ind in result["indicators"] for ln in ind["lines"] if ln["rule"] == "manual"]
    out += [ManualEntry("bonus", ln["code"], ln.get("name", ln["code"]), ln["points"], ln["charged"], ln["status"],
                        ln["note"], ln["source"]) for ln in result["bonus"] if ln["rule"] == "manual"]
    out.sort(key=lambda e: (e.kind != "deduction", _index(e.source)))
    return tuple(out)


def _index(source: str) -> int:
    try:
        return int(source[source.index("[") + 1:source.index("]")])
    except ValueError:
        return 0


def sheet_data(identity: SiteIdentity, result: Mapping[str, Any], period: str | None = None,
               history: Iterable[tuple[str, float | None, str]] = ()) -> SheetData:
    """One site's score sheet; ``period`` defaults to the result's reference date."""
    _check(result)
    label = period or T.PERIOD_AS_OF.format(as_of=result["as_of"])
    return SheetData(identity, label, result, manual_entries(result), tuple(history))


def line_status(line: Mapping[str, Any]) -> str:
    """A deduction or bonus line's status in Chinese."""
    return T.LINE_STATUS.get(line["status"], line["status"]).format(other=line.get("duplicate_of", ""))


def bonus_status(result: Mapping[str, Any]) -> str:
    status = result.get("bonus_status", "")
    return T.BONUS_STATUS.get(status, status).format(part=fmt_number(result.get("deduction_part")))
