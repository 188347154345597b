"""Alerting state: alert instances and their events, silences, the duty roster, notifications.

Rules themselves live in versioned YAML files (data/alerts/rules/); only what the engine decides is
stored, so a restart mid-incident loses no acknowledgement and sends no notification twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alerts.delivery import DeliveryStatus
from alerts.states import AlertState, SilenceKind  # stored here, defined with the alert vocabulary
from core.severity import Severity
from db.models import Base, _enum, utcnow
from db.types import UTCDateTime


class Alert(Base):
    """One episode of one rule instance (fingerprint = rule + labels); at most one open per fingerprint.

    ``version`` guards concurrent changes: an update names the version it read, so of two
    acknowledgements at once exactly one wins.
    """

    __tablename__ = "alert"
    __table_args__ = (
        Index("uq_alert_open_fingerprint", "fingerprint", unique=True,
              sqlite_where=text("state != 'resolved'"), postgresql_where=text("state != 'resolved'")),
        Index("ix_alert_state_city", "state", "city_code"),
        Index("ix_alert_started_at", "started_at"),
        Index("uq_alert_origin", "origin_node", "origin_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(128))
    rule_file: Mapped[str] = mapped_column(String(256))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "alert_severity"))
    rule_severity: Mapped[Severity] = mapped_column(_enum(Severity, "alert_rule_severity"))
    state: Mapped[AlertState] = mapped_column(_enum(AlertState, "alert_state"))
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")  # Chinese
    value: Mapped[float | None] = mapped_column(Float)
    city_code: Mapped[str] = mapped_column(String(6))  # scope: 430000 for province-level objects
    group_key: Mapped[str] = mapped_column(String(256), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_true_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_eval_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(64))  # "system" when the condition cleared
    resolve_reason: Mapped[str | None] = mapped_column(Text)
    escalation_tier: Mapped[int] = mapped_column(Integer, default=1)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What the last evaluation knew (alerts.summary): "template" (the summary with its display placeholders),
    # "limit_s" / "interval_s" (absence), "samples" (window rules); None on rows from before revision 0004.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A province's mirror of a city node's alert: the city's code and the alert's id there. The city owns it:
    # the province's engine and notifications leave it alone (docs/federation.md).
    origin_node: Mapped[str | None] = mapped_column(String(6))
    origin_id: Mapped[int | None] = mapped_column(Integer)

    events: Mapped[list[AlertEvent]] = relationship(back_populates="alert", order_by="AlertEvent.id",
                                                    cascade="all, delete-orphan")


class AlertEvent(Base):
    """What happened to an alert: state changes, notes, assignment, severity changes, escalation."""

    __tablename__ = "alert_event"
    __table_args__ = (Index("ix_alert_event_alert", "alert_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))  # state / ack / unack / assign / severity / note / escalate / close
    actor: Mapped[str] = mapped_column(String(96))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    alert: Mapped[Alert] = relationship(back_populates="events")


class Silence(Base):
    """Label matchers muting notifications from ``starts_at`` to ``ends_at``; its state derives from now.

    ``matchers`` is a list of ``{"name", "op" ('=', '!=', '=~', '!~'), "value"}``.
    """

    __tablename__ = "silence"
    __table_args__ = (Index("ix_silence_window", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[SilenceKind] = mapped_column(_enum(SilenceKind, "silence_kind"), default=SilenceKind.SILENCE)
    matchers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    scope_code: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expired_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DutyShift(Base):
    """值班表: who is on duty for a city (or the province) at a tier, from ``starts_at`` to ``ends_at``."""

    __tablename__ = "duty_shift"
    __table_args__ = (Index("ix_duty_shift_scope_window", "scope_code", "tier", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_code: Mapped[str] = mapped_column(String(6))
    tier: Mapped[int] = mapped_column(Integer, default=1)
    username: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Handover(Base):
    """交接班: a shift handed from one person to the next, with a note and the open alerts passed on."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope_code: Mapped[str] = mapped_column(String(6))
    from_user: Mapped[str] = mapped_column(String(64))
    to_user: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    open_alert_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class Notification(Base):
    """One message to one receiver about one group of alerts; ``idem_key`` makes sending idempotent."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("idem_key", name="uq_notification_idem_key"),
                      Index("ix_notification_status_next", "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(128))
    group_key: Mapped[str] = mapped_column(String(256))
    alert_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    receiver: Mapped[str] = mapped_column(String(128))  # receiver name from the receivers file
    notifier: Mapped[str] = mapped_column(String(32))  # plug-in kind: webhook, dingtalk, wecom, email, sms
    recipient: Mapped[str | None] = mapped_column(String(128))  # on-duty user it went to, if any
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detail: Mapped[str] = mapped_column(Text, default="")
    # The claim on the row's current attempt (alerts.delivery): who sends it and until when nobody else may;
    # both cleared when the outcome is recorded. Still set after the lease lapsed: the attempt has no outcome.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # how many of ``attempts`` ended without a known outcome (the sender died or the answer was lost)
    unknown_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
