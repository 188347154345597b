"""What is known of each new-media account's activity: its latest observation, merged from every source.

One row per account (``new_media_state``): the newest post time ever seen, the latest counts, whether
interaction is open, the unanswered-message backlog and the oldest unanswered message. The national rules
(newmedia/rules.py) judge it; their vetoes and early warnings are kept as findings with their history
(``new_media_finding``, newmedia/findings.py); the activity's history lives in the metric store (``new_media``).
A field a source cannot see stays NULL — unknown, never zero.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.severity import Severity
from db.models import Base, NewMediaAccount, _enum
from db.types import UTCDateTime


class NewMediaState(Base):
    """The latest known activity of one new-media account (``db.models.NewMediaAccount``)."""

    __tablename__ = "new_media_state"

    account_id: Mapped[int] = mapped_column(ForeignKey("new_media_account.id", ondelete="CASCADE"),
                                            primary_key=True)
    # When the posts were last seen in full (what proves "no post since last_post_at"); an event never moves it.
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))  # api, stats_import or event: where it came from
    last_post_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    posts_7d: Mapped[int | None] = mapped_column(Integer)
    followers: Mapped[int | None] = mapped_column(Integer)
    interaction_open: Mapped[bool | None] = mapped_column(Boolean)
    interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when interaction_open was seen
    unanswered: Mapped[int | None] = mapped_column(Integer)
    oldest_unanswered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    messages_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when the backlog was seen


class NewMediaFinding(Base):
    """A national new-media rule's veto or early warning on one account, kept for its whole history.

    Identity is (account, rule, fingerprint) with ``fingerprint = sha1(rule|status)`` (status ``veto`` or
    ``warning``): a warning that becomes a veto resolves, and the veto opens as its own finding, so
    ``first_seen`` of a veto says since when the veto holds. A finding no longer true is resolved
    (``resolved_at`` set), never deleted; true again, it is reopened (``reopen_count`` + 1). A rule that
    cannot be judged (数据不足 / 未采集) neither opens nor resolves anything.
    """

    __tablename__ = "new_media_finding"
    __table_args__ = (
        UniqueConstraint("account_id", "rule", "fingerprint", name="uq_new_media_finding_account_rule_fp"),
        Index("ix_new_media_finding_account_open", "account_id", "resolved_at"),
        Index("ix_new_media_finding_open", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("new_media_account.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))  # newmedia.rules.RULES
    fingerprint: Mapped[str] = mapped_column(String(40))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "finding_severity"))
    detail: Mapped[str] = mapped_column(Text)  # Chinese, as the rule said it when last seen
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deadline: Mapped[date | None] = mapped_column(Date)  # the day of the breach (Beijing), of warnings and vetoes
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)

    account: Mapped[NewMediaAccount] = relationship()
