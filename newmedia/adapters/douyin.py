"""抖音 through the Douyin open platform (open.douyin.com), with a user-authorised access token.

- ``GET /video/list/?open_id=…&cursor=…&count=…`` (header ``access-token``) → ``{data: {error_code,
  description, cursor, has_more, list: [{item_id, create_time, statistics …}]}, extra: {…}}``, newest first;
- ``GET /data/external/user/fans/?open_id=…&date_type=7`` → ``{data: {error_code, result_list: [{date,
  total_fans, new_fans}]}}``: the latest day's follower total.

``data.error_code`` ≠ 0 is a refusal: 2190002/2190008/28001008 an invalid or expired token, 2100004/2190004
… see TOKEN_CODES/RATE_CODES. The account id is the open_id; the credential (by reference) the access token.
Whether comments are open is not in these APIs: it stays unknown (the statistics import can say).
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


@ADAPTERS.register("douyin")
class DouyinAdapter:
    platform: ClassVar[str] = "douyin"
    default_base_url: ClassVar[str] = "https://open.douyin.com"

    def __init__(self, settings: AdapterSettings) -> None:
        self.base = settings.base_url.rstrip("/")
        self.timeout = settings.timeout

    def _get(self, path: str, token: str, params: dict[str, Any]) -> dict[str, Any]:
        _, body = call(self.platform, "GET", f"{self.base}{path}", timeout=self.timeout, params=params,
                       headers={"access-token": token, "content-type": "application/json"})
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise bad_response(self.platform, path)
        if data.get("error_code"):
            raise platform_error(self.platform, data["error_code"], data.get("description", ""),
                                 token_codes=TOKEN_CODES, rate_codes=RATE_CODES)
        return data

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity:
        token = resolve(account)
        posts: list[Post] = []
        cursor, complete = 0, False
        for _ in range(MAX_PAGES):
            data = self._get("/video/list/", token, {"open_id": account.account_id, "cursor": cursor, "count": PAGE})
            try:
                posts += [Post(str(v["item_id"]), datetime.fromtimestamp(int(v["create_time"]), tz=UTC))
                          for v in data.get("list") or []]
            except (KeyError, ValueError, TypeError):
                raise bad_response(self.platform, "list.create_time") from None
            if not data.get("has_more") or (posts and posts[-1].time < since):
                complete = True
                break
            cursor = int(data.get("cursor") or 0)
        fans = self._get("/data/external/user/fans/", token, {"open_id": account.account_id, "date_type": 7})
        days = sorted(fans.get("result_list") or [], key=lambda r: str(r.get("date", "")))
        followers = int(days[-1]["total_fans"]) if days and "total_fans" in days[-1] else None
        return from_posts(now, "api", [p for p in posts if p.time <= now],
                          complete_week=complete and now - since >= timedelta(days=7), followers=followers)
