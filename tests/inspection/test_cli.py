"""``python app.py inspect`` through ``app.main`` on a tiny registry served on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import app
from core.bootstrap import prepare_database
from core.clock import to_ns
from core.config import load_config
from db.models import Site, SiteLevel
from db.session import transaction
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

AS_OF = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # --as-of 2026-11-27: that day's 24:00 Beijing time


@pytest.fixture
def site_url() -> Iterator[str]:
    """A homepage served by aiohttp on loopback, in its own thread (app.main runs its own loop)."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def home(_request: web.Request) -> web.Response:
        return web.Response(text="<html><body>芙蓉区人民政府</body></html>", content_type="text/html")

    async def start() -> None:
        a = web.Application()
        a.router.add_get("/", home)
        runner = web.AppRunner(a, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        box["runner"], box["port"] = runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield f"http://127.0.0.1:{box['port']}/"
    finally:
        asyncio.run_coroutine_threadsafe(box["runner"].cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


@pytest.fixture
def world(tmp_path: Path, site_url: str) -> dict[str, Any]:
    cfg_file = tmp_path / "govops.toml"
    cfg_file.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "govops.db"}"\n'
                        f'[metrics]\npath = "{tmp_path / "metrics.db"}"\n[demo]\nenabled = false\n'
                        f'[logging]\nlevel = "WARNING"\n', encoding="utf-8")
    config = load_config(cfg_file, env={})
    sessions = prepare_database(config)
    with transaction(sessions) as s:
        for code in ("4301020001", "4301020002"):
            s.add(Site(code=code, name="芙蓉区人民政府", url=site_url, level=SiteLevel.COUNTY_PORTAL,
                       node_code="430102"))
    store = SQLiteMetricStore(tmp_path / "metrics.db")
    start = AS_OF - timedelta(days=7)
    tags = {"node": "430102", "city": "430100", "level": "county_portal"}
    # one probe an hour for a week: site 1 failed the first 9 (5.4 % → veto), site 2 never failed
    store.write([Point("site_probe", {"up": 0 if code.endswith("1") and k < 9 else 1},
                       to_ns(start + timedelta(hours=k + 0.5)), {"site": code, **tags})
                 for code in ("4301020001", "4301020002") for k in range(168)])
    store.close()
    return {"config": str(cfg_file)}


def test_json_output(world: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code = app.main(["--config", world["config"], "inspect", "--checks", "availability", "--as-of", "2026-11-27",
                     "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    rows = json.loads(captured.out)
    assert [(r["site_code"], r["check"], r["kind"], r["severity"], r["veto"]) for r in rows] == [
        ("4301020001", "availability", "probe_failures", "critical", True)]
    row = rows[0]
    assert {"location", "detail", "deadline", "first_seen", "evidence"} <= set(row)
    assert row["evidence"]["failed"] == 9 and row["evidence"]["total"] == 168 and "失败率" in row["detail"]
    assert "共检查 2 个网站" in captured.err

    # the table, for one site: Chinese headers and labels; the same finding, still open
    code = app.main(["--config", world["config"], "inspect", "--checks", "availability", "--as-of", "2026-11-27",
                     "--site", "4301020001"])
    out = capsys.readouterr().out
    assert code == 0 and "网站标识码" in out and "紧急" in out and "首页无法访问比例超标" in out


@pytest.mark.parametrize(("argv", "needle"), [
    (["--site", "9999999999"], "未登记的网站标识码：9999999999"),
    (["--checks", "availability,nonsense"], "未知的检查项：nonsense"),
    (["--as-of", "2026-13-01"], "日期格式错误"),
    (["--as-of", "27.11.2026"], "日期格式错误"),
    (["--rules", "/nonexistent/rules.toml"], "检查规则文件错误"),
])
def test_bad_arguments_exit_2(world: dict[str, Any], capsys: pytest.CaptureFixture[str], argv: list[str],
                              needle: str) -> None:
    assert app.main(["--config", world["config"], "inspect", *argv]) == 2
    assert needle in capsys.readouterr().err
