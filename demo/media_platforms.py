"""Loopback stand-ins for the new-media platforms' published APIs: 微信公众号, 微博, 抖音, 今日头条, 快手, and the
GovOps statistics endpoint an app's operator exposes (政务App).

The real platforms cannot be reached here, so the adapters (newmedia/adapters/) are tested — and the demo's
accounts collected — against this one threaded HTTP server implementing the documented shapes they rely on:

- WeChat: ``GET /cgi-bin/token``, ``POST /cgi-bin/freepublish/batchget``, ``POST /datacube/getusercumulate``
  (``errcode``/``errmsg``; 40013 bad appid, 40125 bad secret, 42001 token expired, 45009 rate limit);
- Weibo: ``GET /2/users/show.json``, ``GET /2/statuses/user_timeline.json`` (HTTP 400/403 with
  ``error``/``error_code``/``request``; 21327 expired token, 10023 user rate limit);
- Douyin: ``GET /video/list/``, ``GET /data/external/user/fans/`` (header ``access-token``; ``data.error_code``;
  2190008 token expired, 2100004 system busy / rate).
- Toutiao: ``GET /toutiao/video/list/`` (``access_token`` in the query; Douyin's envelope and codes).
- Kuaishou: ``GET /openapi/user_info``, ``GET /openapi/photo/list`` (``app_id`` + ``access_token``; ``result`` 1
  or a code with ``error_msg``: 100200101 token expired, 100200104 rate).
- App: ``GET /govops/app-stats/v1/accounts/{id}`` (``Authorization: Bearer``; 401 / 429 with ``{error}``).

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
KUAISHOU_APP_ID = "ks-govops-app"  # the Kuaishou application the demo's tokens were issued to
APP_PREFIX = "/govops/app-stats/v1/accounts/"
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
    unanswered: int | None = None  # the message backlog (only the app endpoint reports it)
    oldest_unanswered_at: datetime | None = None
    as_of: datetime | None = None  # the app's own figures' time (None: as of the answer)


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
                     "/data/external/user/fans/": self._douyin_fans, "/toutiao/video/list/": self._toutiao_videos,
                     "/openapi/user_info": self._kuaishou_user, "/openapi/photo/list": self._kuaishou_photos}.get(path)
            if route is None and path.startswith(APP_PREFIX):
                self._app_stats(path.removeprefix(APP_PREFIX), q)
                return
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

    # --- Toutiao ------------------------------------------------------------------------------------------
    def _toutiao_videos(self, q: dict[str, str], _body: dict[str, Any]) -> None:
        acc = self.state.account("toutiao", q.get("open_id", ""))
        if acc is None or q.get("access_token") != acc.secret or acc.account_id in self.state.revoked:
            self._send({"data": {"error_code": 2190008, "description": "access_token过期,请刷新或重新授权"}})
            return
        if acc.account_id in self.state.rate_limited:
            self._send({"data": {"error_code": 2100004, "description": "系统繁忙，此时请开发者稍候再试"}})
            return
        cursor, count = int(q.get("cursor", 0)), min(20, int(q.get("count", 10)))
        posts = sorted(acc.posts, key=lambda p: p[1], reverse=True)
        page = posts[cursor:cursor + count]
        self._send({"data": {"error_code": 0, "description": "", "cursor": cursor + len(page),
                             "has_more": cursor + len(page) < len(posts),
                             "list": [{"item_id": pid, "title": f"头条 {pid}", "create_time": int(t.timestamp())}
                                      for pid, t in page]},
                    "extra": {"error_code": 0, "logid": "20261207000000000000"}})

    # --- Kuaishou -----------------------------------------------------------------------------------------
    def _kuaishou_account(self, q: dict[str, str]) -> FakeAccount | None:
        token = q.get("access_token", "")
        acc = next((a for a in self.state.accounts.values() if a.platform == "kuaishou" and a.secret == token), None)
        if q.get("app_id") != KUAISHOU_APP_ID:
            self._send({"result": 100200001, "error_msg": "app_id invalid"})
            return None
        if acc is None or acc.account_id in self.state.revoked:
            self._send({"result": 100200101, "error_msg": "access_token expired"})
            return None
        if acc.account_id in self.state.rate_limited:
            self._send({"result": 100200104, "error_msg": "request too frequent"})
            return None
        return acc

    def _kuaishou_user(self, q: dict[str, str], _body: dict[str, Any]) -> None:
        acc = self._kuaishou_account(q)
        if acc is not None:
            self._send({"result": 1, "user_info": {"name": acc.account_id, "sex": "M", "fan": acc.followers,
                                                   "follow": 0, "head": "", "bigHead": "", "city": "湖南"}})

    def _kuaishou_photos(self, q: dict[str, str], _body: dict[str, Any]) -> None:
        acc = self._kuaishou_account(q)
        if acc is None:
            return
        count = min(20, int(q.get("count", 20)))
        posts = sorted(acc.posts, key=lambda p: p[1], reverse=True)
        start = next((i + 1 for i, (pid, _) in enumerate(posts) if pid == q.get("cursor")), 0) if q.get("cursor") else 0
        self._send({"result": 1, "video_list": [
            {"photo_id": pid, "caption": f"快手 {pid}", "cover": "", "play_url": "",
             "create_time": int(t.timestamp() * 1000), "like_count": 0, "comment_count": 0, "view_count": 0,
             "pending": False}
            for pid, t in posts[start:start + count]]})

    # --- App (the GovOps statistics endpoint an app's operator exposes) ------------------------------------
    def _app_stats(self, account_id: str, q: dict[str, str]) -> None:
        acc = self.state.account("app", account_id)
        if acc is None:
            self._send({"error": {"code": "not_found", "message": "no such account"}}, 404)
            return
        if self.headers.get("Authorization") != f"Bearer {acc.secret}" or acc.account_id in self.state.revoked:
            self._send({"error": {"code": "unauthorized", "message": "token invalid or revoked"}}, 401)
            return
        if acc.account_id in self.state.rate_limited:
            self._send({"error": {"code": "rate_limited", "message": "slow down"}}, 429)
            return
        since = datetime.fromisoformat(q["since"]) if q.get("since") else None
        posts = sorted(acc.posts, key=lambda p: p[1], reverse=True)
        # Everything since ``since``, and one post before it (so a reader knows how far back the silence goes).
        shown = [p for p in posts if since is None or p[1] >= since]
        shown += [p for p in posts if since is not None and p[1] < since][:1]
        body: dict[str, Any] = {
            "version": 1, "account_id": acc.account_id,
            "posts": [{"id": pid, "published_at": t.astimezone(BEIJING).isoformat()} for pid, t in shown],
            "posts_complete": True, "followers": acc.followers, "interaction_open": acc.interaction_open,
            "messages": None if acc.unanswered is None else {
                "unanswered": acc.unanswered,
                "oldest_unanswered_at": acc.oldest_unanswered_at.isoformat() if acc.oldest_unanswered_at else None}}
        if acc.as_of is not None:
            body["as_of"] = acc.as_of.isoformat()
        self._send(body)
