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

from datetime import datetime, timedelta
from typing import ClassVar

from newmedia.adapters.bytedance import ByteDanceOpenApi
from newmedia.base import ADAPTERS, AccountActivity, AccountRef, from_posts
from newmedia.credentials import resolve


@ADAPTERS.register("toutiao")
class ToutiaoAdapter(ByteDanceOpenApi):
    platform: ClassVar[str] = "toutiao"
    default_base_url: ClassVar[str] = "https://open.snssdk.com"

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity:
        auth = {"open_id": account.account_id, "access_token": resolve(account)}
        posts, complete = self._posts("/toutiao/video/list/", auth, since)
        return from_posts(now, "api", [p for p in posts if p.time <= now],
                          complete_week=complete and now - since >= timedelta(days=7))
