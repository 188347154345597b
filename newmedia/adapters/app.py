"""政务App through the statistics endpoint its operator exposes: no public platform API exists for an app, so
GovOps defines the contract (docs/new-media.md, "App statistics endpoint") and the app's operator implements it.

- ``GET {app_api}/govops/app-stats/v1/accounts/{account_id}?since=ISO-8601`` with ``Authorization: Bearer
  <token>`` → ``{version: 1, account_id, as_of?, posts: [{id, published_at}], posts_complete?, followers?,
  interaction_open?, messages?: {unanswered, oldest_unanswered_at}}``. Times are ISO 8601 with an offset.
  ``posts`` lists what was published since ``since`` (``posts_complete`` false: possibly not all of it);
  ``as_of`` (default: the moment of the answer) is when the app's own figures were taken; a value the app
  does not know is null or absent — unknown, never 0. This is the one source that can report the
  unanswered-message backlog.
- Refusals: HTTP 401/403 (bad or revoked token, not retryable), 404 (no such account), 429/503 (retryable),
  with a JSON body ``{error: {code, message}}``.

The app's base URL is ``[newmedia] app_api``; empty (the default) means no app is collected by API — its
statistics come through the import. The credential (by reference) is the bearer token.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

from core.i18n import media as M
from core.i18n.common import PLATFORM
from newmedia.base import ADAPTERS, AccountActivity, AccountRef, AdapterError, AdapterSettings, Post, from_posts
from newmedia.credentials import resolve
from newmedia.http import bad_response, call

PATH = "/govops/app-stats/v1/accounts/{account_id}"
RETRY_STATUS = (429, 502, 503, 504)
MAX_POSTS = 10_000


def _time(value: Any, what: str) -> datetime:
    try:
        t = datetime.fromisoformat(str(value))
    except ValueError:
        raise bad_response("app", what) from None
    if t.tzinfo is None:
        raise bad_response("app", f"{what} without an offset")
    return t


def _count(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad_response("app", what)
    return value


@ADAPTERS.register("app")
class AppAdapter:
    platform: ClassVar[str] = "app"
    default_base_url: ClassVar[str] = ""  # no published host: each app's operator serves the endpoint

    def __init__(self, settings: AdapterSettings) -> None:
        self.base = settings.base_url.rstrip("/")
        self.timeout = settings.timeout

    def _refusal(self, status: int, body: Any) -> AdapterError:
        label = PLATFORM["app"]
        err = body.get("error") if isinstance(body, dict) else None
        code = str(err.get("code", status)) if isinstance(err, dict) else str(status)
        message = str(err.get("message", "")) if isinstance(err, dict) else ""
        if status in (401, 403):
            return AdapterError(M.API_TOKEN_EXPIRED.format(platform=label, code=code), code="token")
        if status in RETRY_STATUS:
            return AdapterError(M.API_RATE_LIMITED.format(platform=label, code=code), retryable=True, code="rate")
        return AdapterError(M.API_ERROR.format(platform=label, code=code, message=message[:80]), code="api")

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity:
        if not self.base:
            raise AdapterError(M.NO_ADAPTER.format(platform=PLATFORM["app"]))
        token = resolve(account)
        url = self.base + PATH.format(account_id=quote(account.account_id, safe=""))
        status, body = call(self.platform, "GET", url, timeout=self.timeout,
                            params={"since": since.isoformat(timespec="seconds")},
                            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        if status >= 400:
            raise self._refusal(status, body)
        if not isinstance(body, dict) or body.get("version") != 1 or not isinstance(body.get("posts", []), list):
            raise bad_response(self.platform, "version/posts")
        as_of = min(now, _time(body["as_of"], "as_of")) if body.get("as_of") else now
        items = body.get("posts") or []
        try:
            posts = [Post(str(p["id"]), _time(p["published_at"], "published_at")) for p in items[:MAX_POSTS]]
        except (KeyError, TypeError):
            raise bad_response(self.platform, "posts") from None
        complete = body.get("posts_complete", True) is True and len(items) <= MAX_POSTS
        interaction = body.get("interaction_open")
        messages = body.get("messages")
        unanswered = oldest = None
        if isinstance(messages, dict):
            unanswered = _count(messages.get("unanswered"), "messages.unanswered")
            if messages.get("oldest_unanswered_at"):
                oldest = _time(messages["oldest_unanswered_at"], "messages.oldest_unanswered_at")
        return from_posts(as_of, "api", [p for p in posts if p.time <= as_of],
                          complete_week=complete and as_of - since >= timedelta(days=7),
                          followers=_count(body.get("followers"), "followers"),
                          interaction_open=interaction if isinstance(interaction, bool) else None,
                          unanswered=unanswered, oldest_unanswered_at=oldest)
