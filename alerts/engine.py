"""The alert engine: one evaluation cycle = fetch, evaluate (pure), step the lifecycle (pure), store.

All state lives in the database (``alert``, ``alert_event``, ``audit_entry``), written in one
transaction per cycle, so a new engine continues exactly where a stopped one left off. State
changes are guarded by ``Alert.version``: when an operator changed the alert in between (e.g.
acknowledged it), the engine leaves it for the next cycle rather than overwrite that change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.coverage import SliceCounter
from alerts.evaluate import (
    COLLECTOR_HEALTH,
    COLLECTOR_INTERVAL,
    Details,
    Instance,
    details_of,
    evaluate_absence,
    evaluate_findings,
    evaluate_series,
    group_of,
)
from alerts.evaluate_forecast import evaluate_forecast
from alerts.federated import LINK_KIND, NODE_UNREACHABLE, evaluate_links, rule_view
from alerts.labels import LabelNames, label_names
from alerts.lifecycle import Action, Current, Decision, step
from alerts.rules import Rule, RuleSet, load_rule_files
from alerts.states import OPEN_STATES, AlertState
from alerts.summary import Timing, placeholders
from core.clock import Clock, SystemClock
from core.config import Config
from core.i18n.alerts import (
    ALERT_STATE,
    AUDIT_SEVERITY,
    AUDIT_STATE_CHANGE,
    AUDIT_STATE_NEW,
    REASON_REGROUPED,
    REASON_REMOVED,
)
from core.i18n.common import SEVERITY
from core.logging import get_logger
from core.severity import Severity
from db.models_alerts import Alert, AlertEvent
from db.timestamps import aware
from security import audit
from tsdb.facts import latest_values
from tsdb.store import MetricStore, Query

log = get_logger(__name__)
SYSTEM = audit.SYSTEM


@dataclass
class EvalReport:
    rules: int = 0
    instances: int = 0
    created: int = 0
    fired: int = 0
    resolved: int = 0
    duration_s: float = 0.0
    skipped: int = 0  # transitions left for the next cycle because an operator changed the alert
    errors: dict[str, str] = field(default_factory=dict)  # rule name -> why its data could not be fetched


def regrouped(labels: dict[str, Any], rule: Rule) -> bool:
    """Whether an alert carries a series label its rule no longer groups by (the rule's grouping changed)."""
    return bool(set(labels) - set(group_of(rule)) - set(rule.labels) - {"alertname"})


def _facts(inst: Instance) -> dict[str, Any]:
    """What the evaluation knew, kept with the alert so its text is rendered when shown (alerts.summary), and
    the rule's Chinese title (screens name the rule by it, also once the rule is gone)."""
    return {**inst.facts, "template": inst.partial_summary, "title": inst.rule.title}


MEDIA_CHECK = "new_media"  # newmedia.findings.CHECK: finding rules with this check read new-media findings
NOTICE_CHECK = "rectification"  # operations.notice_alerts.CHECK: ... the owed problems of overdue notices


def severity_change(alert: Alert, inst: Instance | None) -> Severity | None:
    """The severity a rule following its findings' severity (``facts["severity"]``) now gives the alert, when
    that verdict changed since the last evaluation; None otherwise. Compared with the last verdict, not with
    the alert's severity, so an operator's change stands until the findings change."""
    if inst is None or not inst.known or "severity" not in inst.facts:
        return None
    new = Severity(inst.facts["severity"])
    before = (alert.facts or {}).get("severity") or alert.rule_severity
    return None if Severity(before) is new else new


class AlertEngine:
    """Evaluates a :class:`RuleSet` against a metric store and the inspection findings."""

    def __init__(self, sessions: sessionmaker[Session], store: MetricStore, ruleset: RuleSet,
                 clock: Clock | None = None, config: Config | None = None) -> None:
        """``config``: a province's ``[node] federated_cities`` are left to their city nodes (alerts.federated):
        their series are not judged here, and the built-in rule 市级节点失联 judges their links instead."""
        self.sessions, self.store, self.clock = sessions, store, clock or SystemClock()
        self._ruleset = ruleset
        self.config = config
        self.federated: tuple[str, ...] = config.node.federated_cities if config is not None else ()
        if config is not None:
            self.store = rule_view(store, config)
        # The writers declare what a rule's detail_fields name (a probe's reason is a text fact, tsdb.catalogue):
        # every collector kind is imported first, as alerts.labels does for the kinds' names.
        from collectors.loader import load_kinds

        load_kinds()

    @property
    def ruleset(self) -> RuleSet:
        return self._ruleset

    def rules(self) -> tuple[Rule, ...]:
        """The rules evaluated each cycle: the rule files', plus 市级节点失联 on a province federating cities."""
        builtin = (NODE_UNREACHABLE,) if self.federated else ()
        return self._ruleset.rules + tuple(r for r in builtin if r.name not in self._ruleset.by_name())

    def reload(self, paths: Sequence[str | Path]) -> RuleSet:
        """Load new rule files; on :class:`alerts.rules.RuleFileError` the rules in force stay and it re-raises."""
        return self.use(load_rule_files(paths))

    def use(self, ruleset: RuleSet) -> RuleSet:
        """Evaluate ``ruleset`` from the next cycle on (a set already loaded whole, e.g. by RuleDirectory)."""
        self._ruleset = ruleset
        log.info("alerts.rules_loaded", rules=len(ruleset), files=len(ruleset.files))
        return ruleset

    def _fetch(self, rule: Rule, now: datetime, findings: list[Any], counter: SliceCounter,
               s: Session) -> list[Instance]:
        if rule.kind == LINK_KIND:
            from federation.status import unreachable_cities

            assert self.config is not None
            return evaluate_links(unreachable_cities(s, self.config, now), now)
        if rule.kind == "finding":
            return evaluate_findings(rule, findings, now)
        if rule.kind == "absence":
            intervals = None
            if rule.interval_field:
                intervals = self.store.latest(rule.measurement, rule.interval_field)
            elif rule.interval_of:
                intervals = self.store.latest(COLLECTOR_HEALTH, COLLECTOR_INTERVAL, {"collector": rule.interval_of})
            return evaluate_absence(rule, self.store.latest(rule.measurement, rule.field), now, intervals,
                                    self._details(rule, None))
        if rule.kind == "forecast":
            frame = self.store.query(Query(rule.measurement, rule.field, now - rule.window, now, every=rule.bucket(),
                                           agg=rule.agg, group_by=rule.group_by))  # type: ignore[arg-type]
            limits = self.store.latest(rule.measurement, rule.limit_field) if rule.limit_field else None
            return evaluate_forecast(rule, frame, now, limits, self._details(rule, now - rule.window))
        agg = "avg" if rule.kind == "ratio" else rule.agg
        frame = self.store.query(Query(rule.measurement, rule.field, now - rule.window, now, agg=agg,  # type: ignore[arg-type]
                                       group_by=rule.group_by))
        # Rules over the same series and window (the 4 % and 5 % ratios) share one count per slice.
        coverage = counter.coverage(rule) if rule.min_samples else None
        return evaluate_series(rule, frame, coverage, self._details(rule, now - rule.window))

    def _details(self, rule: Rule, since: datetime | None) -> Details | None:
        """The newest value of each of the rule's ``detail_fields`` per series (one ``latest`` each), from
        ``since`` on (a window rule's window: an older failure reason is not this one's)."""
        if not rule.detail_fields:
            return None
        return details_of(rule, {f: latest_values(self.store, rule.measurement, f, since=since)
                                 for f in rule.detail_fields})

    def evaluate(self, now: datetime | None = None) -> EvalReport:
        """Run one cycle at ``now`` (the clock's time by default) and commit it; returns the counts."""
        t0 = time.perf_counter()
        now = now or self.clock.now()
        rules = self.rules()
        report = EvalReport(rules=len(rules))
        with self.sessions() as s, s.begin():
            findings: list[Any] = []
            if any(r.kind == "finding" for r in rules):
                from inspection.findings import open_findings

                checks = sorted({c for r in rules if r.kind == "finding" for c in r.checks})
                # A federated city's findings are its own node's to alert on (mirrored with its alerts).
                findings = [f for f in open_findings(s, checks=checks, own_only=True)
                            if f.city_code not in self.federated]
                if MEDIA_CHECK in checks:  # the national new-media rules' findings (newmedia/findings.py)
                    from newmedia.findings import open_media_findings

                    findings += [f for f in open_media_findings(s) if f.city_code not in self.federated]
                if NOTICE_CHECK in checks:  # overdue rectification notices (operations/notice_alerts.py)
                    from operations.notice_alerts import overdue_notice_problems

                    # This node's own notices, federated cities' sites included: no city node holds them.
                    findings += overdue_notice_problems(s, now, self.config.web.tz if self.config else UTC)
            instances: dict[str, Instance] = {}
            ok_rules: set[str] = set()
            names: LabelNames | None = None  # read once a cycle, only when a summary says {names[…]}
            counter = SliceCounter(self.store, now)  # data coverage per series and window, shared this cycle
            for rule in rules:
                try:
                    got = self._fetch(rule, now, findings, counter, s)
                except Exception as exc:  # a broken backend for one rule must not stop the others
                    report.errors[rule.name] = f"{type(exc).__name__}: {exc}"
                    log.error("alerts.rule_failed", rule=rule.name, error=str(exc))
                    continue
                ok_rules.add(rule.name)
                if got and "names" in placeholders(rule.summary):
                    names = names or label_names(s)
                    got = [replace(i, facts={**i.facts, "names": names.for_labels(i.labels)}) for i in got]
                for inst in got:
                    instances[inst.fingerprint] = inst
            report.instances = len(instances)
            by_name = {r.name: r for r in rules}
            # Alerts mirrored from a city node (origin_node) follow their city's lifecycle, never this engine's.
            open_alerts = {a.fingerprint: a for a in s.scalars(select(Alert).where(
                Alert.state.in_(OPEN_STATES), Alert.origin_node.is_(None)))}
            for fp, alert in open_alerts.items():
                if alert.rule not in ok_rules and alert.rule in by_name:
                    continue  # no data this cycle: decide nothing rather than resolve on a fetch error
                alert_rule = by_name.get(alert.rule)
                alert_inst = instances.get(fp)
                if alert_rule is None:
                    self._close_orphan(s, alert, now, report)
                    continue
                if alert_inst is None and regrouped(alert.labels or {}, alert_rule):
                    # The rule now groups differently (e.g. per site, no longer per kind): this alert's
                    # series is no longer one; the same fault is judged under its new grouping.
                    self._close_orphan(s, alert, now, report, REASON_REGROUPED, "rule_regrouped")
                    continue
                cur = Current(AlertState(alert.state), aware(alert.started_at),
                              aware(alert.last_true_at))
                # Too little data to judge (alert_inst.known False) decides nothing, as a fetch error does.
                d = step(cur, alert_inst is not None and alert_inst.active, now, alert_rule.for_,
                         alert_rule.keep_firing_for, known=alert_inst is None or alert_inst.known)
                self._apply(s, alert, alert_inst, d, now, report)
            new: list[tuple[Alert, Decision]] = []
            for fp, inst in instances.items():
                if fp in open_alerts:
                    continue
                d = step(None, inst.active, now, inst.rule.for_, inst.rule.keep_firing_for, known=inst.known)
                if d.action is Action.CREATE:
                    new.append((self._create(s, inst, d, now, report), d))
            if new:
                s.flush()  # one batched INSERT for every new alert; their events need the ids
                for alert, d in new:
                    self._record(s, alert, d, now)
        report.duration_s = time.perf_counter() - t0
        log.info("alerts.evaluated", rules=report.rules, instances=report.instances, new_alerts=report.created,
                 fired=report.fired, resolved=report.resolved, duration_s=round(report.duration_s, 3))
        return report

    def _create(self, s: Session, inst: Instance, d: Decision, now: datetime, report: EvalReport) -> Alert:
        rule = inst.rule
        assert d.state is not None
        timing = Timing(d.state.value, now, now if d.fired_now else None, None, now, inst.value)
        severity = Severity(inst.facts["severity"]) if "severity" in inst.facts else rule.severity
        alert = Alert(fingerprint=inst.fingerprint, rule=rule.name, rule_file=rule.file, severity=severity,
                      rule_severity=rule.severity, state=d.state, labels=inst.all_labels,
                      summary=inst.summary_at(timing, now), facts=_facts(inst),
                      value=inst.value, city_code=inst.city_code, group_key=inst.group_key, started_at=now,
                      fired_at=now if d.fired_now else None, last_true_at=now, last_eval_at=now,
                      escalation_tier=1, version=1)
        s.add(alert)
        report.created += 1
        report.fired += int(d.fired_now)
        return alert

    def _apply(self, s: Session, alert: Alert, inst: Instance | None, d: Decision, now: datetime,
               report: EvalReport) -> None:
        values: dict[str, Any] = {"last_eval_at": now, "last_true_at": d.last_true_at}
        if inst is not None and not inst.known:
            # Undecided: the value and text stay those of the last verdict; the facts say how much data
            # there is now (the console's 数据 line), the rest of what the verdict knew is kept.
            values["facts"] = {**(alert.facts or {}), **inst.facts, "undecided": True}
        elif inst is not None:
            state = (d.state or AlertState(alert.state)).value
            timing = Timing(state, aware(alert.started_at), now if d.fired_now else aware(alert.fired_at),
                            now if state == AlertState.RESOLVED.value else None, now, inst.value)
            values.update(value=inst.value, summary=inst.summary_at(timing, now), facts=_facts(inst))
        severity = severity_change(alert, inst)
        if d.action is Action.KEEP and severity is None:
            # No version bump: refreshing the value must not make an operator's concurrent change lose.
            s.execute(update(Alert).where(Alert.id == alert.id).values(**values)
                      .execution_options(synchronize_session=False))
            return
        values["version"] = alert.version + 1
        if severity is not None:  # the findings' severity changed (e.g. a notice escalated again)
            values["severity"] = severity
        if d.action is not Action.KEEP:
            assert d.state is not None
            values["state"] = d.state
            if d.fired_now:
                values["fired_at"] = now
            if d.state is AlertState.RESOLVED:
                values.update(resolved_at=now, resolved_by=SYSTEM,
                              resolve_reason="未触发即恢复" if alert.state == AlertState.PENDING else "条件已恢复")
        res = s.execute(update(Alert).where(Alert.id == alert.id, Alert.version == alert.version,
                                            Alert.state == alert.state).values(**values)
                        .execution_options(synchronize_session=False))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            report.skipped += 1
            return
        if severity is not None:
            self._record_severity(s, alert, severity, now)
        if d.action is Action.KEEP:
            return
        report.fired += int(d.fired_now)
        report.resolved += int(d.state is AlertState.RESOLVED)
        self._record(s, alert, d, now)

    def _record_severity(self, s: Session, alert: Alert, new: Severity, now: datetime) -> None:
        old = alert.severity.value
        state = AlertState(alert.state).value
        s.add(AlertEvent(alert_id=alert.id, at=now, kind="severity", actor=SYSTEM, from_state=state, to_state=state,
                         note="", detail={"from": old, "to": new.value}))
        audit.record(s, SYSTEM, "alert.severity", "alert", alert.id, at=now, scope_code=alert.city_code, flush=False,
                     summary=AUDIT_SEVERITY.format(id=alert.id, old=SEVERITY.get(old, old), new=SEVERITY[new.value]),
                     detail={"from": old, "to": new.value})

    def _close_orphan(self, s: Session, alert: Alert, now: datetime, report: EvalReport,
                      reason: str = REASON_REMOVED, note: str = "rule_removed") -> None:
        """An open alert whose rule is no longer loaded (or no longer groups it so) is resolved: nothing
        would ever clear it."""
        res = s.execute(update(Alert).where(Alert.id == alert.id, Alert.version == alert.version)
                        .values(state=AlertState.RESOLVED, resolved_at=now, resolved_by=SYSTEM,
                                resolve_reason=reason, last_eval_at=now, version=alert.version + 1)
                        .execution_options(synchronize_session=False))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            report.skipped += 1
            return
        report.resolved += 1
        self._record(s, alert, Decision(Action.TRANSITION, AlertState.RESOLVED), now, note=note,
                     from_state=AlertState(alert.state))

    def _record(self, s: Session, alert: Alert, d: Decision, now: datetime, note: str | None = None,
                from_state: AlertState | None = None) -> None:
        events = d.events or ()
        pairs: list[tuple[AlertState | None, AlertState | None, str]] = (
            [(e.from_state, e.to_state, e.note) for e in events] or [(from_state, d.state, note or "")])
        for frm, to, why in pairs:
            assert to is not None
            s.add(AlertEvent(alert_id=alert.id, at=now, kind="state", actor=SYSTEM,
                             from_state=frm.value if frm else None, to_state=to.value, note=why,
                             detail={"value": alert.value} if alert.value is not None else {}))
            summary = AUDIT_STATE_CHANGE.format(id=alert.id, summary=alert.summary,
                                                from_state=ALERT_STATE[frm.value] if frm else AUDIT_STATE_NEW,
                                                to_state=ALERT_STATE[to.value])
            audit.record(s, SYSTEM, f"alert.{to.value}", "alert", alert.id, summary=summary,
                         scope_code=alert.city_code, at=now, flush=False,
                         detail={"fingerprint": alert.fingerprint, "from": frm.value if frm else None,
                                 "to": to.value, "reason": why})
