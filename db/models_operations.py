"""运营中心 tables: inspectors' decisions on findings, manual score entries, score-sheet sign-offs and
rectification (整改) notices with their problems and history.

Vocabularies (decision kinds, dismissal reasons, notice and problem states) are closed enums of the pure
operations/ modules; the columns hold their values as short text and the stores validate every write
(storage imports no floor above it). Nothing here is deleted by the application: a decision is superseded
by a newer one, a manual entry is withdrawn, a sign-off is followed by a newer one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models import Base, Finding, Site
from db.types import UTCDateTime


class FindingDecision(Base):
    """One inspector's decision on a finding (the newest one counts), tied to the evidence digest seen."""

    __tablename__ = "finding_decision"
    __table_args__ = (Index("ix_finding_decision_finding", "finding_id", "decided_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("inspection_finding.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # operations.decisions.DecisionKind
    reason: Mapped[str | None] = mapped_column(String(24))  # operations.decisions.DismissReason
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_digest: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(96))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    finding: Mapped[Finding] = relationship()


class ManualEntry(Base):
    """A manual deduction or bonus item on a site's sheet for a period: a row the scoring function reads."""

    __tablename__ = "manual_entry"
    __table_args__ = (Index("ix_manual_entry_site_period", "site_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))  # 2026Q4 / 2026H2
    kind: Mapped[str] = mapped_column(String(16))  # operations.entries.EntryKind
    code: Mapped[str] = mapped_column(String(32))  # indicator or bonus item code of the indicator table
    points: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")  # text or a URL
    created_by: Mapped[str] = mapped_column(String(96))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(96))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    site: Mapped[Site] = relationship()


class ScoreSignoff(Base):
    """An inspector's sign-off of a site's score sheet for a period; the newest one counts."""

    __tablename__ = "score_signoff"
    __table_args__ = (Index("ix_score_signoff_site_period", "site_id", "period", "signed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    signed_by: Mapped[str] = mapped_column(String(96))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class RectificationNotice(Base):
    """A 整改通知 to a site's organiser; overdue is derived from ``deadline`` and the time, never stored."""

    __tablename__ = "rectification_notice"
    __table_args__ = (Index("ix_rectification_notice_site", "site_id"),
                      Index("ix_rectification_notice_state", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(24))  # operations.notices.NoticeState
    addressee: Mapped[str] = mapped_column(String(128))  # the site's 主办单位 when created
    deadline: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(96))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[str | None] = mapped_column(String(96))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Optimistic locking: every UPDATE says "WHERE version = <read>", so of two concurrent changes one wins.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    site: Mapped[Site] = relationship()
    problems: Mapped[list[RectificationProblem]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="RectificationProblem.id")


class RectificationProblem(Base):
    """One finding listed on a notice, with the owner's answer and the follow-up verdict."""

    __tablename__ = "rectification_problem"
    __table_args__ = (UniqueConstraint("notice_id", "finding_id", name="uq_rectification_problem_notice_finding"),
                      Index("ix_rectification_problem_finding", "finding_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("rectification_notice.id", ondelete="CASCADE"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("inspection_finding.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))  # operations.notices.ProblemState
    answer: Mapped[str | None] = mapped_column(Text)
    answer_evidence: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(96))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    notice: Mapped[RectificationNotice] = relationship(back_populates="problems")
    finding: Mapped[Finding] = relationship()


class RectificationEvent(Base):
    """A notice's history: created, issued, answered, judged, escalated (who, when, what)."""

    __tablename__ = "rectification_event"
    __table_args__ = (Index("ix_rectification_event_notice", "notice_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("rectification_notice.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(96))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ScoreSnapshot(Base):
    """A site's score for a period as ``score run`` computed it: the indicator version, the rule values, the
    result (inspection.scoring.to_dict, lines traced to finding / entry ids) and its sources. While the period
    is open the unfrozen current revision is replaced on each run; the first run after the period closes
    freezes it; a re-score (``--rescore``) inserts a new revision and keeps the old ones."""

    __tablename__ = "score_snapshot"
    __table_args__ = (UniqueConstraint("site_id", "period", "revision", name="uq_score_snapshot_site_period_rev"),
                      Index("ix_score_snapshot_period", "period", "site_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))
    revision: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)
    indicator_version: Mapped[str] = mapped_column(String(32))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    site: Mapped[Site] = relationship()
