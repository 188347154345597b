"""``app.py walls``: list every playlist with its items and kiosk URL state; create a kiosk URL (printed once,
and it opens the playlist's wall) and revoke it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

import app as app_module
from core.config import load_config
from db.session import transaction
from runtime.bootstrap import prepare_database
from security.kiosk import resolve_token
from walls.playlist import Expansion, Item
from walls.store import create_playlist

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


@pytest.fixture
def cfg(tmp_path: Path) -> str:
    path = tmp_path / "govops.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "g.db"}"\n[web]\nport = 8123\n', encoding="utf-8")
    return str(path)


def _run(cfg: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = app_module.main(["--config", cfg, *argv])
    return code, capsys.readouterr().out


def test_walls_list_kiosk_create_and_revoke(cfg: str, capsys: pytest.CaptureFixture[str]) -> None:
    sessions = prepare_database(load_config(cfg))
    with transaction(sessions) as s:
        create_playlist(s, "省中心", "430000", [Item("overview", 20), Item("city", 10, Expansion.EACH_CITY)],
                        actor="t", now=NOW)
        create_playlist(s, "长沙厅", "430100", [Item("city", 15, city="430100")], actor="t", now=NOW)
    code, out = _run(cfg, capsys, "walls", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "名称\t范围\t项目\t大屏地址\t最近使用"
    assert len(lines) == 1 + 2 + 15 + 1  # the header, ours, the 15 rooms' seeded defaults, the note
    assert lines[1:3] == ["*全省大屏默认轮播\t430000\t全省总览·不展开·3600秒\t未生成\t—",  # rotate_seconds 0
                          "省中心\t430000\t全省总览·不展开·20秒，市州详情·逐个市州轮播·10秒\t未生成\t—"]
    assert lines[3:5] == ["长沙厅\t430100\t市州详情·430100·15秒\t未生成\t—",
                          "*长沙市大屏默认轮播\t430100\t市州详情·430100·5秒\t未生成\t—"]
    assert "标 * 的是各大屏室的默认轮播" in lines[-1] and "walls kiosk create" in lines[-1]

    code, out = _run(cfg, capsys, "walls", "kiosk", "create", "--playlist", "省中心")
    assert code == 0 and "只显示这一次" in out
    url = re.search(r"http://127\.0\.0\.1:8123/\?kiosk=(\S+)", out)
    assert url is not None
    with sessions() as s:
        row = resolve_token(s, url.group(1))
        assert row is not None and row.scope_code == "430000"
    code, out = _run(cfg, capsys, "walls", "kiosk", "create", "--playlist", "长沙厅", "--base-url",
                     "http://10.0.0.5:8050/")
    assert code == 0 and "http://10.0.0.5:8050/?kiosk=" in out
    code, out = _run(cfg, capsys, "walls", "list")
    assert re.search(r"省中心\t430000\t.*\t有效（创建于 \d{4}-\d\d-\d\d \d\d:\d\d）\t从未", out), out
    assert url.group(1) not in out  # the token itself is never listed

    code, out = _run(cfg, capsys, "walls", "kiosk", "revoke", "--playlist", "省中心")
    assert code == 0 and "已吊销轮播 省中心 的大屏地址" in out
    with sessions() as s:
        assert resolve_token(s, url.group(1)) is None
    code, out = _run(cfg, capsys, "walls", "list")
    assert "省中心\t430000" in out and "\t已吊销\t" in out
