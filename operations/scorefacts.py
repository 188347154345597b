"""A site's :class:`~inspection.facts.Facts` built from what the platform collected, for ``score run``. Pure.

:func:`build` takes the site's registry facts (:class:`SiteInput`), its findings (any object with the
:class:`~inspection.veto.VetoFinding` members plus ``id``, ``first_seen`` and ``resolved_at``), the
verification status of each (operations/verify_store.py ``decision_statuses``), its live manual entries
(``manual_facts``), its new-media accounts' latest states, and the reference date; it returns
:class:`PlatformFacts`: the ``Facts``, the veto items (inspection/veto.py's verdict, turned into the
:class:`~inspection.factveto.VetoCheck` the scoring reads) and a source map from each facts key path
(``found[3]``, ``columns[0]``, ``dead_links.other``, ``deductions[1]``, ``veto:services``) to the finding ids
(``finding:12``) or manual entry ids (``entry:4``) it rests on.

What counts:

- A finding counts when it was open on the reference date (first seen on or before it, not resolved by
  then) and no inspector dismissed it on its current evidence (a dismissal lapses when the evidence changes).
- Veto items: :func:`inspection.veto.judge_site` on the counted findings; ``judged_checks`` (checks with a
  successful run) tells ``unknown`` from ``ok``. ``at_risk`` is not a veto: it scores as ``ok`` with its reason.
- Deductions: a finding whose (check, kind) — and evidence, for rules with ``match`` — is bound to a
  ``[[deduction]]`` rule of the indicator table is one problem under that rule (``found``); dead links fill
  ``dead_links``; stale first-level policy columns fill ``columns`` (the table's ``policy_column_stale``).
- What the platform does not collect stays out (truth first): no probe list (the verdict judges 站点无法访问),
  no message list (留言答复公开 comes from the column check). A department's ``external_services`` is taken
  from its registered service columns; without any it is scored by the 4/3 rule, and the sources say so.
- New-media accounts with a known last post and interaction state become ``new_media``; the others are
  listed as not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any, Protocol

from core.i18n import scoring as T
from core.i18n.inspection import VETO_ITEM
from inspection.facts import CHINA, Column, Facts, FoundProblem, ManualBonus, ManualDeduction, MediaAccount, ProbeTotals
from inspection.factveto import VetoCheck
from inspection.indicators import DeductionRule, IndicatorTable
from inspection.rules import VetoRules
from inspection.veto import AT_RISK, BREACHED, Feeds, VetoItem, judge_site
from operations.decisions import DecisionStatus


class PlatformFinding(Protocol):
    """What the builder reads of a stored finding (db.models.Finding and inspection.findings.FindingView fit)."""

    @property
    def id(self) -> int: ...
    @property
    def check(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def location(self) -> str: ...
    @property
    def severity(self) -> Any: ...
    @property
    def detail(self) -> str: ...
    @property
    def deadline(self) -> date | None: ...
    @property
    def veto(self) -> bool: ...
    @property
    def evidence(self) -> Mapping[str, Any]: ...
    @property
    def first_seen(self) -> datetime: ...
    @property
    def resolved_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class SiteInput:
    """A site's registry row as scoring needs it. ``service_columns``: it registered a service guide or
    service statistics column (a department's external services)."""

    code: str
    portal: bool
    service_columns: bool
    city_code: str = ""


@dataclass(frozen=True)
class MediaInput:
    """One new-media account's newest collected state (None: not collected)."""

    account: str  # platform:account_id
    platform: str
    last_post: date | None
    comments_open: bool | None
    unanswered_since: date | None = None
    unanswered_known: bool = False
    finding_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class PlatformFacts:
    facts: Facts
    vetoes: tuple[VetoCheck, ...]
    sources: dict[str, list[str]]
    counted: tuple[int, ...]  # finding ids that count
    dismissed: tuple[int, ...]  # open on the reference date but dismissed by an inspector
    notes: tuple[str, ...] = field(default=())  # what was not judged, and assumptions made


def _day(t: datetime) -> date:
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(CHINA).date()


def open_on(f: PlatformFinding, as_of: date) -> bool:
    """Open on the reference day (Beijing dates): first seen by then and not resolved by then."""
    return _day(f.first_seen) <= as_of and (f.resolved_at is None or _day(f.resolved_at) > as_of)


def _rule_for(f: PlatformFinding, rules: Sequence[DeductionRule]) -> DeductionRule | None:
    ev = f.evidence or {}
    for r in rules:
        if r.finding == (f.check, f.kind) and all(str(ev.get(k, "")) == v for k, v in r.match):
            return r
    return None


def _veto_check(item: VetoItem, ids_at: Mapping[str, list[int]]) -> VetoCheck:
    status = "ok" if item.status == AT_RISK else item.status
    suff = item.sufficiency
    template = (T.PLATFORM_VETO_BREACHED.get(item.item_code, T.PLATFORM_VETO["breached"])
                if item.status == BREACHED and item.threshold is not None else T.PLATFORM_VETO[item.status])
    reason = template.format(
        name=VETO_ITEM[item.item_code], count=item.count, threshold=item.threshold, days=item.days_to_breach,
        have=suff.have if suff else 0, need=suff.need if suff else 0)
    evidence = tuple(f"finding:{i}" for loc in item.evidence for i in ids_at.get(loc, ()))
    return VetoCheck(item.item_code, status, reason, T.PLATFORM_VETO_RULE, evidence,
                     suff.have if suff else None, suff.need if suff else None, {"count": item.count})


def build(site: SiteInput, findings: Iterable[PlatformFinding], statuses: Mapping[int, DecisionStatus],
          manual: Mapping[str, Sequence[Mapping[str, Any]]], media: Sequence[MediaInput], table: IndicatorTable,
          rules: VetoRules, as_of: date, *, judged_checks: Iterable[str] | None = None,
          feeds: Feeds | None = None) -> PlatformFacts:
    """The site's facts, veto items and source map as of ``as_of`` (see the module docstring)."""
    open_now = [f for f in findings if open_on(f, as_of)]
    dismissed = [f for f in open_now if statuses.get(f.id) is DecisionStatus.DISMISSED]
    counted = sorted((f for f in open_now if statuses.get(f.id) is not DecisionStatus.DISMISSED),
                     key=lambda f: f.id)
    sources: dict[str, list[str]] = {}
    notes: list[str] = []
    # veto items from the verdict; a location may carry several findings (one per kind)
    verdict = judge_site(site.code, counted, rules, as_of, city_code=site.city_code,
                         judged_checks=None if judged_checks is None else set(judged_checks), feeds=feeds)
    ids_at: dict[str, list[int]] = {}
    for f in counted:
        ids_at.setdefault(f.location, []).append(f.id)
    vetoes = tuple(_veto_check(i, ids_at) for i in verdict.items)
    for v in vetoes:
        if v.evidence:
            sources[f"veto:{v.item}"] = list(v.evidence)
    # deductions from findings
    bound = table.finding_rules()
    found: list[FoundProblem] = []
    columns: list[Column] = []
    dead = {"homepage": [], "other": []}  # type: dict[str, list[int]]
    for f in counted:
        ev = f.evidence or {}
        rule = _rule_for(f, bound)
        if rule is not None:
            sources[f"found[{len(found)}]"] = [f"finding:{f.id}"]
            found.append(FoundProblem(rule.code, T.FOUND_NOTE.format(name=rule.name, detail=f.detail, id=f.id),
                                      f"finding:{f.id}"))
        elif f.check == "dead_links" and f.kind in ("dead_link_homepage", "dead_link_page"):
            dead["homepage" if f.kind == "dead_link_homepage" else "other"].append(f.id)
        elif (f.check, f.kind) == ("column_freshness", "column_stale") and ev.get("kind") == "policy":
            newest = ev.get("newest_date")
            sources[f"columns[{len(columns)}]"] = [f"finding:{f.id}"]
            columns.append(Column(str(ev.get("column") or f.location), "policy", bool(ev.get("first_level", True)),
                                  date.fromisoformat(newest) if isinstance(newest, str) else None))
    dead_links = None
    if dead["homepage"] or dead["other"]:
        dead_links = (len(dead["homepage"]), len(dead["other"]))
        for key, ids in dead.items():
            if ids:
                sources[f"dead_links.{key}"] = [f"finding:{i}" for i in ids]
    # manual entries (operations: manual_facts), each traced to its entry id
    deductions: list[ManualDeduction] = []
    bonus: list[ManualBonus] = []
    for n, d in enumerate(manual.get("deductions", ())):
        deductions.append(ManualDeduction(str(d["indicator"]), Fraction(str(d["points"])), str(d["note"])))
        sources[f"deductions[{n}]"] = [f"entry:{d['entry_id']}"]
    for n, b in enumerate(manual.get("bonus", ())):
        bonus.append(ManualBonus(str(b["item"]), Fraction(str(b["points"])), str(b["note"])))
        sources[f"bonus[{n}]"] = [f"entry:{b['entry_id']}"]
    accounts: list[MediaAccount] = []
    for m in media:
        if m.last_post is None or m.comments_open is None:
            notes.append(T.MEDIA_UNKNOWN.format(account=m.account))
            continue
        key = f"new_media[{len(accounts)}]"
        sources[key] = [f"account:{m.account}", *(f"media_finding:{i}" for i in m.finding_ids)]
        accounts.append(MediaAccount(m.platform, min(m.last_post, as_of), m.comments_open, m.unanswered_known,
                                     m.unanswered_since))
    services = site.portal or site.service_columns
    if not site.portal and not site.service_columns:
        notes.append(T.EXTERNAL_SERVICES_GUESS)
    facts = Facts(site_type="portal" if site.portal else "department", external_services=services,
                  probes=ProbeTotals(0, 0), homepage_newest_item=None, columns=tuple(columns), channels=(),
                  messages=(), new_media=tuple(accounts), deductions=tuple(deductions), bonus=tuple(bonus),
                  dead_links=dead_links, found=tuple(found))
    return PlatformFacts(facts, vetoes, sources, tuple(f.id for f in counted), tuple(f.id for f in dismissed),
                         tuple(notes))


def trace(result: dict[str, Any], sources: Mapping[str, list[str]]) -> dict[str, Any]:
    """The JSON result (inspection.scoring.to_dict) with each line's ``source`` (a facts key path) replaced by
    the ids it rests on (``finding:12``, ``entry:4``; several joined by ``,``), the key path kept as
    ``facts_key``. Returns a new dict."""
    def fix(line: dict[str, Any]) -> dict[str, Any]:
        key = line.get("source", "")
        ids = sources.get(key)
        return line | {"source": ",".join(ids), "facts_key": key} if ids else line

    out = dict(result)
    out["indicators"] = [i | {"lines": [fix(ln) for ln in i["lines"]]} for i in result.get("indicators", [])]
    out["bonus"] = [fix(ln) for ln in result.get("bonus", [])]
    return out
