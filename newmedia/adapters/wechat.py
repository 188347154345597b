"""微信公众号 through the official account API (api.weixin.qq.com).

- ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` → ``{access_token, expires_in}``;
  the credential (by reference) is ``APPID:APPSECRET``; the token is kept until shortly before it expires
  and fetched again once when the API says it expired (42001) or is invalid (40001, 40014).
- ``POST /cgi-bin/freepublish/batchget?access_token=…`` ``{offset, count, no_content: 1}`` →
  ``{total_count, item_count, item: [{article_id, update_time, content: {news_item: [{need_open_comment …}]}}]}``:
  the published articles, newest first; read back to ``since``.
- ``POST /datacube/getusercumulate?access_token=…`` ``{begin_date, end_date}`` → ``{list: [{ref_date,
  cumulate_user}]}``: yesterday's follower total (the data cube is daily).

Comments are open when a recent article has ``need_open_comment = 1``. The API does not expose the
backlog of unanswered user messages: that comes from the statistics import.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from core.i18n import media as M
from core.i18n.common import PLATFORM
from newmedia.adapters.errors import platform_error
from newmedia.base import ADAPTERS, AccountActivity, AccountRef, AdapterError, AdapterSettings, Post, from_posts
from newmedia.credentials import resolve
from newmedia.http import bad_response, call

TOKEN_CODES = (40001, 40014, 41001, 42001)
RATE_CODES = (45009, 45011, 45033)
PAGE = 20
MAX_PAGES = 50  # 1,000 articles: far more than two weeks of any account


@ADAPTERS.register("wechat")
class WeChatAdapter:
    platform: ClassVar[str] = "wechat"
    default_base_url: ClassVar[str] = "https://api.weixin.qq.com"

    def __init__(self, settings: AdapterSettings) -> None:
        self.base = settings.base_url.rstrip("/")
        self.timeout = settings.timeout
        self._tokens: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def _credential(self, account: AccountRef) -> tuple[str, str]:
        appid, _, secret = resolve(account).partition(":")
        if not appid or not secret:
            raise AdapterError(M.CREDENTIAL_SHAPE.format(account=account.key, platform=PLATFORM["wechat"],
                                                         shape="APPID:APPSECRET"))
        return appid, secret

    def _token(self, account: AccountRef, now: datetime, fresh: bool = False) -> str:
        appid, secret = self._credential(account)
        with self._lock:
            cached = self._tokens.get(appid)
            if cached and not fresh and cached[1] > now:
                return cached[0]
        _, data = call(self.platform, "GET", f"{self.base}/cgi-bin/token", timeout=self.timeout,
                       params={"grant_type": "client_credential", "appid": appid, "secret": secret})
        self._raise(data)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise bad_response(self.platform, "access_token")
        life = int(data.get("expires_in") or 7200)
        with self._lock:
            self._tokens[appid] = (token, now + timedelta(seconds=max(0, life - 300)))
        return token

    def _raise(self, data: Any) -> None:
        if isinstance(data, dict) and data.get("errcode") not in (None, 0):
            raise platform_error(self.platform, data["errcode"], data.get("errmsg", ""), token_codes=TOKEN_CODES,
                                 rate_codes=RATE_CODES)

    def _post(self, account: AccountRef, path: str, body: dict[str, Any], now: datetime) -> dict[str, Any]:
        """POST with the account's token; on an expired/invalid token, one retry with a fresh one."""
        for attempt in (0, 1):
            token = self._token(account, now, fresh=attempt == 1)
            _, data = call(self.platform, "POST", f"{self.base}{path}", timeout=self.timeout,
                           params={"access_token": token}, json_body=body)
            try:
                self._raise(data)
            except AdapterError as exc:
                if exc.code == "token" and attempt == 0:
                    continue
                raise
            if not isinstance(data, dict):
                raise bad_response(self.platform, path)
            return data
        raise AssertionError("unreachable")

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity:
        posts: list[Post] = []
        comments: list[bool] = []
        offset, complete = 0, False
        for _ in range(MAX_PAGES):
            data = self._post(account, "/cgi-bin/freepublish/batchget", {"offset": offset, "count": PAGE,
                                                                         "no_content": 1}, now)
            items = data.get("item") or []
            for item in items:
                when = datetime.fromtimestamp(int(item["update_time"]), tz=UTC)
                posts.append(Post(str(item.get("article_id", "")), when))
                news = (item.get("content") or {}).get("news_item") or []
                comments += [bool(n.get("need_open_comment")) for n in news]
            offset += len(items)
            if not items or offset >= int(data.get("total_count", 0)) or posts[-1].time < since:
                complete = True
                break
        posts = [p for p in posts if p.time <= now]
        followers = self._followers(account, now)
        return from_posts(now, "api", posts, complete_week=complete and now - since >= timedelta(days=7),
                          followers=followers, interaction_open=any(comments) if comments else None)

    def _followers(self, account: AccountRef, now: datetime) -> int | None:
        day = (now - timedelta(days=1)).date().isoformat()
        data = self._post(account, "/datacube/getusercumulate", {"begin_date": day, "end_date": day}, now)
        rows = data.get("list") or []
        return int(rows[-1]["cumulate_user"]) if rows else None
