"""Loopback stand-ins for the new-media platforms' published APIs: 微信公众号, 微博, 抖音.

The real platforms cannot be reached here, so the adapters (newmedia/adapters/) are tested — and the demo's
accounts collected — against this one threaded HTTP server implementing the documented shapes they rely on:

- WeChat: ``GET /cgi-bin/token``, ``POST /cgi-bin/freepublish/batchget``, ``POST /datacube/getusercumulate``
  (``errcode``/``errmsg``; 40013 bad appid, 40125 bad secret, 42001 token expired, 45009 rate limit);
- Weibo: ``GET /2/users/show.json``, ``GET /2/statuses/user_timeline.json`` (HTTP 400/403 with
  ``error``/``error_code``/``request``; 21327 expired token, 10023 user rate limit);
- Douyin: ``GET /video/list/``, ``GET /data/external/user/fans/`` (header ``access-token``; ``data.error_code``;
  2190008 token expired, 2100004 system busy / rate).

Faults a test or the demo can set: ``expire_once`` (the next data call with a current token says it expired —
WeChat clients then fetch a new token), ``revoked`` (the credential no longer works), ``rate_limited``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BEIJING = timezone(timedelta(hours=8))
WEIBO_TIME = "%a %b %d %H:%M:%S %z %Y"


@dataclass
class FakeAccount:
    """One account on a fake platform. ``secret``: the WeChat appsecret, or the Weibo/Douyin access token;
    ``posts``: (post id, publish time, aware)."""

    platform: str
    account_id: str
    secret: str
    posts: list[tuple[str, datetime]] = field(default_factory=list)
    followers: int = 0
    interaction_open: bool = True


class FakePlatforms:
    """The accounts and faults the server answers from; safe to change while it serves (one lock)."""

    def __init__(self, accounts: list[FakeAccount]) -> None:
        self.accounts = {(a.platform, a.account_id): a for a in accounts}
        self.expire_once: set[str] = set()  # account ids
        self.revoked: set[str] = set()
        self.rate_limited: set[str] = set()
        self.tokens: dict[str, str] = {}  # WeChat access token → appid
        self.calls: list[str] = []  # paths served, in order
        self._seq = itertools.count(1)
        self.lock = threading.Lock()

    def account(self, platform: str, account_id: str) -> FakeAccount | None:
        return self.accounts.get((platform, account_id))

    @contextlib.contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve on ``host:port`` (0: any free port) in a thread; yields the base URL."""
        platforms = self

        class Handler(_Handler):
            state = platforms

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name="fake-media-platforms", daemon=True)
        thread.start()
        try:
            yield f"http://{host}:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    state: FakePlatforms

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the calls list instead
        pass

    def _send(self, body: Any, status: int = 200) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _query(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        return parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def do_GET(self) -> None:
        path, q = self._query()
        with self.state.lock:
            self.state.calls.append(path)
            route = {"/cgi-bin/token": self._wechat_token, "/2/users/show.json": self._weibo_user,
                     "/2/statuses/user_timeline.json": self._weibo_timeline, "/video/list/": self._douyin_videos,
                     "/data/external/user/fans/": self._douyin_fans}.get(path)
            if route is None:
                self._send({"errcode": 404, "errmsg": "not found"}, 404)
                return
            route(q, {})

    def do_POST(self) -> None:
        path, q = self._query()
        body = self._body()
        with self.state.lock:
            self.state.calls.append(path)
            route = {"/cgi-bin/freepublish/batchget": self._wechat_published,
                     "/datacube/getusercumulate": self._wechat_followers}.get(path)
            if route is None:
                self._send({"errcode": 404, "errmsg": "not found"}, 404)
                return
            route(q, body)

    # --- WeChat -------------------------------------------------------------------------------------------
    def _wechat_token(self, q: dict[str, str], _body: dict[str, Any]) -> None:
        acc = self.state.account("wechat", q.get("appid", ""))
        if acc is None:
            self._send({"errcode": 40013, "errmsg": "invalid appid"})
        elif q.get("secret") != acc.secret or acc.account_id in self.state.revoked:
            self._send({"errcode": 40125, "errmsg": "invalid appsecret"})
        else:
            token = f"wx-token-{next(self.state._seq)}"
            self.state.tokens[token] = acc.account_id
            self._send({"access_token": token, "expires_in": 7200})

    def _wechat_account(self, q: dict[str, str]) -> FakeAccount | None:
        appid = self.state.tokens.get(q.get("access_token", ""))
        acc = self.state.account("wechat", appid or "")
        if acc is None:
            self._send({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
            return None
        if appid in self.state.rate_limited:
            self._send({"errcode": 45009, "errmsg": "reach max api daily quota limit"})
            return None
        if appid in self.state.expire_once:
            self.state.expire_once.discard(appid)
            self.state.tokens.pop(q.get("access_token", ""), None)
            self._send({"errcode": 42001, "errmsg": "access_token expired"})
            return None
        return acc

    def _wechat_published(self, q: dict[str, str], body: dict[str, Any]) -> None:
        acc = self._wechat_account(q)
        if acc is None:
            return
        offset, count = int(body.get("offset", 0)), min(20, int(body.get("count", 20)))
        posts = sorted(acc.posts, key=lambda p: p[1], reverse=True)
        items = [{"article_id": pid, "update_time": int(t.timestamp()),
                  "content": {"news_item": [{"title": f"文章 {pid}", "need_open_comment": int(acc.interaction_open),
                                             "only_fans_can_comment": 0}], "create_time": int(t.timestamp()),
                              "update_time": int(t.timestamp())}}
                 for pid, t in posts[offset:offset + count]]
        self._send({"total_count": len(posts), "item_count": len(items), "item": items})

    def _wechat_followers(self, q: dict[str, str], body: dict[str, Any]) -> None:
        acc = self._wechat_account(q)
        if acc is not None:
            self._send({"list": [{"ref_date": body.get("end_date", ""), "user_source": 0,
                                  "cumulate_user": acc.followers}]})

    # --- Weibo --------------------------------------------------------------------------------------------
    def _weibo_account(self, q: dict[str, str], request: str) -> FakeAccount | None:
        acc = self.state.account("weibo", q.get("uid", ""))
        if acc is None or q.get("access_token") != acc.secret or acc.account_id in self.state.revoked:
            self._send({"error": "expired_token", "error_code": 21327, "request": request}, 400)
            return None
        if acc.account_id in self.state.rate_limited:
            self._send({"error": "User requests out of rate limit!", "error_code": 10023, "request": request}, 403)
            return None
        return acc

    def _weibo_user(self, q: dict[str, str], _body: dict[str, Any]) -> None:
        acc = self._weibo_account(q, "/2/users/show.json")
        if acc is not None:
            self._send({"id": int(acc.account_id), "idstr": acc.account_id, "screen_name": acc.account_id,
                        "followers_count": acc.followers, "statuses_count": len(acc.posts),
                        "allow_all_comment": acc.interaction_open, "allow_all_act_msg": acc.interaction_open})

    def _weibo_timeline(self, q: dict[str, str], _body: dict[str, Any]) -> None:
        acc = self._weibo_account(q, "/2/statuses/user_timeline.json")
        if acc is None:
            return
        count, page = min(100, int(q.get("count", 20))), max(1, int(q.get("page", 1)))
        posts = sorted(acc.posts, key=lambda p: p[1], reverse=True)[(page - 1) * count:page * count]
        self._send({"statuses": [{"id": int(pid) if pid.isdigit() else 0, "idstr": pid, "text": f"微博 {pid}",
                                  "created_at": t.astimezone(BEIJING).strftime(WEIBO_TIME)} for pid, t in posts],
                    "total_number": len(acc.posts)})

    # --- Douyin -------------------------------------------------------------------------------------------
    def _douyin_account(self, q: dict[str, str]) -> FakeAccount | None:
        acc = self.state.account("douyin", q.get("open_id", ""))
        token = self.headers.get("access-token", "")
        extra = {"logid": "20261207000000000000", "now": int(datetime.now(UTC).timestamp() * 1000)}
        if acc is None or token != acc.secret or acc.account_id in self.state.revoked:
            self._send({"data": {"error_code": 2190008, "description": "access_token过期,请刷新或重新授权"},
                        "extra": {**extra, "error_code": 2190008}})
            return None
        if acc.account_id in self.state.rate_limited:
            self._send({"data": {"error_code": 2100004, "description": "系统繁忙，此时请开发者稍候再试"},
                        "extra": {**extra, "error_code": 2100004}})
            return None
        return acc

    def _douyin_videos(self, q: dict[str, str], _body: dict[str, Any]) -> None:
        acc = self._douyin_account(q)
        if acc is None:
            return
        cursor, count = int(q.get("cursor", 0)), min(20, int(q.get("count", 10)))
        posts = sorted(acc.posts, key=lambda p: p[1], reverse=True)
        page = posts[cursor:cursor + count]
        self._send({"data": {"error_code": 0, "description": "", "cursor": cursor + len(page),
                             "has_more": cursor + len(page) < len(posts),
                             "list": [{"item_id": pid, "title": f"视频 {pid}", "create_time": int(t.timestamp()),
                                       "is_top": False, "statistics": {"comment_count": 0, "digg_count": 0}}
                                      for pid, t in page]},
                    "extra": {"error_code": 0, "logid": "20261207000000000000"}})

    def _douyin_fans(self, q: dict[str, str], _body: dict[str, Any]) -> None:
        acc = self._douyin_account(q)
        if acc is not None:
            today = datetime.now(UTC).date()
            self._send({"data": {"error_code": 0, "description": "", "result_list": [
                {"date": (today - timedelta(days=i)).isoformat(), "total_fans": acc.followers, "new_fans": 0}
                for i in range(int(q.get("date_type", 7)), 0, -1)]}})
