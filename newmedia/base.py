"""The MediaAdapter plug-in family: one adapter per platform, one method, one data shape.

Every source of an account's activity — a platform API adapter (``newmedia/adapters/*.py``), the import of
exported account statistics (``newmedia.stats_import``) and the publishing back office's first-party post
events (``newmedia.events``) — produces the same :class:`AccountActivity`; ``newmedia.store`` merges it into
the account's state and the metric store, and ``newmedia.rules`` judges it. A value a source cannot see is
None (unknown), never 0: the rules judge nothing from an unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, runtime_checkable

from core.plugins import Registry

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class AccountRef:
    """A registered account as an adapter sees it (detached from the database)."""

    id: int
    platform: str  # db.models.Platform value
    account_id: str  # the platform's id: 公众号 原始ID/appid, 微博 uid, 抖音 open_id …
    name: str
    credential_ref: str | None = None  # env:NAME or file:PATH; resolved by newmedia.credentials

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.account_id}"


@dataclass(frozen=True)
class Post:
    """One published post: the platform's id and its publish time (aware)."""

    id: str
    time: datetime


@dataclass(frozen=True)
class Message:
    """One user message or comment addressed to the account: when received, when answered (None: not yet)."""

    received: datetime
    answered: datetime | None = None


@dataclass(frozen=True)
class AccountActivity:
    """What one source saw of one account as of ``as_of``.

    ``posts``/``messages`` are the items seen (evidence); the summary fields are what the rules read.
    ``last_post_at`` is the newest post time known (a post in ``posts`` or a statistics export's 最近发布时间);
    ``unanswered``/``oldest_unanswered_at`` describe the unanswered-message backlog; None = not seen.
    """

    as_of: datetime
    source: str  # "api", "stats_import" or "event"
    posts: tuple[Post, ...] = ()
    last_post_at: datetime | None = None
    posts_7d: int | None = None
    followers: int | None = None
    interaction_open: bool | None = None
    messages: tuple[Message, ...] = ()
    unanswered: int | None = None
    oldest_unanswered_at: datetime | None = None


def from_posts(as_of: datetime, source: str, posts: Iterable[Post], *, complete_week: bool,
               **fields: Any) -> AccountActivity:
    """An activity whose ``last_post_at`` (and ``posts_7d`` when ``complete_week``: the source listed every
    post of the last 7 days) is derived from ``posts``; other summary fields as given."""
    items = tuple(sorted(posts, key=lambda p: p.time, reverse=True))
    last = items[0].time if items else None
    week = sum(1 for p in items if as_of - WEEK < p.time <= as_of) if complete_week else None
    return AccountActivity(as_of=as_of, source=source, posts=items, last_post_at=last, posts_7d=week, **fields)


def backlog(messages: Iterable[Message]) -> tuple[int, datetime | None]:
    """(unanswered count, oldest unanswered receipt time) of ``messages``."""
    waiting = [m.received for m in messages if m.answered is None]
    return len(waiting), (min(waiting) if waiting else None)


class AdapterError(RuntimeError):
    """The platform could not be read for this account; the message is Chinese and names why.
    ``retryable``: a later attempt may succeed (rate limit, network) — a bad credential will not."""

    def __init__(self, message: str, *, retryable: bool = False, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


@dataclass(frozen=True)
class AdapterSettings:
    """What every adapter is built with: the API's base URL (its published host by default; a loopback
    server in tests and the demo) and the seconds one HTTP request may take."""

    base_url: str
    timeout: float = 15.0


@runtime_checkable
class MediaAdapter(Protocol):
    """One platform's API. Built as ``Kind(settings: AdapterSettings)``; ``fetch`` is blocking.

    ``fetch`` returns the account's activity between ``since`` and ``now`` (posts in that window, the
    latest follower count, whether interaction is open, the message backlog where the API exposes it).
    Raises :class:`AdapterError` (Chinese, never the credential) when the platform refuses or fails.
    """

    platform: ClassVar[str]  # db.models.Platform value
    default_base_url: ClassVar[str]  # the platform's published API host

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity: ...


ADAPTERS: Registry[type] = Registry("new-media adapter")
