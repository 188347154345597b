"""``python app.py inspect`` run as a user runs it (a subprocess, no terminal) on a tiny registry served on
loopback, with probe history written to the metric store."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from core.clock import to_ns
from core.config import load_config
from db.models import Site, SiteLevel
from db.session import transaction
from runtime.bootstrap import prepare_database
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

AS_OF = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # --as-of 2026-11-27: that day's 24:00 Beijing time
ROOT = Path(__file__).parents[2]


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


def _config(tmp_path: Path) -> str:
    cfg_file = tmp_path / "govops.toml"
    cfg_file.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "govops.db"}"\n'
                        f'[metrics.embedded]\npath = "{tmp_path / "metrics.db"}"\n[demo]\nenabled = false\n'
                        f'[logging]\nlevel = "INFO"\n', encoding="utf-8")
    return str(cfg_file)


def _registry(cfg: str, site_url: str) -> None:
    sessions = prepare_database(load_config(cfg, env={}))
    with transaction(sessions) as s:
        for code in CODES:
            s.add(Site(code=code, name=f"芙蓉区人民政府{code[-1]}", url=site_url, level=SiteLevel.COUNTY_PORTAL,
                       node_code="430102"))


def _probes(tmp_path: Path, points: list[Point]) -> None:
    store = SQLiteMetricStore(tmp_path / "metrics.db")
    store.write(points)
    store.close()


CODES = ("4301020001", "4301020002")
TAGS = {"node": "430102", "city": "430100", "level": "county_portal"}


@pytest.fixture
def world(tmp_path: Path, site_url: str) -> dict[str, Any]:
    """Two sites with a week of hourly probes: site 1 failed the first 9 (5.4 % → veto), site 2 never."""
    cfg = _config(tmp_path)
    _registry(cfg, site_url)
    start = AS_OF - timedelta(days=7)
    _probes(tmp_path, [Point("site_probe", {"up": 0 if code.endswith("1") and k < 9 else 1},
                             to_ns(start + timedelta(hours=k + 0.5)), {"site": code, **TAGS})
                       for code in CODES for k in range(168)])
    return {"config": cfg}


@pytest.fixture
def fresh(tmp_path: Path, site_url: str) -> dict[str, Any]:
    """Two sites five minutes after start: five probes each, site 1 down for all of them."""
    cfg = _config(tmp_path)
    _registry(cfg, site_url)
    _probes(tmp_path, [Point("site_probe", {"up": 0 if code.endswith("1") else 1},
                             to_ns(AS_OF - timedelta(minutes=k + 0.5)), {"site": code, **TAGS})
                       for code in CODES for k in range(5)])
    return {"config": cfg}


def inspect(cfg: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real command, as a user runs it, with stdout and stderr pipes (no terminal)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVOPS_")}
    return subprocess.run([sys.executable, str(ROOT / "app.py"), "--config", cfg, "inspect", *argv], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_json_carries_findings_verdicts_with_sufficiency_and_runs(world: dict[str, Any]) -> None:
    r = inspect(world["config"], "--checks", "availability", "--as-of", "2026-11-27", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)  # stdout is the JSON document alone
    assert doc["as_of"] == "2026-11-27T16:00:00+00:00" and doc["timezone"] == "UTC"
    rows = doc["findings"]
    assert [(r["site_code"], r["check"], r["kind"], r["severity"], r["veto"]) for r in rows] == [
        ("4301020001", "availability", "probe_failures", "critical", True)]
    row = rows[0]
    assert {"location", "detail", "deadline", "first_seen", "evidence"} <= set(row)
    assert row["evidence"]["failed"] == 9 and row["evidence"]["total"] == 168 and "失败率" in row["detail"]
    assert row["evidence"]["sufficient"] is True and row["evidence"]["probes_counted"] == 140
    verdicts = {v["site_code"]: v for v in doc["verdicts"]}
    unreachable = next(i for i in verdicts["4301020001"]["items"] if i["item_code"] == "unreachable")
    assert (unreachable["status"], unreachable["status_label"]) == ("breached", "已触发")
    assert (unreachable["have"], unreachable["need"], unreachable["unit"], unreachable["sufficient"]) == (
        140, 140, "probes", True)
    assert verdicts["4301020001"]["vetoed"] and not verdicts["4301020002"]["vetoed"]
    homepage = next(i for i in verdicts["4301020002"]["items"] if i["item_code"] == "homepage_stale")
    assert homepage["status"] == "unknown" and homepage["have"] is None  # not run here; no window of its own
    assert {(x["site_code"], x["status"]) for x in doc["runs"]} == {(c, "ok") for c in CODES}
    assert "检查完成：2 个网站" in r.stderr


def test_table_without_a_terminal_has_no_bar_no_ansi_and_reads_local_time(world: dict[str, Any]) -> None:
    r = inspect(world["config"], "--checks", "availability", "--as-of", "2026-11-27")
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout + r.stderr and "\r" not in r.stderr  # no ANSI, no bar redraws
    out = r.stdout
    assert "网站标识码" in out and "紧急" in out and "首页无法访问比例超标" in out
    assert "首次发现（北京时间）" in out
    assert "单项否决（监测时间点 2026-11-28 00:00，北京时间）：" in out
    assert "4301020001 芙蓉区人民政府1：站点无法访问 已触发" in out
    err = r.stderr.splitlines()
    assert err[0] == "开始检查：2 个网站 × 1 项检查，监测时间点 2026-11-28 00:00（北京时间）"
    assert "检查进度：2/2 个网站（100%），已用时 " in r.stderr
    assert err[-1].startswith("检查完成：2 个网站、2 项次（完成 2，无法判定 0，超时 0），用时 ")
    assert err[-1].endswith("未解决问题 1 个（紧急 1，严重 0，一般 0，提示 0）；"
                            "单项否决：已触发 1 个网站，临近触发 0 个，数据不足 0 个")
    assert "level=info" not in r.stderr  # logs only from --verbose
    verbose = inspect(world["config"], "--checks", "availability", "--as-of", "2026-11-27", "--verbose")
    assert "level=info" in verbose.stderr


def test_five_minutes_of_probes_claim_no_veto_and_the_hints_fold_into_one_line(fresh: dict[str, Any]) -> None:
    r = inspect(fresh["config"], "--checks", "availability", "--as-of", "2026-11-27")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert " 已触发" not in out and "未发现已触发或临近触发的否决项" not in out
    assert out.count("监测次数不足") == 1 and "监测次数不足：2 个网站（已有 5/140 次监测）" in out
    assert "站点无法访问 数据不足：2 个网站（已有 5/140 次监测）" in out
    assert "首页无法访问比例超标" in out  # site 1's early evidence, not veto-flagged
    assert r.stderr.splitlines()[-1].endswith("单项否决：已触发 0 个网站，临近触发 0 个，数据不足 2 个")
    doc = json.loads(inspect(fresh["config"], "--checks", "availability", "--as-of", "2026-11-27",
                             "--format", "json").stdout)
    items = [i for v in doc["verdicts"] for i in v["items"] if i["item_code"] == "unreachable"]
    assert [(i["status"], i["have"], i["need"], i["sufficient"]) for i in items] == [
        ("insufficient", 5, 140, False)] * 2
    assert not any(f["veto"] for f in doc["findings"])


def test_runs_that_cannot_judge_fold_into_one_line(tmp_path: Path, site_url: str) -> None:
    cfg = _config(tmp_path)
    _registry(cfg, site_url)  # no probe history at all
    r = inspect(cfg, "--checks", "availability", "--as-of", "2026-11-27")
    assert r.returncode == 0, r.stderr
    failed = [ln for ln in r.stderr.splitlines() if "无法判定：" in ln]
    assert failed == ["首页可用性无法判定：2 个网站（4301020001、4301020002）："
                      "近 7 天没有首页探测数据，无法判定首页可用性"]


@pytest.mark.parametrize(("argv", "needle"), [
    (["--site", "9999999999"], "未登记的网站标识码：9999999999"),
    (["--site", " "], "网站标识码不能为空：--site ' '"),
    (["--checks", "availability,nonsense"], "未知的检查项：nonsense"),
    (["--checks", ","], "没有指定检查项：--checks ','"),
    (["--as-of", "2026-13-01"], "日期格式错误：--as-of '2026-13-01'"),
    (["--as-of", "27.11.2026"], "日期格式错误：--as-of '27.11.2026'"),
    (["--rules", "/nonexistent/rules.toml"], "检查规则文件错误"),
])
def test_bad_arguments_exit_2_with_a_chinese_message_and_no_traceback(world: dict[str, Any], argv: list[str],
                                                                     needle: str) -> None:
    r = inspect(world["config"], *argv)
    assert r.returncode == 2 and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
