"""What 抖音 and 今日头条 share: ByteDance's open-platform envelope (``{data: {error_code, description, …}}``, a
non-zero ``error_code`` being a refusal, the same token and rate codes) and its cursor paging of posts, newest
first. ``douyin.py`` and ``toutiao.py`` say only where their endpoints are and how the token rides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from newmedia.adapters.errors import platform_error
from newmedia.base import AdapterSettings, Post
from newmedia.http import bad_response, call

TOKEN_CODES = (2190002, 2190008, 28001003, 28001008)
RATE_CODES = (2100004, 2100009)
PAGE = 20
MAX_PAGES = 50


class ByteDanceOpenApi:
    platform: ClassVar[str]

    def __init__(self, settings: AdapterSettings) -> None:
        self.base = settings.base_url.rstrip("/")
        self.timeout = settings.timeout

    def _get(self, path: str, params: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        _, body = call(self.platform, "GET", f"{self.base}{path}", timeout=self.timeout, params=params,
                       headers=headers)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise bad_response(self.platform, path)
        if data.get("error_code"):
            raise platform_error(self.platform, data["error_code"], data.get("description", ""),
                                 token_codes=TOKEN_CODES, rate_codes=RATE_CODES)
        return data

    def _posts(self, path: str, params: dict[str, Any], since: datetime,
               headers: dict[str, str] | None = None) -> tuple[list[Post], bool]:
        """Posts paged back to ``since`` (at most MAX_PAGES pages), and whether the reading reached it."""
        posts: list[Post] = []
        cursor = 0
        for _ in range(MAX_PAGES):
            data = self._get(path, {**params, "cursor": cursor, "count": PAGE}, headers)
            try:
                posts += [Post(str(v["item_id"]), datetime.fromtimestamp(int(v["create_time"]), tz=UTC))
                          for v in data.get("list") or []]
            except (KeyError, ValueError, TypeError):
                raise bad_response(self.platform, "list.create_time") from None
            if not data.get("has_more") or (posts and posts[-1].time < since):
                return posts, True
            cursor = int(data.get("cursor") or 0)
        return posts, False
