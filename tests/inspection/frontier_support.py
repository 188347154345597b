"""Sites served from memory for the frontier tests, and a runner over one of them."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from core.clock import FixedClock
from core.config import Config
from db.migrate import upgrade
from db.session import make_engine, make_session_factory
from inspection.rules import Rules
from inspection.runner import InspectionRunner, RunOutcome

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
HITS = web.AppKey("hits", Counter)  # (path, status) -> answers


def html(body: str) -> str:
    return f"<html><head><meta charset='utf-8'><title>测试</title></head><body>{body}</body></html>"


def memory_site(pages: dict[str, str], validators: Callable[[str], str] = lambda _p: "etag") -> web.Application:
    """Serves ``pages`` (path -> HTML, read at request time so tests may change them) and 404 for the rest.
    ``validators(path)``: "etag", "last_modified" or "" (none): which conditional requests a page honours."""
    hits: Counter[tuple[str, int]] = Counter()

    async def handler(r: web.Request) -> web.StreamResponse:
        body = pages.get(r.path)
        if body is None:
            hits[(r.path, 404)] += 1
            return web.Response(status=404, text="无此页面")
        kind = validators(r.path)
        headers: dict[str, str] = {}
        if kind == "etag":
            tag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'
            headers["ETag"] = tag
            if r.headers.get("If-None-Match") == tag:
                hits[(r.path, 304)] += 1
                return web.Response(status=304, headers=headers)
        elif kind == "last_modified":
            # the page's version in its Last-Modified: a changed page gets a new date
            seconds = int(hashlib.sha1(body.encode()).hexdigest(), 16) % 86_400
            stamp = format_datetime(datetime(2026, 12, 5, tzinfo=UTC) + timedelta(seconds=seconds), usegmt=True)
            headers["Last-Modified"] = stamp
            if r.headers.get("If-Modified-Since") == stamp:
                hits[(r.path, 304)] += 1
                return web.Response(status=304, headers=headers)
        hits[(r.path, 200)] += 1
        return web.Response(text=body, content_type="text/html", headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    app[HITS] = hits
    return app


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A migrated SQLite database only (the long crawl tests need not run twice)."""
    url = f"sqlite:///{os.path.join(tmp_path, 'govops.db')}"
    upgrade(url)
    engine = make_engine(url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


async def run_once(sessions: sessionmaker[Session], clock: FixedClock, checks: list[str],
                   settings: dict[str, Any], timeout: float = 120.0) -> list[RunOutcome]:
    rules = Rules(source="test", settings=settings, timeouts={c: timeout for c in checks})
    runner = InspectionRunner(Config(), sessions, None, checks=checks, rules=rules, clock=clock)
    try:
        return await runner.run(None, clock.now(), write_metrics=False)
    finally:
        await runner.aclose()
