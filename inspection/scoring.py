"""A website's score against the national indicators (spec §1, §3, §4, §5): facts → result, pure.

:func:`score` takes validated :class:`~inspection.facts.Facts`, the indicator table, the veto thresholds
(:class:`~inspection.rules.VetoRules`), the new-media rule values and the reference date, and returns a
:class:`ScoreResult` in which every number names its source (a facts key path such as ``columns[3]``, or
``deductions[0]`` for a manual entry):

1. Veto items (inspection/factveto.py): any holds → 不合格 and nothing else is scored (score None).
2. Deductions: automatic ones judged from the facts (policy column stale, service statistics stale, message
   replies stale, dead links), then the manual entries; inside one indicator never more than its points;
   a problem (``problem`` key) charged once across indicators when ``dedup_problems``. A department
   without external services: services indicators not assessed, deduction part out of ``department_max``,
   scaled by ``full_score / department_max`` (4/3).
3. Bonus: portals only, only when the (scaled) deduction part is strictly above ``bonus_above``; each item
   capped at its points, the total at ``bonus_max``.
4. Grade: 不合格 on a veto or a deduction part below ``pass_score``; otherwise 无法判定 (``passed`` None)
   while a veto item is ``insufficient``/``unknown``, else 合格.
5. New-media accounts: newmedia/rules.py's veto rules, each account with its own ``passed``.

Numbers are exact fractions (0.1-point deductions add up exactly; 80 is never 80.0000001); the JSON form
rounds them to two decimals. Manual entries that do not fit the table raise :class:`FactsError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from core.i18n import media as M
from core.i18n import scoring as T
from core.i18n.common import PLATFORM
from inspection.facts import CHINA, Facts, FactsError
from inspection.factveto import BREACHED, INSUFFICIENT, UNKNOWN, VetoCheck, judge
from inspection.indicators import SURVEY_BONUS, IndicatorTable
from inspection.rules import VetoRules
from newmedia.rules import VETO, MediaRules, Observed, evaluate

ZERO = Fraction(0)


@dataclass(frozen=True)
class Line:
    """One deduction or bonus entry; ``charged`` is what counts after caps and the one-penalty rule."""

    code: str  # the indicator (deduction) or the bonus item
    rule: str  # the [[deduction]] code, or "manual"
    points: Fraction
    charged: Fraction
    status: str  # charged, capped, duplicate, not_assessed, not_applicable
    note: str
    source: str
    problem: str = ""
    duplicate_of: str = ""


@dataclass(frozen=True)
class IndicatorScore:
    code: str
    group: str
    name: str
    points: Fraction
    assessed: bool
    deducted: Fraction
    lines: tuple[Line, ...]
    provisional: bool


@dataclass(frozen=True)
class MediaScore:
    index: int
    platform: str
    passed: bool
    vetoes: tuple[tuple[str, str], ...]  # (rule, reason)
    not_judged: tuple[str, ...]
    warnings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ScoreResult:
    as_of: date
    indicator_version: str
    site_type: str
    external_services: bool
    veto_items: tuple[VetoCheck, ...]
    indicators: tuple[IndicatorScore, ...]
    deduction_max: Fraction
    scale: Fraction
    deduction_total: Fraction | None
    deduction_part: Fraction | None  # scaled: the score before bonus
    bonus_status: str
    bonus_lines: tuple[Line, ...]
    bonus_total: Fraction | None
    score: Fraction | None
    grade: str  # pass, fail, undetermined
    new_media: tuple[MediaScore, ...]
    provisional: tuple[str, ...]
    veto_values: dict[str, Any] = field(default_factory=dict)

    @property
    def vetoes(self) -> list[VetoCheck]:
        return [v for v in self.veto_items if v.status == BREACHED]

    @property
    def undetermined(self) -> list[VetoCheck]:
        return [v for v in self.veto_items if v.status in (INSUFFICIENT, UNKNOWN)]

    @property
    def passed(self) -> bool | None:
        return {"pass": True, "fail": False}.get(self.grade)


def _age(as_of: date, day: date | None) -> str:
    return T.NEVER if day is None else T.NEWEST.format(newest=day, age=(as_of - day).days)


def _stale(as_of: date, day: date | None, window: int) -> bool:
    return day is None or (as_of - day).days > window


def automatic_lines(facts: Facts, table: IndicatorTable, as_of: date) -> list[Line]:
    """Deductions judged from the facts, before caps (``charged`` = ``points``)."""
    out: list[Line] = []

    def add(code: str, note: str, source: str, problem: str, times: int = 1) -> None:
        rule = table.deduction(code)
        pts = rule.points * times
        out.append(Line(rule.indicator, code, pts, pts, "charged", note, source, problem))

    policy = table.deduction("policy_column_stale")
    for i, col in enumerate(facts.columns):
        if col.kind == "policy" and col.first_level and _stale(as_of, col.newest, policy.window_days or 0):
            add(policy.code, T.DEDUCTION_NOTE[policy.code].format(name=col.name, what=_age(as_of, col.newest),
                                                                  days=policy.window_days), f"columns[{i}]",
                f"column:{col.name}")
    stats = table.deduction("service_statistics_stale")
    if facts.service_statistics_known and _stale(as_of, facts.service_statistics_newest, stats.window_days or 0):
        add(stats.code, T.DEDUCTION_NOTE[stats.code].format(what=_age(as_of, facts.service_statistics_newest),
                                                            days=stats.window_days),
            "service_statistics_newest", "service_statistics")
    replies = table.deduction("message_replies_stale")
    if facts.messages:
        answered = [m.answered for m in facts.messages if m.answered is not None]
        newest = max(answered) if answered else None
        if _stale(as_of, newest, replies.window_days or 0):
            add(replies.code, T.DEDUCTION_NOTE[replies.code].format(what=_age(as_of, newest), days=replies.window_days),
                "messages", "message_replies")
    for i, fp in enumerate(facts.found):
        add(fp.rule, fp.note, f"found[{i}]", fp.problem)
    if facts.dead_links is not None:
        for code, n, key in (("dead_link_homepage", facts.dead_links[0], "homepage"),
                             ("dead_link_page", facts.dead_links[1], "other")):
            if n:
                add(code, T.DEDUCTION_NOTE[code].format(n=n), f"dead_links.{key}", f"dead_links:{key}", n)
    return out


def check_entries(facts: Facts, table: IndicatorTable) -> list[str]:
    """``path: problem`` lines for manual entries that do not fit the table (unknown indicator or bonus item,
    an indicator not assessed for this site)."""
    errors = []
    codes = {i.code: i for i in table.indicators}
    no_services = facts.site_type == "department" and not facts.external_services
    for n, d in enumerate(facts.deductions):
        ind = codes.get(d.indicator)
        if ind is None:
            errors.append(f"deductions[{n}].indicator：" + T.ENTRY_ERROR["unknown_indicator"].format(
                code=d.indicator, version=table.version))
        elif facts.site_type not in ind.sites:
            errors.append(f"deductions[{n}].indicator：" + T.ENTRY_ERROR["not_for_site"].format(
                name=ind.name, site=T.SITE_TYPE[facts.site_type]))
        elif ind.services and no_services:
            errors.append(f"deductions[{n}].indicator：" + T.ENTRY_ERROR["services_not_assessed"].format(name=ind.name))
    for n, b in enumerate(facts.bonus):
        if table.bonus_item(b.item) is None:
            errors.append(f"bonus[{n}].item：" + T.ENTRY_ERROR["unknown_bonus"].format(code=b.item,
                                                                                      version=table.version))
        elif facts.site_type != "portal":
            errors.append(f"bonus[{n}]：" + T.ENTRY_ERROR["bonus_not_portal"])
    return errors


def deductions(facts: Facts, table: IndicatorTable, as_of: date) -> tuple[IndicatorScore, ...]:
    """Every indicator with its lines after caps, not-assessed and one-penalty-per-problem."""
    no_services = facts.site_type == "department" and not facts.external_services
    lines = automatic_lines(facts, table, as_of)
    lines += [Line(d.indicator, "manual", d.points, d.points, "charged", d.note, f"deductions[{n}]", d.problem)
              for n, d in enumerate(facts.deductions)]
    by_code = {i.code: i for i in table.indicators}
    used: dict[str, Fraction] = {}
    charged_problems: dict[str, str] = {}
    settled: dict[str, list[Line]] = {i.code: [] for i in table.indicators}
    for line in lines:
        ind = by_code[line.code]
        assessed = facts.site_type in ind.sites and not (ind.services and no_services)
        if not assessed:
            status = "not_applicable" if facts.site_type not in ind.sites else "not_assessed"
            settled[ind.code].append(_with(line, ZERO, status))
            continue
        if table.dedup_problems and line.problem and line.problem in charged_problems:
            settled[ind.code].append(_with(line, ZERO, "duplicate", charged_problems[line.problem]))
            continue
        room = ind.points - used.get(ind.code, ZERO)
        charged = min(line.points, max(room, ZERO))
        used[ind.code] = used.get(ind.code, ZERO) + charged
        if line.problem:  # assessed here, even when the cap left nothing to charge
            charged_problems[line.problem] = ind.name
        settled[ind.code].append(_with(line, charged, "charged" if charged == line.points else "capped"))
    return tuple(IndicatorScore(i.code, i.group, i.name, i.points,
                                facts.site_type in i.sites and not (i.services and no_services),
                                used.get(i.code, ZERO), tuple(settled[i.code]), i.provisional)
                 for i in table.indicators)


def _with(line: Line, charged: Fraction, status: str, other: str = "") -> Line:
    return Line(line.code, line.rule, line.points, charged, status, line.note, line.source, line.problem, other)


def bonus(facts: Facts, table: IndicatorTable, rules: VetoRules, as_of: date) -> tuple[Line, ...]:
    """Bonus lines after each item's cap and the total's (``bonus_max``)."""
    raw: list[Line] = []
    survey = table.bonus_item(SURVEY_BONUS)
    if survey is not None and survey.min_activities is not None:
        since = as_of - timedelta(days=rules.lookback_days)
        for i, ch in enumerate(facts.channels):
            n = sum(1 for d in ch.activities if d >= since)
            if ch.kind == "survey" and n >= survey.min_activities:
                note = T.BONUS_NOTE[SURVEY_BONUS].format(days=rules.lookback_days, n=n, min=survey.min_activities)
                raw.append(Line(survey.code, SURVEY_BONUS, survey.points, survey.points, "charged", note,
                                f"consultation_channels[{i}].activities", f"bonus:{SURVEY_BONUS}"))
                break
    raw += [Line(b.item, "manual", b.points, b.points, "charged", b.note, f"bonus[{n}]")
            for n, b in enumerate(facts.bonus)]
    used: dict[str, Fraction] = {}
    total, out = ZERO, []
    for line in raw:
        item = table.bonus_item(line.code)
        cap = item.points if item is not None else ZERO
        charged = max(ZERO, min(line.points, cap - used.get(line.code, ZERO), table.bonus_max - total))
        used[line.code] = used.get(line.code, ZERO) + charged
        total += charged
        out.append(_with(line, charged, "charged" if charged == line.points else "capped"))
    return tuple(out)


def judge_media(facts: Facts, rules: MediaRules, table: IndicatorTable, as_of: date) -> tuple[MediaScore, ...]:
    """Each account by newmedia/rules.py (observed at the start of the reference day, Beijing time)."""
    seen = datetime.combine(as_of, time(), CHINA)
    out = []
    for i, acc in enumerate(facts.new_media):
        judged = acc.unanswered_known and table.judge_unanswered
        oldest = None if acc.unanswered_since is None else datetime.combine(acc.unanswered_since, time(), CHINA)
        obs = Observed(collected_at=seen, last_post_at=datetime.combine(acc.last_post, time(), CHINA),
                       interaction_open=acc.comments_open, interaction_at=seen,
                       unanswered=(0 if oldest is None else 1) if judged else None,
                       oldest_unanswered_at=oldest, messages_at=seen if judged else None)
        vetoes, warnings, not_judged = [], [], []
        for v in evaluate(obs, seen, rules):
            if v.status == VETO:
                vetoes.append((v.rule, _media_reason(v.rule, acc.last_post, acc.unanswered_since, as_of, rules,
                                                     v.detail)))
            elif v.status == "warning":
                warnings.append((v.rule, v.detail))
            elif v.rule == "unanswered" and not judged:
                not_judged.append(v.rule)
        out.append(MediaScore(i, acc.platform, not vetoes, tuple(vetoes), tuple(not_judged), tuple(warnings)))
    return tuple(out)


def _media_reason(rule: str, last: date, since: date | None, as_of: date, rules: MediaRules, detail: str) -> str:
    if rule == "no_update":
        return T.MEDIA_NO_UPDATE.format(last=last, days=(as_of - last).days, limit=rules.stale_days)
    if rule == "unanswered" and since is not None:
        return T.MEDIA_UNANSWERED.format(since=since, days=(as_of - since).days, limit=rules.unanswered_days)
    return detail


def score(facts: Facts, table: IndicatorTable, rules: VetoRules, as_of: date,
          media_rules: MediaRules | None = None, source: str = "facts",
          vetoes: tuple[VetoCheck, ...] | None = None) -> ScoreResult:
    """The site's result as of ``as_of``; raises :class:`FactsError` for manual entries the table refuses.

    ``vetoes``: the veto items already judged elsewhere (a period scored from the platform takes them from
    inspection/veto.py's verdict on the open findings); None judges them from the facts."""
    errors = check_entries(facts, table)
    if errors:
        raise FactsError(source, errors)
    if vetoes is None:
        vetoes = judge(facts, rules, table, as_of)
    media = judge_media(facts, media_rules or MediaRules(), table, as_of)
    no_services = facts.site_type == "department" and not facts.external_services
    most = table.department_max if no_services else table.full_score
    scale = table.full_score / most
    values = {"rules": {k: getattr(rules, k) for k in rules.__dataclass_fields__},
              "probe_seconds": float(table.probe_seconds), "effective_channels": list(table.effective_channels)}
    common: dict[str, Any] = {"as_of": as_of, "indicator_version": table.version, "site_type": facts.site_type,
              "external_services": facts.external_services, "veto_items": vetoes, "deduction_max": most,
              "scale": scale, "new_media": media, "provisional": tuple(table.provisional()), "veto_values": values}
    if any(v.status == BREACHED for v in vetoes):
        return ScoreResult(indicators=(), deduction_total=None, deduction_part=None, bonus_status="vetoed",
                           bonus_lines=(), bonus_total=None, score=None, grade="fail", **common)
    indicators = deductions(facts, table, as_of)
    total = sum((i.deducted for i in indicators), ZERO)
    part = (most - total) * scale
    lines: tuple[Line, ...] = ()
    if facts.site_type != "portal":
        status = "not_portal"
    elif part > table.bonus_above:
        status, lines = "scored", bonus(facts, table, rules, as_of)
    else:
        status = "not_above"
    extra = sum((ln.charged for ln in lines), ZERO)
    grade = ("fail" if part < table.pass_score
             else "undetermined" if any(v.status in (INSUFFICIENT, UNKNOWN) for v in vetoes) else "pass")
    return ScoreResult(indicators=indicators, deduction_total=total, deduction_part=part, bonus_status=status,
                       bonus_lines=lines, bonus_total=extra, score=part + extra, grade=grade, **common)


def number(x: Fraction | None) -> float | None:
    """A figure as shown: two decimals."""
    return None if x is None else round(float(x), 2)


def _line(ln: Line) -> dict[str, Any]:
    out = {"code": ln.code, "rule": ln.rule, "points": number(ln.points), "charged": number(ln.charged),
           "status": ln.status, "note": ln.note, "source": ln.source}
    if ln.problem:
        out["problem"] = ln.problem
    if ln.duplicate_of:
        out["duplicate_of"] = ln.duplicate_of
    return out


def to_dict(r: ScoreResult, table: IndicatorTable) -> dict[str, Any]:
    """The JSON form of ``score explain``."""
    groups = {g.code: g.name for g in table.groups}
    return {
        "as_of": r.as_of.isoformat(), "indicator_version": r.indicator_version,
        "site": {"type": r.site_type, "external_services": r.external_services},
        "vetoes": [{"item": v.item, "name": v.name, "reason": v.reason, "rule": v.rule, "evidence": list(v.evidence)}
                   for v in r.vetoes],
        "veto_items": [{"item": v.item, "name": v.name, "status": v.status, "reason": v.reason, "rule": v.rule,
                        "evidence": list(v.evidence), "figures": v.figures,
                        **({"have": v.have, "need": v.need} if v.have is not None else {})} for v in r.veto_items],
        "deduction_total": number(r.deduction_total), "deduction_max": number(r.deduction_max),
        "scale": number(r.scale), "deduction_part": number(r.deduction_part),
        "bonus_total": number(r.bonus_total), "bonus_status": r.bonus_status,
        "bonus": [_line(ln) | {"name": _bonus_name(table, ln.code)} for ln in r.bonus_lines],
        "score": number(r.score), "grade": T.GRADE[r.grade], "passed": r.passed,
        "undetermined": [{"item": v.item, "status": v.status, "reason": v.reason} for v in r.undetermined],
        "indicators": [{"code": i.code, "group": groups[i.group], "name": i.name, "points": number(i.points),
                        "assessed": i.assessed, "deducted": number(i.deducted), "provisional": i.provisional,
                        "lines": [_line(ln) for ln in i.lines]} for i in r.indicators],
        "new_media": [{"index": m.index, "platform": m.platform, "platform_name": PLATFORM.get(m.platform, m.platform),
                       "passed": m.passed, "vetoes": [{"rule": k, "name": M.RULE[k], "reason": why}
                                                      for k, why in m.vetoes],
                       "not_judged": list(m.not_judged)} for m in r.new_media],
        "veto_values": r.veto_values, "provisional": list(r.provisional),
    }


def _bonus_name(table: IndicatorTable, code: str) -> str:
    item = table.bonus_item(code)
    return item.name if item is not None else code

