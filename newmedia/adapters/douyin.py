"""抖音 through the Douyin open platform (open.douyin.com), with a user-authorised access token.

- ``GET /video/list/?open_id=…&cursor=…&count=…`` (header ``access-token``) → ``{data: {error_code,
  description, cursor, has_more, list: [{item_id, create_time, statistics …}]}, extra: {…}}``, newest first;
- ``GET /data/external/user/fans/?open_id=…&date_type=7`` → ``{data: {error_code, result_list: [{date,
  total_fans, new_fans}]}}``: the latest day's follower total.

``data.error_code`` ≠ 0 is a refusal: 2190002/2190008/28001008 an invalid or expired token, 2100004/2190004
… (bytedance.py: TOKEN_CODES/RATE_CODES). The account id is the open_id; the credential (by reference) the access token.
Whether comments are open is not in these APIs: it stays unknown (the statistics import can say).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from newmedia.adapters.bytedance import ByteDanceOpenApi
from newmedia.base import ADAPTERS, AccountActivity, AccountRef, from_posts
from newmedia.credentials import resolve


@ADAPTERS.register("douyin")
class DouyinAdapter(ByteDanceOpenApi):
    platform: ClassVar[str] = "douyin"
    default_base_url: ClassVar[str] = "https://open.douyin.com"

    def fetch(self, account: AccountRef, since: datetime, now: datetime) -> AccountActivity:
        headers = {"access-token": resolve(account), "content-type": "application/json"}
        posts, complete = self._posts("/video/list/", {"open_id": account.account_id}, since, headers)
        fans = self._get("/data/external/user/fans/", {"open_id": account.account_id, "date_type": 7}, headers)
        days = sorted(fans.get("result_list") or [], key=lambda r: str(r.get("date", "")))
        followers = int(days[-1]["total_fans"]) if days and "total_fans" in days[-1] else None
        return from_posts(now, "api", [p for p in posts if p.time <= now],
                          complete_week=complete and now - since >= timedelta(days=7), followers=followers)
