"""今日头条 through ByteDance's open platform (the Toutiao endpoints beside Douyin's), with a user-authorised
access token.

- ``GET /toutiao/video/list/?open_id=…&access_token=…&cursor=…&count=…`` → ``{data: {error_code, description,
  cursor, has_more, list: [{item_id, create_time, title …}]}, extra: {…}}``, newest first; read back to ``since``.

This is the Toutiao member of the same API family as ``douyin.py`` (same envelope and error codes; the token
rides in the query string here, as the Toutiao endpoints were documented): ``data.error_code`` ≠ 0 is a refusal,
2190002/2190008 an invalid or expired token, 2100004 busy/rate. The account id is the open_id; the credential
(by reference) the access token. The contract could be followed from the published documentation only — the
real platform cannot be reached from here. It exposes neither the follower count nor whether comments are
open: both stay unknown (None); the statistics import can say.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from newmedia.adapters.errors import platform_error
from newmedia.base import ADAPTERS, AccountActivity, AccountRef, AdapterSettings, Post, from_posts
from newmedia.credentials import resolve
from newmedia.http import bad_response, call

TOKEN_CODES = (2190002, 2190008, 28001003, 28001008)
RATE_CODES = (2100004, 2100009)
PAGE = 20
MAX_PAGES = 50


@ADAPTERS.register("toutiao")
class ToutiaoAdapter:
    platform: ClassVar[str] = "toutiao"
    default_base_url: ClassVar[str] = "https://open.snssdk.com"

    def __init__(self, settings: AdapterSettings) -> None:
        self.base = settings.base_url.rstrip("/")
        self.timeout = settings.timeout

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        _, body = call(self.platform, "GET", f"{self.base}{path}", timeout=self.timeout, params=params)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise bad_response(self.platform, path)
        if data.get("error_code"):
            raise platform_error(self.platform, data["error_code"], data.get("description", ""),
                                 token_codes=TOKEN_CODES, rate_codes=RATE_CODES)
        return data

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity:
        auth = {"open_id": account.account_id, "access_token": resolve(account)}
        posts: list[Post] = []
        cursor, complete = 0, False
        for _ in range(MAX_PAGES):
            data = self._get("/toutiao/video/list/", {**auth, "cursor": cursor, "count": PAGE})
            try:
                posts += [Post(str(v["item_id"]), datetime.fromtimestamp(int(v["create_time"]), tz=UTC))
                          for v in data.get("list") or []]
            except (KeyError, ValueError, TypeError):
                raise bad_response(self.platform, "list.create_time") from None
            if not data.get("has_more") or (posts and posts[-1].time < since):
                complete = True
                break
            cursor = int(data.get("cursor") or 0)
        return from_posts(now, "api", [p for p in posts if p.time <= now],
                          complete_week=complete and now - since >= timedelta(days=7))
