"""The publishing back office's entry point: first-party post events, same data shape as every source.

When the back office publishes to a new-media account it calls :func:`record_post`; the post becomes an
:class:`AccountActivity` of source ``event`` merged like any other (it moves the newest post time; it never
claims to have seen the account's other posts, so it cannot make an old "no post since" look proven).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import media as M
from core.i18n.common import PLATFORM
from db.models import NewMediaAccount, Platform
from db.models_media import NewMediaState
from newmedia.base import AccountActivity, Post
from newmedia.store import merge


class EventError(ValueError):
    """The event names no registered account or carries a naive time; message in Chinese. Nothing written."""


def post_activity(post_id: str, published_at: datetime) -> AccountActivity:
    """The activity one published post is."""
    if published_at.tzinfo is None:
        raise EventError(M.EVENT_BAD_TIME)
    return AccountActivity(as_of=published_at, source="event", posts=(Post(post_id, published_at),),
                           last_post_at=published_at)


def record_post(session: Session, platform: str, account_id: str, post_id: str,
                published_at: datetime) -> NewMediaState:
    """Record that ``post_id`` was published on the account at ``published_at`` (aware); flushed into the
    caller's session, the caller commits. Raises :class:`EventError`."""
    act = post_activity(post_id, published_at)
    try:
        plat = Platform(platform)
    except ValueError:
        raise EventError(M.EVENT_UNKNOWN_ACCOUNT.format(platform=platform, value=account_id)) from None
    account = session.scalar(select(NewMediaAccount).where(NewMediaAccount.platform == plat,
                                                           NewMediaAccount.account_id == account_id))
    if account is None:
        raise EventError(M.EVENT_UNKNOWN_ACCOUNT.format(platform=PLATFORM.get(platform, platform), value=account_id))
    st = merge(session, account.id, act)
    session.flush()
    return st
