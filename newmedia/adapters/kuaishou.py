"""快手 through the Kuaishou open platform (open.kuaishou.com), with a user-authorised access token.

- ``GET /openapi/user_info?app_id=…&access_token=…`` → ``{result: 1, user_info: {name, sex, fan, follow, head,
  bigHead, city}}``: ``fan`` is the follower count;
- ``GET /openapi/photo/list?app_id=…&access_token=…&cursor=…&count=…`` → ``{result: 1, video_list: [{photo_id,
  caption, cover, play_url, create_time (epoch milliseconds), like_count, comment_count, view_count, pending}]}``,
  newest first; the next page's ``cursor`` is the last ``photo_id`` of this one; read back to ``since``.

``result`` ≠ 1 is a refusal with ``error_msg``. The token and rate-limit codes below are the ones we could find
referenced; they could not be confirmed against the real platform, which cannot be reached from here — any
other refusal is reported as such (not retryable). The account id is the open_id; the credential (by
reference) is ``APP_ID:ACCESS_TOKEN``. Whether comments are open is not in these APIs: it stays unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from core.i18n import media as M
from core.i18n.common import PLATFORM
from newmedia.adapters.errors import platform_error
from newmedia.base import ADAPTERS, AccountActivity, AccountRef, AdapterError, AdapterSettings, Post, from_posts
from newmedia.credentials import resolve
from newmedia.http import bad_response, call

TOKEN_CODES = (100200100, 100200101, 100200102)
RATE_CODES = (100200104, 100200105)
PAGE = 20
MAX_PAGES = 50


@ADAPTERS.register("kuaishou")
class KuaishouAdapter:
    platform: ClassVar[str] = "kuaishou"
    default_base_url: ClassVar[str] = "https://open.kuaishou.com"

    def __init__(self, settings: AdapterSettings) -> None:
        self.base = settings.base_url.rstrip("/")
        self.timeout = settings.timeout

    def _auth(self, account: AccountRef) -> dict[str, str]:
        app_id, _, token = resolve(account).partition(":")
        if not app_id or not token:
            raise AdapterError(M.CREDENTIAL_SHAPE.format(account=account.key, platform=PLATFORM["kuaishou"],
                                                         shape="APP_ID:ACCESS_TOKEN"))
        return {"app_id": app_id, "access_token": token}

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        _, data = call(self.platform, "GET", f"{self.base}{path}", timeout=self.timeout, params=params)
        if not isinstance(data, dict) or "result" not in data:
            raise bad_response(self.platform, path)
        if data["result"] != 1:
            raise platform_error(self.platform, data["result"], data.get("error_msg", ""), token_codes=TOKEN_CODES,
                                 rate_codes=RATE_CODES)
        return data

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity:
        auth = self._auth(account)
        user = self._get("/openapi/user_info", auth).get("user_info") or {}
        posts: list[Post] = []
        cursor, complete = "", False
        for _ in range(MAX_PAGES):
            page = self._get("/openapi/photo/list", {**auth, "count": PAGE, **({"cursor": cursor} if cursor else {})})
            videos = page.get("video_list") or []
            try:
                posts += [Post(str(v["photo_id"]), datetime.fromtimestamp(int(v["create_time"]) / 1000, tz=UTC))
                          for v in videos]
            except (KeyError, ValueError, TypeError):
                raise bad_response(self.platform, "video_list.create_time") from None
            if len(videos) < PAGE or (posts and posts[-1].time < since):
                complete = True
                break
            cursor = posts[-1].id
        fans = user.get("fan") if isinstance(user, dict) else None
        return from_posts(now, "api", [p for p in posts if p.time <= now],
                          complete_week=complete and now - since >= timedelta(days=7),
                          followers=int(fans) if isinstance(fans, int) and fans >= 0 else None)
