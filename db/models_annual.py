"""The yearly website report (政府网站工作年度报表) of one site and year: values with provenance, the hand-entered
fields, and its review state (annual/workflow.py moves it; every move is audited)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models import Base, Site, _enum, utcnow
from db.types import UTCDateTime


class ReportState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REVIEWED = "reviewed"
    RETURNED = "returned"
    PUBLISHED = "published"


class AnnualReport(Base):
    """One site's report for one year. ``values``: field key → provenance dict (annual/fill.py);
    ``manual``: field key → {value, by, at}, kept across re-fills."""

    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("site_id", "year", name="uq_annual_report_site_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    template_version: Mapped[str] = mapped_column(String(32))
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    manual: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[ReportState] = mapped_column(_enum(ReportState, "annual_report_state"), default=ReportState.DRAFT)
    version: Mapped[int] = mapped_column(Integer, default=1)  # + 1 on every change
    filled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_reason: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    site: Mapped[Site] = relationship()
