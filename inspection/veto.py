"""Per-site veto verdict (单项否决, spec §2) from a site's open findings; pure, time passed in.

Each veto item is ``breached`` (the veto holds), ``at_risk`` (early-warning findings with deadlines
would make it hold, or a warning ratio is reached), ``ok``, or ``unknown`` (the checks that judge it
have not run successfully, or no check exists yet). ``days_to_breach`` comes from the deadlines the
checks put on their early-warning findings.

Column counting (栏目不更新): (a) ``column_stale`` of news columns plus first-level notice/policy
columns, ≥ ``stale_columns``; (b) every ``column_stale`` column ("should be updated but long is
not"), ≥ ``long_stale_columns``; (c) ``column_blank``, ≥ ``blank_columns``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from inspection.base import Severity
from inspection.rules import VetoRules
from inspection.text import VETO_ITEM

BREACHED, AT_RISK, OK, UNKNOWN = "breached", "at_risk", "ok", "unknown"
SERIOUS_KINDS = {"content_errors": {"wrong_name", "wrong_formulation", "banned_word"},
                 "defacement": {"fingerprint_drift", "external_script", "hidden_link"}}
A_KINDS = ("news", "notice", "policy")


class VetoFinding(Protocol):
    """What the verdict reads of a finding (FindingView and FindingDraft both fit)."""

    check: str
    kind: str
    location: str
    severity: Any
    deadline: date | None
    veto: bool
    evidence: Mapping[str, Any]


@dataclass(frozen=True)
class VetoItem:
    item_code: str
    label_zh: str
    status: str
    count: int
    threshold: float | None
    days_to_breach: int | None = None
    deadline: date | None = None
    evidence: tuple[str, ...] = ()  # locations of the findings that count


@dataclass(frozen=True)
class SiteVerdict:
    site_code: str
    items: tuple[VetoItem, ...]
    city_code: str = ""

    @property
    def vetoed(self) -> bool:
        """A veto item holds: the site fails the inspection."""
        return any(i.status == BREACHED for i in self.items)

    @property
    def veto_risk(self) -> bool:
        """A veto item holds or is close to holding."""
        return any(i.status in (BREACHED, AT_RISK) for i in self.items)

    @property
    def nearest_item(self) -> VetoItem | None:
        """The at-risk item with the nearest deadline."""
        dated = [i for i in self.items if i.status == AT_RISK and i.deadline is not None]
        return min(dated, key=lambda i: (i.deadline, i.item_code)) if dated else None

    @property
    def nearest_deadline(self) -> date | None:
        item = self.nearest_item
        return item.deadline if item else None


def _item(code: str, status: str, count: int, threshold: float | None, found: Sequence[VetoFinding] = (),
          deadline: date | None = None, as_of: date | None = None) -> VetoItem:
    days = None if deadline is None or as_of is None else max(0, (deadline - as_of).days)
    return VetoItem(code, VETO_ITEM[code], status, count, threshold, days, deadline,
                    tuple(sorted({f.location for f in found})))


def _counted(code: str, current: Sequence[VetoFinding], due: Sequence[VetoFinding], threshold: int,
             as_of: date) -> VetoItem:
    """A count item: breached at ``threshold``; at risk when due findings would reach it (deadline = when)."""
    if len(current) >= threshold:
        return _item(code, BREACHED, len(current), threshold, current)
    need = threshold - len(current)
    dated = sorted((f for f in due if f.deadline is not None), key=lambda f: f.deadline)  # type: ignore[arg-type,return-value]
    if len(dated) >= need:
        return _item(code, AT_RISK, len(current), threshold, [*current, *dated[:need]], dated[need - 1].deadline,
                     as_of)
    return _item(code, OK, len(current), threshold, current)


def _column_kind(f: VetoFinding) -> str:
    return str(f.evidence.get("kind", "")) if f.evidence else ""


def _in_a(f: VetoFinding) -> bool:
    kind = _column_kind(f)
    first_level = f.evidence.get("first_level", True) if f.evidence else True
    return kind == "news" or (kind in ("notice", "policy") and bool(first_level))


def judge_site(site_code: str, findings: Iterable[VetoFinding], rules: VetoRules, as_of: date, *,
               city_code: str = "", judged_checks: Collection[str] | None = None) -> SiteVerdict:
    """The site's veto items from its open findings as of the date ``as_of``.

    ``judged_checks``: checks with a successful run; an item none of whose checks is in it is
    ``unknown``. None means every check counts as judged.
    """
    fs = list(findings)

    def of(check: str, *kinds: str) -> list[VetoFinding]:
        return [f for f in fs if f.check == check and f.kind in kinds]

    def judged(*checks: str) -> bool:
        return judged_checks is None or any(c in judged_checks for c in checks)

    items: list[VetoItem] = []
    # 站点无法访问
    probe = of("availability", "probe_failures")
    hard = [f for f in probe if f.veto or float(f.evidence.get("ratio", 0)) >= rules.unreachable_ratio]
    failed = sum(int(f.evidence.get("failed", 0)) for f in probe)
    if hard:
        items.append(_item("unreachable", BREACHED, failed, rules.unreachable_ratio, hard))
    elif probe:
        items.append(_item("unreachable", AT_RISK, failed, rules.unreachable_ratio, probe))
    else:
        items.append(_item("unreachable", OK if judged("availability") else UNKNOWN, 0, rules.unreachable_ratio))
    # 首页不更新
    stale, due = of("homepage_update", "homepage_stale"), of("homepage_update", "homepage_due")
    if not judged("homepage_update") and not stale and not due:
        items.append(_item("homepage_stale", UNKNOWN, 0, rules.homepage_days))
    else:
        items.append(_counted("homepage_stale", stale, due, 1, as_of))
    # 栏目不更新 (a) (b) (c)
    col_stale, col_due = of("column_freshness", "column_stale"), of("column_freshness", "column_due")
    col_blank = of("column_freshness", "column_blank")
    if judged("column_freshness") or col_stale or col_blank or col_due:
        items.append(_counted("columns_stale", [f for f in col_stale if _in_a(f)],
                              [f for f in col_due if _in_a(f)], rules.stale_columns, as_of))
        items.append(_counted("columns_long_stale", col_stale, col_due, rules.long_stale_columns, as_of))
        items.append(_counted("columns_blank", col_blank, [], rules.blank_columns, as_of))
    else:
        items += [_item(c, UNKNOWN, 0, t) for c, t in (("columns_stale", rules.stale_columns),
                                                       ("columns_long_stale", rules.long_stale_columns),
                                                       ("columns_blank", rules.blank_columns))]
    # 严重错误 / 安全、泄密: a veto-flagged or critical finding of these kinds holds on its own
    serious = [f for check, kinds in SERIOUS_KINDS.items() for f in of(check, *kinds)
               if f.veto or Severity(f.severity) is Severity.CRITICAL]
    if serious:
        items.append(_item("serious_errors", BREACHED, len(serious), 1, serious))
    else:
        items.append(_item("serious_errors", OK if judged(*SERIOUS_KINDS) else UNKNOWN, 0, 1))
    # 互动回应差
    bad, due = of("interaction", "no_channel", "message_unanswered"), of("interaction", "message_due")
    if not judged("interaction") and not bad and not due:
        items.append(_item("poor_interaction", UNKNOWN, 0, rules.unanswered_days))
    else:
        item = _counted("poor_interaction", bad, due, 1, as_of)
        items.append(VetoItem(item.item_code, item.label_zh, item.status, item.count, rules.unanswered_days,
                              item.days_to_breach, item.deadline, item.evidence))
    # 服务不实用: no check judges it yet
    items.append(_item("services", UNKNOWN, 0, None))
    return SiteVerdict(site_code=site_code, items=tuple(items), city_code=city_code)


@dataclass(frozen=True)
class CitySummary:
    city_code: str
    sites: int
    vetoed: int  # sites with a veto item holding
    at_risk: int  # sites with an item close to holding (and none holding)
    nearest_deadline: date | None
    nearest_site: str | None


def city_summary(verdicts: Iterable[SiteVerdict]) -> list[CitySummary]:
    """Per city (``SiteVerdict.city_code``): site counts and the nearest deadline, by city code."""
    by_city: dict[str, list[SiteVerdict]] = {}
    for v in verdicts:
        by_city.setdefault(v.city_code, []).append(v)
    out = []
    for city, vs in sorted(by_city.items()):
        dated = [v for v in vs if v.nearest_deadline is not None]
        nearest = min(dated, key=lambda v: (v.nearest_deadline, v.site_code)) if dated else None
        out.append(CitySummary(city_code=city, sites=len(vs), vetoed=sum(v.vetoed for v in vs),
                               at_risk=sum(v.veto_risk and not v.vetoed for v in vs),
                               nearest_deadline=nearest.nearest_deadline if nearest else None,
                               nearest_site=nearest.site_code if nearest else None))
    return out


def closest_to_breach(verdicts: Iterable[SiteVerdict], n: int = 10) -> list[SiteVerdict]:
    """At-risk sites (not yet vetoed) with a deadline, nearest first: the overview's "closest to a breach"."""
    dated = [v for v in verdicts if not v.vetoed and v.nearest_deadline is not None]
    return sorted(dated, key=lambda v: (v.nearest_deadline, v.site_code))[:n]
