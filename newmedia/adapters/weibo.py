"""微博 through the Weibo open API (api.weibo.com/2).

- ``GET /2/users/show.json?access_token=…&uid=…`` → ``{followers_count, allow_all_comment, allow_all_act_msg …}``;
- ``GET /2/statuses/user_timeline.json?access_token=…&uid=…&count=…&page=…`` → ``{statuses: [{idstr,
  created_at: "Tue May 31 17:46:55 +0800 2011"}], total_number}``, newest first; read back to ``since``.

Errors come as HTTP 4xx with ``{error, error_code, request}``: 21327/21332/21315/21314 are an
expired or invalid token, 10022/10023/10024 rate limits. The credential (by reference) is the access token.
Interaction is open when comments or private messages are open to everyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from newmedia.adapters.errors import platform_error
from newmedia.base import ADAPTERS, AccountActivity, AccountRef, AdapterSettings, Post, from_posts
from newmedia.credentials import resolve
from newmedia.http import bad_response, call

TOKEN_CODES = (21314, 21315, 21327, 21332)
RATE_CODES = (10022, 10023, 10024)
PAGE = 100
MAX_PAGES = 20
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"


@ADAPTERS.register("weibo")
class WeiboAdapter:
    platform: ClassVar[str] = "weibo"
    default_base_url: ClassVar[str] = "https://api.weibo.com"

    def __init__(self, settings: AdapterSettings) -> None:
        self.base = settings.base_url.rstrip("/")
        self.timeout = settings.timeout

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        _, data = call(self.platform, "GET", f"{self.base}{path}", timeout=self.timeout, params=params)
        if isinstance(data, dict) and data.get("error_code"):
            raise platform_error(self.platform, data["error_code"], data.get("error", ""), token_codes=TOKEN_CODES,
                                 rate_codes=RATE_CODES)
        if not isinstance(data, dict):
            raise bad_response(self.platform, path)
        return data

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity:
        token = resolve(account)
        auth = {"access_token": token, "uid": account.account_id}
        user = self._get("/2/users/show.json", auth)
        posts: list[Post] = []
        complete = False
        for page in range(1, MAX_PAGES + 1):
            data = self._get("/2/statuses/user_timeline.json", {**auth, "count": PAGE, "page": page})
            statuses = data.get("statuses") or []
            try:
                posts += [Post(str(s.get("idstr") or s["id"]), datetime.strptime(s["created_at"], TIME_FORMAT))
                          for s in statuses]
            except (KeyError, ValueError):
                raise bad_response(self.platform, "statuses.created_at") from None
            if len(statuses) < PAGE or (posts and posts[-1].time < since):
                complete = True
                break
        open_ = [user[k] for k in ("allow_all_comment", "allow_all_act_msg") if isinstance(user.get(k), bool)]
        followers = user.get("followers_count")
        return from_posts(now, "api", [p for p in posts if p.time <= now],
                          complete_week=complete and now - since >= timedelta(days=7),
                          followers=int(followers) if isinstance(followers, int) else None,
                          interaction_open=any(open_) if open_ else None)
