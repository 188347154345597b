"""What is known of each new-media account's activity: its latest observation, merged from every source.

One row per account (``new_media_state``): the newest post time ever seen, the latest counts, whether
interaction is open, the unanswered-message backlog and the oldest unanswered message. The national rules
(newmedia/rules.py) are judged from it at read time; the history lives in the metric store (``new_media``).
A field a source cannot see stays NULL — unknown, never zero.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base
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
