"""The website veto items (spec §2) judged from a facts file: pure, the reference date passed in.

Same semantics as the checks and inspection/veto.py: a look-back of N days holds when more than N whole days
have passed (exactly 14 days since the homepage's newest item is fine, 15 a veto); the unreachable ratio is
inclusive (7 failed of 140 is 5 %, a veto; 6 of 140 is not); a probe over ``probe_seconds`` fails, exactly
``probe_seconds`` does not. Every item is ``breached``, ``ok``, ``insufficient`` (a window of probes short
of the rule's minimum: no verdict, with ``have``/``need``) or ``unknown`` (no fact shows it).

Probe sufficiency: a list of probes is bucketed by Beijing day over the ``window_days`` ending on the
reference date (probes outside it are ignored and counted); every day needs ``probes_per_day``. Totals
``{total, failed}`` cannot show days, so only the total is held against ``window_days × probes_per_day``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction

from core.i18n import scoring as T
from core.i18n.inspection import VETO_ITEM
from inspection.facts import CHINA, Column, Facts, ProbeTotals
from inspection.indicators import IndicatorTable
from inspection.rules import VetoRules

BREACHED, OK, INSUFFICIENT, UNKNOWN = "breached", "ok", "insufficient", "unknown"
A_KINDS = ("news", "notice", "policy")


@dataclass(frozen=True)
class VetoCheck:
    """One veto item's verdict: ``reason`` says why, ``rule`` the rule with its values, ``evidence`` the
    facts key paths it rests on."""

    item: str
    status: str
    reason: str
    rule: str
    evidence: tuple[str, ...] = ()
    have: int | None = None
    need: int | None = None
    figures: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return VETO_ITEM[self.item]


def _pct(x: Fraction) -> str:
    return f"{float(x) * 100:.2f}%"


def unreachable(facts: Facts, rules: VetoRules, table: IndicatorTable, as_of: date) -> VetoCheck:
    limit = Fraction(str(rules.unreachable_ratio))
    need = rules.window_days * rules.probes_per_day
    rule = T.VETO_RULE["unreachable"].format(days=rules.window_days, per_day=rules.probes_per_day,
                                             seconds=f"{float(table.probe_seconds):g}", pct=_pct(limit))
    if isinstance(facts.probes, ProbeTotals):
        total, failed, have, evidence = facts.probes.total, facts.probes.failed, min(facts.probes.total, need), "probes"
        figures: dict[str, float | int | str] = {"total": total, "failed": failed}
    else:
        first = as_of - timedelta(days=rules.window_days - 1)
        per_day = {first + timedelta(days=i): 0 for i in range(rules.window_days)}
        total = failed = slow = outside = 0
        for p in facts.probes:
            day = p.at.astimezone(CHINA).date()
            if day not in per_day:
                outside += 1
                continue
            per_day[day] += 1
            total += 1
            too_slow = p.seconds is not None and p.seconds > table.probe_seconds
            slow += too_slow
            failed += (not p.ok) or too_slow
        have = sum(min(n, rules.probes_per_day) for n in per_day.values())
        evidence = f"probes（{first} 至 {as_of}，窗口外 {outside} 条未计）"
        figures = {"total": total, "failed": failed, "slow": slow, "outside_window": outside,
                   "days_covered": sum(n >= rules.probes_per_day for n in per_day.values())}
    figures |= {"have": have, "need": need}
    if have < need:
        return VetoCheck("unreachable", INSUFFICIENT, T.VETO_REASON["insufficient"].format(have=have, need=need),
                         rule, (evidence,), have, need, figures)
    ratio = Fraction(failed, total)
    key = "unreachable" if ratio >= limit else "unreachable_ok"
    reason = T.VETO_REASON[key].format(days=rules.window_days, total=total, failed=failed, pct=_pct(ratio),
                                       limit=_pct(limit))
    return VetoCheck("unreachable", BREACHED if ratio >= limit else OK, reason, rule, (evidence,), have, need,
                     figures | {"ratio": float(ratio)})


def homepage(facts: Facts, rules: VetoRules, as_of: date) -> VetoCheck:
    rule = T.VETO_RULE["homepage_stale"].format(days=rules.homepage_days)
    newest = facts.homepage_newest_item
    if newest is None:
        if rules.undated_is_stale:
            return VetoCheck("homepage_stale", BREACHED, T.VETO_REASON["homepage_undated"], rule,
                             ("homepage_newest_item",))
        return VetoCheck("homepage_stale", UNKNOWN, T.VETO_REASON["homepage_unknown"], rule, ("homepage_newest_item",))
    age = (as_of - newest).days
    if age > rules.homepage_days:
        return VetoCheck("homepage_stale", BREACHED, T.VETO_REASON["homepage_stale"].format(
            newest=newest, age=age, days=rules.homepage_days), rule, ("homepage_newest_item",), figures={"age": age})
    return VetoCheck("homepage_stale", OK, T.VETO_REASON["homepage_ok"].format(newest=newest, age=age), rule,
                     ("homepage_newest_item",), figures={"age": age})


def column_window(col: Column, rules: VetoRules) -> int | None:
    """Days a column may go without an update (column_freshness's windows); None: not judged for staleness."""
    if col.kind == "news":
        return rules.news_days
    if col.kind in ("notice", "policy"):
        return rules.notice_policy_days if col.first_level else rules.long_stale_days
    if col.kind in ("personnel", "planning", "consultation"):
        return rules.long_stale_days
    return None


def in_group_a(col: Column) -> bool:
    """News columns, and notice/policy columns only when first-level."""
    return col.kind == "news" or (col.kind in ("notice", "policy") and col.first_level)


def columns(facts: Facts, rules: VetoRules, as_of: date) -> list[VetoCheck]:
    """(a) news + first-level notice/policy stale ≥ stale_columns; (b) every stale column ≥ long_stale_columns;
    (c) blank columns (any kind) ≥ blank_columns. A blank column counts only in (c)."""
    stale, blank = [], []
    for i, col in enumerate(facts.columns):
        if col.newest is None:
            blank.append((i, col))
            continue
        window = column_window(col, rules)
        if window is not None and (as_of - col.newest).days > window:
            stale.append((i, col))
    groups = (("columns_stale", [(i, c) for i, c in stale if in_group_a(c)], rules.stale_columns),
              ("columns_long_stale", stale, rules.long_stale_columns),
              ("columns_blank", blank, rules.blank_columns))
    out = []
    for item, found, limit in groups:
        rule = T.VETO_RULE[item].format(news=rules.news_days, notice=rules.notice_policy_days,
                                        long=rules.long_stale_days, n=limit)
        names = "、".join(f"“{c.name}”" for _, c in found) or T.NONE
        reason = T.VETO_REASON["columns"].format(n=len(found), names=names, limit=limit)
        out.append(VetoCheck(item, BREACHED if len(found) >= limit else OK, reason, rule,
                             tuple(f"columns[{i}]" for i, _ in found), figures={"count": len(found)}))
    return out


def interaction(facts: Facts, rules: VetoRules, table: IndicatorTable, as_of: date) -> VetoCheck:
    rule = T.VETO_RULE["poor_interaction"].format(lookback=rules.lookback_days, days=rules.unanswered_days)
    effective = [i for i, c in enumerate(facts.channels) if c.kind in table.effective_channels]
    if not effective:
        kinds = "、".join(c.kind for c in facts.channels) or T.NONE
        return VetoCheck("poor_interaction", BREACHED, T.VETO_REASON["no_channel"].format(kinds=kinds), rule,
                         ("consultation_channels",))
    since = as_of - timedelta(days=rules.lookback_days)
    year = [(i, m) for i, m in enumerate(facts.messages) if m.asked >= since]
    late = [(i, m) for i, m in year if m.answered is None and (as_of - m.asked).days > rules.unanswered_days]
    if late:
        oldest = min(m.asked for _, m in late)
        return VetoCheck("poor_interaction", BREACHED, T.VETO_REASON["unanswered"].format(
            n=len(late), days=rules.unanswered_days, oldest=oldest), rule, tuple(f"messages[{i}]" for i, _ in late),
            figures={"unanswered": len(late)})
    return VetoCheck("poor_interaction", OK, T.VETO_REASON["interaction_ok"].format(
        channels=len(effective), lookback=rules.lookback_days, messages=len(year), days=rules.unanswered_days), rule,
        tuple(f"consultation_channels[{i}]" for i in effective), figures={"messages_in_year": len(year)})


def manual(facts: Facts, item: str) -> VetoCheck:
    entries = [(i, e) for i, e in enumerate(facts.veto_entries) if e.item == item]
    if entries:
        notes = "；".join(e.note for _, e in entries)
        return VetoCheck(item, BREACHED, T.VETO_REASON["manual"].format(notes=notes), T.VETO_RULE[item],
                         tuple(f"veto_entries[{i}]" for i, _ in entries))
    return VetoCheck(item, OK, T.VETO_REASON["manual_none"], T.VETO_RULE[item])


def judge(facts: Facts, rules: VetoRules, table: IndicatorTable, as_of: date) -> tuple[VetoCheck, ...]:
    """Every veto item (``core.i18n.inspection.VETO_ITEM`` order) as of ``as_of``."""
    return (unreachable(facts, rules, table, as_of), homepage(facts, rules, as_of), *columns(facts, rules, as_of),
            manual(facts, "serious_errors"), interaction(facts, rules, table, as_of), manual(facts, "services"))
