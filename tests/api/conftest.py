"""The open API served by the real app (runtime.webapp.create_app) on waitress at 127.0.0.1, over the small
wall-test world (tests/dashboard/world.py): sites and hosts of the province, 长沙 (430100), its county 芙蓉区
(430102), 株洲 (430200) …, findings, and a real SQLite metric store."""

from __future__ import annotations

import gzip
import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from core.config import ApiConfig
from db.session import transaction
from security.api_tokens import create_token
from tests.dashboard.world import NOW, World, build_world
from tests.support.web import serve

LIMITS = ApiConfig(max_body_bytes=64 * 1024, max_lines=500, max_rows=50)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Api:
    world: World
    base: str

    def token(self, node: str, name: str | None = None) -> str:
        with transaction(self.world.sessions) as s:
            return create_token(s, node, name=name, actor="test", now=NOW)[1]

    def request(self, method: str, path: str, *, token: str | None = None, body: bytes | None = None,
                params: dict[str, Any] | list[tuple[str, str]] | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        url = urlsplit(self.base)
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Token {token}"
        query = f"?{urlencode(params)}" if params else ""
        try:
            conn.request(method, path + query, body=body, headers=sent)
            r = conn.getresponse()
            return Reply(r.status, r.headers, r.read())
        finally:
            conn.close()

    def write(self, token: str | None, lines: str | bytes, *, gzipped: bool = False,
              params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Reply:
        raw = lines.encode("utf-8") if isinstance(lines, str) else lines
        extra = dict(headers or {})
        if gzipped:
            raw = gzip.compress(raw)
            extra["Content-Encoding"] = "gzip"
        return self.request("POST", "/api/v2/write", token=token, body=raw,
                            params=params or {"bucket": "govops", "precision": "s"}, headers=extra)

    def get(self, path: str, token: str | None, params: Any = None) -> Reply:
        return self.request("GET", path, token=token, params=params)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    world = build_world(tmp_path)
    try:
        with serve(world, replace(world.config, api=LIMITS)) as base:
            yield Api(world, base)
    finally:
        world.close()
