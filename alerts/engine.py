"""The alert engine: one evaluation cycle = fetch, evaluate (pure), step the lifecycle (pure), store.

All state lives in the database (``alert``, ``alert_event``, ``audit_entry``), written in one
transaction per cycle, so a new engine continues exactly where a stopped one left off. State
changes are guarded by ``Alert.version``: when an operator changed the alert in between (e.g.
acknowledged it), the engine leaves it for the next cycle rather than overwrite that change.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.evaluate import Instance, evaluate_absence, evaluate_findings, evaluate_series
from alerts.lifecycle import Action, Current, Decision, step
from alerts.rules import Rule, RuleSet, load_rule_files
from core.clock import Clock, SystemClock
from core.logging import get_logger
from db.models_alerts import OPEN_STATES, Alert, AlertEvent, AlertState
from security import audit
from tsdb.store import MetricStore, Query

log = get_logger(__name__)
SYSTEM = audit.SYSTEM
_STATE_LABEL = {"pending": "待确认", "firing": "告警中", "acknowledged": "已认领", "resolved": "已恢复"}


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


def _aware(t: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


class AlertEngine:
    """Evaluates a :class:`RuleSet` against a metric store and the inspection findings."""

    def __init__(self, sessions: sessionmaker[Session], store: MetricStore, ruleset: RuleSet,
                 clock: Clock | None = None) -> None:
        self.sessions, self.store, self.clock = sessions, store, clock or SystemClock()
        self._ruleset = ruleset

    @property
    def ruleset(self) -> RuleSet:
        return self._ruleset

    def reload(self, paths: Sequence[str | Path]) -> RuleSet:
        """Load new rule files; on :class:`alerts.rules.RuleFileError` the rules in force stay and it re-raises."""
        return self.use(load_rule_files(paths))

    def use(self, ruleset: RuleSet) -> RuleSet:
        """Evaluate ``ruleset`` from the next cycle on (a set already loaded whole, e.g. by RuleDirectory)."""
        self._ruleset = ruleset
        log.info("alerts.rules_loaded", rules=len(ruleset), files=len(ruleset.files))
        return ruleset

    def _fetch(self, rule: Rule, now: datetime, findings: list[Any]) -> list[Instance]:
        if rule.kind == "finding":
            return evaluate_findings(rule, findings, now)
        if rule.kind == "absence":
            return evaluate_absence(rule, self.store.latest(rule.measurement, rule.field), now)
        agg = "avg" if rule.kind == "ratio" else rule.agg
        frame = self.store.query(Query(rule.measurement, rule.field, now - rule.window, now, agg=agg,  # type: ignore[arg-type]
                                       group_by=rule.group_by))
        return evaluate_series(rule, frame)

    def evaluate(self, now: datetime | None = None) -> EvalReport:
        """Run one cycle at ``now`` (the clock's time by default) and commit it; returns the counts."""
        t0 = time.perf_counter()
        now = now or self.clock.now()
        rules = self._ruleset.rules
        report = EvalReport(rules=len(rules))
        with self.sessions() as s, s.begin():
            findings: list[Any] = []
            if any(r.kind == "finding" for r in rules):
                from inspection.findings import open_findings

                checks = sorted({c for r in rules if r.kind == "finding" for c in r.checks})
                findings = open_findings(s, checks=checks)
            instances: dict[str, Instance] = {}
            ok_rules: set[str] = set()
            for rule in rules:
                try:
                    got = self._fetch(rule, now, findings)
                except Exception as exc:  # a broken backend for one rule must not stop the others
                    report.errors[rule.name] = f"{type(exc).__name__}: {exc}"
                    log.error("alerts.rule_failed", rule=rule.name, error=str(exc))
                    continue
                ok_rules.add(rule.name)
                for inst in got:
                    instances[inst.fingerprint] = inst
            report.instances = len(instances)
            by_name = self._ruleset.by_name()
            open_alerts = {a.fingerprint: a for a in s.scalars(select(Alert).where(Alert.state.in_(OPEN_STATES)))}
            for fp, alert in open_alerts.items():
                if alert.rule not in ok_rules and alert.rule in by_name:
                    continue  # no data this cycle: decide nothing rather than resolve on a fetch error
                rule = by_name.get(alert.rule)
                inst = instances.get(fp)
                if rule is None:
                    self._close_orphan(s, alert, now, report)
                    continue
                cur = Current(AlertState(alert.state), _aware(alert.started_at),  # type: ignore[arg-type]
                              _aware(alert.last_true_at))
                d = step(cur, inst is not None and inst.active, now, rule.for_, rule.keep_firing_for)
                self._apply(s, alert, inst, d, now, report)
            new: list[tuple[Alert, Decision]] = []
            for fp, inst in instances.items():
                if fp in open_alerts:
                    continue
                d = step(None, inst.active, now, inst.rule.for_, inst.rule.keep_firing_for)
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
        alert = Alert(fingerprint=inst.fingerprint, rule=rule.name, rule_file=rule.file, severity=rule.severity,
                      rule_severity=rule.severity, state=d.state, labels=inst.all_labels, summary=inst.summary,
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
        if inst is not None:
            values.update(value=inst.value, summary=inst.summary)
        if d.action is Action.KEEP:
            # No version bump: refreshing the value must not make an operator's concurrent change lose.
            s.execute(update(Alert).where(Alert.id == alert.id).values(**values)
                      .execution_options(synchronize_session=False))
            return
        assert d.state is not None
        values.update(state=d.state, version=alert.version + 1)
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
        report.fired += int(d.fired_now)
        report.resolved += int(d.state is AlertState.RESOLVED)
        self._record(s, alert, d, now)

    def _close_orphan(self, s: Session, alert: Alert, now: datetime, report: EvalReport) -> None:
        """An open alert whose rule is no longer loaded is resolved: nothing would ever clear it."""
        res = s.execute(update(Alert).where(Alert.id == alert.id, Alert.version == alert.version)
                        .values(state=AlertState.RESOLVED, resolved_at=now, resolved_by=SYSTEM,
                                resolve_reason="规则已删除", last_eval_at=now, version=alert.version + 1)
                        .execution_options(synchronize_session=False))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            report.skipped += 1
            return
        report.resolved += 1
        self._record(s, alert, Decision(Action.TRANSITION, AlertState.RESOLVED), now, note="rule_removed",
                     from_state=AlertState(alert.state))

    def _record(self, s: Session, alert: Alert, d: Decision, now: datetime, note: str | None = None,
                from_state: AlertState | None = None) -> None:
        events = d.events or ()
        pairs = [(e.from_state, e.to_state, e.note) for e in events] or [(from_state, d.state, note or "")]
        for frm, to, why in pairs:
            assert to is not None
            s.add(AlertEvent(alert_id=alert.id, at=now, kind="state", actor=SYSTEM,
                             from_state=frm.value if frm else None, to_state=to.value, note=why,
                             detail={"value": alert.value} if alert.value is not None else {}))
            summary = f"告警 {alert.rule}（{alert.summary}）状态：{_STATE_LABEL[frm.value] if frm else '新建'} → " \
                      f"{_STATE_LABEL[to.value]}"
            audit.record(s, SYSTEM, f"alert.{to.value}", "alert", alert.id, summary=summary,
                         scope_code=alert.city_code, at=now, flush=False,
                         detail={"fingerprint": alert.fingerprint, "from": frm.value if frm else None,
                                 "to": to.value, "reason": why})
