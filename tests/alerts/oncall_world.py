"""Alert rows written directly for on-call tests (they are just DB rows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from alerts.states import AlertState
from core.severity import Severity
from db.models_alerts import Alert

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
CHANGSHA, ZHUZHOU, PROVINCE = "430100", "430200", "430000"


def add_alert(session: Session, fp: str, *, rule: str = "dead_link", city: str = CHANGSHA,
              state: AlertState = AlertState.FIRING, severity: Severity = Severity.HIGH,
              fired_at: datetime | None = None, group_key: str | None = None, **labels: str) -> Alert:
    fired = fired_at or NOW
    a = Alert(fingerprint=fp, rule=rule, rule_file="test.yaml", severity=severity, rule_severity=severity,
              state=state, labels={"city": city, **labels}, summary=f"{rule} 告警", value=1.0, city_code=city,
              group_key=group_key if group_key is not None else f"{rule}|city={city}",
              started_at=fired - timedelta(minutes=1),
              fired_at=None if state is AlertState.PENDING else fired, last_true_at=fired, last_eval_at=fired)
    session.add(a)
    session.flush()
    return a
