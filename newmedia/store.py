"""Where an :class:`AccountActivity` goes: merged into the account's ``new_media_state`` row and written to the
metric store as one ``new_media`` point.

Merging keeps the newest knowledge per field: the newest post time ever seen wins; a count or flag is
replaced only by an observation at least as recent as the one it came from, and a value a source cannot see
(None) never erases a known one. Each rule's observation time moves with its own field, so an API that does
not read messages never makes an old message backlog look freshly observed, and a post event (which proves
a post, not the absence of others) never moves the time the posts were last seen in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from core.clock import to_ns
from core.region import city_of
from db.models import NewMediaAccount
from db.models_media import NewMediaState
from newmedia.base import AccountActivity, AccountRef, backlog
from newmedia.rules import Observed
from tsdb.catalogue import MetricSpec, declare, declare_measurement
from tsdb.point import Point, points_for

MEASUREMENT = "new_media"
declare_measurement(MEASUREMENT, "政务新媒体")
METRICS = declare(
    MetricSpec(MEASUREMENT, "last_post_age_s", "s", "距最近发布", "seconds since the newest post known"),
    MetricSpec(MEASUREMENT, "posts_7d", "条", "近 7 天发布数"),
    MetricSpec(MEASUREMENT, "followers", "人", "粉丝数"),
    MetricSpec(MEASUREMENT, "unanswered", "条", "未回复留言数"),
)


def account_ref(a: NewMediaAccount) -> AccountRef:
    return AccountRef(a.id, a.platform.value, a.account_id, a.name, a.credential_ref)


def observed(state: NewMediaState | None) -> Observed | None:
    """What the rules read of a stored state (None: never collected)."""
    if state is None:
        return None
    return Observed(state.collected_at, state.last_post_at, state.interaction_open, state.interaction_at,
                    state.unanswered, state.oldest_unanswered_at, state.messages_at)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def merge(session: Session, account_id: int, act: AccountActivity) -> NewMediaState:
    """Merge ``act`` into the account's state row (created when missing); flushed by the caller's commit."""
    st = session.get(NewMediaState, account_id)
    unanswered, oldest = act.unanswered, act.oldest_unanswered_at
    if act.messages and unanswered is None:
        unanswered, oldest = backlog(act.messages)
    full = act.source != "event"  # an event shows one post, not the absence of others
    if st is None:
        st = NewMediaState(account_id=account_id, collected_at=act.as_of, source=act.source)
        session.add(st)
    elif full and act.as_of >= st.collected_at:
        st.collected_at, st.source = act.as_of, act.source
    newest = act.last_post_at or (max(p.time for p in act.posts) if act.posts else None)
    st.last_post_at = _later(st.last_post_at, newest)
    if full and act.as_of >= st.collected_at:
        st.posts_7d = act.posts_7d if act.posts_7d is not None else st.posts_7d
        st.followers = act.followers if act.followers is not None else st.followers
    if act.interaction_open is not None and (st.interaction_at is None or act.as_of >= st.interaction_at):
        st.interaction_open, st.interaction_at = act.interaction_open, act.as_of
    if unanswered is not None and (st.messages_at is None or act.as_of >= st.messages_at):
        st.unanswered, st.oldest_unanswered_at, st.messages_at = unanswered, oldest, act.as_of
    return st


def points(account: NewMediaAccount, st: NewMediaState, now: datetime) -> list[Point]:
    """The ``new_media`` point of one account's state as of ``now`` (empty when nothing is known)."""
    tags = {"account": f"{account.platform.value}:{account.account_id}", "platform": account.platform.value,
            "node": account.node_code, "city": city_of(account.node_code)}
    age = (now - st.last_post_at).total_seconds() if st.last_post_at else None
    return points_for(MEASUREMENT, tags, to_ns(now), [
        ("last_post_age_s", max(0.0, age) if age is not None else None), ("posts_7d", st.posts_7d),
        ("followers", st.followers), ("unanswered", st.unanswered)])


def state_points(session: Session, account_ids: Iterable[int], now: datetime) -> list[Point]:
    """The ``new_media`` points of the given accounts' states as of ``now`` (after an import)."""
    out: list[Point] = []
    for account_id in account_ids:
        account, st = session.get(NewMediaAccount, account_id), session.get(NewMediaState, account_id)
        if account is not None and st is not None:
            out += points(account, st, now)
    return out
