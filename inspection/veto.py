"""Per-site veto verdict (单项否决, spec §2) from a site's open findings; pure, time passed in.

Each veto item is ``breached`` (the veto holds), ``at_risk`` (early-warning findings with deadlines
would make it hold, or a warning ratio is reached), ``ok``, ``insufficient`` (the item looks back over
a window of collected data and the rule's minimum is not met yet: no verdict, neither vetoed nor
fine), or ``unknown`` (the checks that judge it have not run successfully, or no check exists yet).
Which checks judge an item, and through which finding kinds, is what the checks declare
(``veto = (VetoFeed(item, holds=…, due=…, coverage=…),)`` on the check class); this module names no check.
``days_to_breach`` comes from the deadlines the checks put on their early-warning findings.

Data sufficiency (:class:`Sufficiency`, ``have``/``need`` in a ``unit``): only 站点无法访问 is judged
from a window of our own measurements (a week of probes, at least ``probes_per_day`` a day), so only
it carries one; an item is ``breached`` only when its data suffices. The other look-back items
(homepage 2 weeks, columns 6 months, interaction 1 year) are judged from the dates printed on the
pages themselves, so one successful crawl sees the whole window: their ``sufficiency`` is None, and
before that crawl they are ``unknown``.

Column counting (栏目不更新): (a) ``column_stale`` of news columns plus first-level notice/policy
columns, ≥ ``stale_columns``; (b) every ``column_stale`` column ("should be updated but long is
not"), ≥ ``long_stale_columns``; (c) ``column_blank``, ≥ ``blank_columns``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from core.i18n.inspection import VETO_ITEM
from inspection.base import Severity, VetoFeed
from inspection.rules import VetoRules

BREACHED, AT_RISK, OK, INSUFFICIENT, UNKNOWN = "breached", "at_risk", "ok", "insufficient", "unknown"
STATUSES = (BREACHED, AT_RISK, INSUFFICIENT, OK, UNKNOWN)  # worst first
A_KINDS = ("news", "notice", "policy")
# The items judged below from what checks declare (VetoFeed.item).
JUDGED_ITEMS = ("unreachable", "homepage_stale", "columns_stale", "columns_long_stale", "columns_blank",
                "serious_errors", "poor_interaction", "services")


class VetoFinding(Protocol):
    """What the verdict reads of a finding (FindingView and FindingDraft both fit). Read-only members, so a
    frozen dataclass fits."""

    @property
    def check(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def severity(self) -> Any: ...
    @property
    def deadline(self) -> date | None: ...
    @property
    def veto(self) -> bool: ...
    @property
    def evidence(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Sufficiency:
    """How much of its look-back window an item has: ``have`` of the ``need`` the rule asks for, in
    ``unit`` (``probes``: probes that count toward the minimum, at most ``probes_per_day`` a day)."""

    have: int
    need: int
    unit: str

    @property
    def enough(self) -> bool:
        return self.have >= self.need


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
    sufficiency: Sufficiency | None = None  # None: not judged from a window of collected data


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
    def insufficient(self) -> bool:
        """Some item cannot be judged yet for want of data (whatever the other items say)."""
        return any(i.status == INSUFFICIENT for i in self.items)

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
          deadline: date | None = None, as_of: date | None = None,
          sufficiency: Sufficiency | None = None) -> VetoItem:
    days = None if deadline is None or as_of is None else max(0, (deadline - as_of).days)
    return VetoItem(code, VETO_ITEM[code], status, count, threshold, days, deadline,
                    tuple(sorted({f.location for f in found})), sufficiency)


def probe_sufficiency(findings: Sequence[VetoFinding], rules: VetoRules) -> Sufficiency:
    """The availability window's coverage from the availability findings (``probe_coverage`` is open
    exactly while some day of the window has fewer than ``probes_per_day`` probes).

    Findings carrying ``probes_counted``/``probes_needed`` say it outright; an older coverage finding
    lists its short days; without a coverage finding the window is covered.
    """
    for f in findings:
        ev = f.evidence or {}
        if "probes_counted" in ev and "probes_needed" in ev:
            return Sufficiency(int(ev["probes_counted"]), int(ev["probes_needed"]), "probes")
    for f in findings:
        if f.kind == "probe_coverage":
            ev = f.evidence or {}
            per_day = int(ev.get("probes_per_day", rules.probes_per_day))
            need = per_day * int(ev.get("window_days", rules.window_days))
            short = sum(max(0, per_day - int(d.get("probes", 0))) for d in ev.get("short_days") or ())
            return Sufficiency(max(0, need - short), need, "probes")
    need = rules.window_days * rules.probes_per_day
    return Sufficiency(need, need, "probes")


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


def _services(found: Sequence[VetoFinding], rules: VetoRules, judged: bool) -> VetoItem:
    """服务不实用 from its findings: ≥ ``incomplete_guides`` incomplete guides, ≥ ``broken_online_services``
    broken systems, or a service column without guides holds it. ``count`` is the incomplete guides."""
    guides = [f for f in found if f.kind == "guide_incomplete"]
    broken = [f for f in found if f.kind == "online_service_broken"]
    empty = [f for f in found if f.kind == "no_service_guides"]
    holding = ((guides if len(guides) >= rules.incomplete_guides else [])
               + (broken if len(broken) >= rules.broken_online_services else []) + empty)
    if holding:
        return _item("services", BREACHED, len(guides), rules.incomplete_guides, holding)
    if not judged and not found:
        return _item("services", UNKNOWN, 0, rules.incomplete_guides)
    return _item("services", OK, len(guides), rules.incomplete_guides, found)


Feeds = Mapping[str, Sequence[tuple[str, VetoFeed]]]


def judge_site(site_code: str, findings: Iterable[VetoFinding], rules: VetoRules, as_of: date, *,
               city_code: str = "", judged_checks: Collection[str] | None = None,
               feeds: Feeds | None = None) -> SiteVerdict:
    """The site's veto items from its open findings as of the date ``as_of``.

    ``feeds``: veto item → the (check, :class:`VetoFeed`) pairs that feed it; default what the registered
    checks declare (:func:`inspection.catalog.veto_feeds`). No check names are written here: a finding
    counts for an item when its (check, kind) is declared for it. ``judged_checks``: checks with a
    successful run; an item none of whose checks is in it is ``unknown``. None means every check counts
    as judged. An item no check feeds is ``unknown``.
    """
    fs = list(findings)
    if feeds is None:
        from inspection.catalog import veto_feeds

        feeds = veto_feeds()
    fed = feeds

    def of(item: str, role: str) -> list[VetoFinding]:
        pairs = {(check, kind) for check, feed in fed.get(item, ()) for kind in getattr(feed, role)}
        return [f for f in fs if (f.check, f.kind) in pairs]

    def judged(item: str) -> bool:
        checks = {check for check, _ in fed.get(item, ())}
        return bool(checks) and (judged_checks is None or any(c in judged_checks for c in checks))

    items: list[VetoItem] = []
    # 站点无法访问: no verdict before a week of probes, at least probes_per_day a day
    probe, coverage = of("unreachable", "holds"), of("unreachable", "coverage")
    failed = sum(int(f.evidence.get("failed", 0)) for f in probe)
    if not probe and not coverage and not judged("unreachable"):
        items.append(_item("unreachable", UNKNOWN, 0, rules.unreachable_ratio))
    else:
        suff = probe_sufficiency([*coverage, *probe], rules)
        hard = [f for f in probe if f.veto or float(f.evidence.get("ratio", 0)) >= rules.unreachable_ratio]
        status = (INSUFFICIENT if not suff.enough else BREACHED if hard else AT_RISK if probe else OK)
        items.append(_item("unreachable", status, failed, rules.unreachable_ratio, hard or probe,
                           sufficiency=suff))
    # 首页不更新
    stale, due = of("homepage_stale", "holds"), of("homepage_stale", "due")
    if not judged("homepage_stale") and not stale and not due:
        items.append(_item("homepage_stale", UNKNOWN, 0, rules.homepage_days))
    else:
        items.append(_counted("homepage_stale", stale, due, 1, as_of))
    # 栏目不更新 (a) (b) (c): judged together, from one crawl of the columns
    columns = ("columns_stale", "columns_long_stale", "columns_blank")
    a_stale, a_due = of("columns_stale", "holds"), of("columns_stale", "due")
    b_stale, b_due = of("columns_long_stale", "holds"), of("columns_long_stale", "due")
    c_blank = of("columns_blank", "holds")
    if any(judged(c) for c in columns) or a_stale or b_stale or c_blank or a_due or b_due:
        items.append(_counted("columns_stale", [f for f in a_stale if _in_a(f)], [f for f in a_due if _in_a(f)],
                              rules.stale_columns, as_of))
        items.append(_counted("columns_long_stale", b_stale, b_due, rules.long_stale_columns, as_of))
        items.append(_counted("columns_blank", c_blank, of("columns_blank", "due"), rules.blank_columns, as_of))
    else:
        items += [_item(c, UNKNOWN, 0, t) for c, t in (("columns_stale", rules.stale_columns),
                                                       ("columns_long_stale", rules.long_stale_columns),
                                                       ("columns_blank", rules.blank_columns))]
    # 严重错误 / 安全、泄密: a veto-flagged or critical finding of these kinds holds on its own
    serious = [f for f in of("serious_errors", "holds") if f.veto or Severity(f.severity) is Severity.CRITICAL]
    if serious:
        items.append(_item("serious_errors", BREACHED, len(serious), 1, serious))
    else:
        items.append(_item("serious_errors", OK if judged("serious_errors") else UNKNOWN, 0, 1))
    # 互动回应差
    bad, due = of("poor_interaction", "holds"), of("poor_interaction", "due")
    if not judged("poor_interaction") and not bad and not due:
        items.append(_item("poor_interaction", UNKNOWN, 0, rules.unanswered_days))
    else:
        item = _counted("poor_interaction", bad, due, 1, as_of)
        items.append(VetoItem(item.item_code, item.label_zh, item.status, item.count, rules.unanswered_days,
                              item.days_to_breach, item.deadline, item.evidence))
    # 服务不实用: incomplete guides, online systems that do not work, or an empty service column
    items.append(_services(of("services", "holds"), rules, judged("services")))
    return SiteVerdict(site_code=site_code, items=tuple(items), city_code=city_code)


@dataclass(frozen=True)
class CitySummary:
    city_code: str
    sites: int
    vetoed: int  # sites with a veto item holding
    at_risk: int  # sites with an item close to holding (and none holding)
    nearest_deadline: date | None
    nearest_site: str | None
    insufficient: int = 0  # sites neither vetoed nor at risk with an item still short of data


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
                               nearest_site=nearest.site_code if nearest else None,
                               insufficient=sum(v.insufficient and not v.veto_risk for v in vs)))
    return out


def closest_to_breach(verdicts: Iterable[SiteVerdict], n: int = 10) -> list[SiteVerdict]:
    """At-risk sites (not yet vetoed) with a deadline, nearest first: the overview's "closest to a breach".

    An item short of data is never at risk or breached, so a site whose only concern is missing data
    is not listed."""
    dated = [v for v in verdicts if not v.vetoed and v.nearest_deadline is not None]
    return sorted(dated, key=lambda v: (v.nearest_deadline, v.site_code))[:n]
