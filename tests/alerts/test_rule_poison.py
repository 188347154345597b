"""Poisoned rule files (issue 9 item 5): a file nested 500 levels deep, a NUL byte, a byte that is not
UTF-8, a file over the size limit, values YAML cannot construct or that overflow — each is one
``FILE:LINE: reason`` in Chinese from ``rules check``, and the running service keeps evaluating and
notifying with the rules in force while ``/rules`` shows the error (the same RuleDirectory, as in
``app.py run``)."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import app
from alerts.rule_dir import RuleDirectory
from alerts.rules import MAX_FILE_BYTES, check_rule_file, load_rule_files
from alerts.service import AlertService
from alerts.states import AlertState
from core.clock import FixedClock, to_ns
from core.config import PROJECT_ROOT, AlertsConfig, Config
from db.models_alerts import Alert
from db.models_security import Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.world import NOW, build_world
from tests.security.dash_client import DashClient
from tests.support.web import wall_app
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
TAGS = {"site": "4301020001", "node": "430102", "city": "430100", "level": "county_portal"}
GOOD = """\
version: 1
groups:
  - name: test
    rules:
      - name: site_down
        kind: threshold
        severity: critical
        measurement: site_probe
        field: up
        agg: last
        window: 5m
        op: "=="
        value: 0
        for: 3m
        group_by: [site, node, city]
        summary: "网站 {labels[site]} 无法访问，{duration}"
"""
RULE = GOOD.split("    rules:\n", 1)[1].replace("site_down", "poisoned")


def _rule_with(key: str, value: str) -> str:
    """A valid file whose rule has ``key: value`` instead of the good value (or added)."""
    lines = [ln for ln in RULE.splitlines() if not ln.strip().startswith(f"{key}:")]
    return "version: 1\ngroups:\n  - name: p\n    rules:\n" + "\n".join(lines) + f"\n        {key}: {value}\n"


# (id, file content as bytes, the line the error names (0: the file as a whole, -1: the last line, where
# _rule_with puts the bad value), a fragment of the reason)
POISONS = [
    ("nested_500", ("version: 1\ngroups: " + "[" * 500 + "]" * 500 + "\n").encode(), 2, "嵌套超过"),
    ("nested_maps", ("version: 1\ngroups:\n  - " + "{a: " * 400 + "1" + "}" * 400 + "\n").encode(), 3, "嵌套超过"),
    ("nul_byte", b"version: 1\ngroups:\n  - name: a\x00b\n", 3, "控制字符 U+0000"),
    ("not_utf8", "version: 1\ngroups:\n  - name: 站点\n".encode("gbk"), 3, "不是 UTF-8"),
    ("oversized", b"version: 1\n" + b"# padding\n" * (MAX_FILE_BYTES // 10 + 1), 0, "文件过大"),
    ("impossible_date", _rule_with("window", "2026-02-30").encode(), -1, "无法解析"),
    ("huge_integer", _rule_with("value", "1" * 5000).encode(), -1, "无法解析"),
    ("infinite", _rule_with("value", ".inf").encode(), -1, "有限的数值"),
    ("duration_overflow", _rule_with("for", "9999999999d").encode(), -1, "时长"),
    ("summary_gigabytes", _rule_with("summary", '"{value:1000000000}"').encode(), -1, "宽度或精度过大"),
    ("complex_key", b"version: 1\n? [a, b]\n: 1\ngroups: []\n", 2, "键应为单个名称"),
    ("alias_loop", b"version: 1\ngroups: &g [*g]\n", 2, "规则组应为键值映射"),
    # 97 KB naming 200 rules 2,000 times through an alias: 54 s and 400,000 errors before, in every cycle
    ("alias_bomb", ("version: 1\ngroups:\n  - name: g\n    rules: &r\n" + RULE.replace("poisoned", "r") * 200
                    + "".join(f"  - {{name: g{j}, rules: *r}}\n" for j in range(2000))).encode(), 5, "规则过多"),
    ("error_flood", ("version: 1\ngroups:\n  - name: g\n    rules:\n" + "      - {name: x}\n" * 5000).encode(),
     204, "错误已达 200 处"),
]


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)


@pytest.mark.parametrize("poison", POISONS, ids=[p[0] for p in POISONS])
def test_rules_check_names_file_and_line_in_chinese(tmp_path: Path, poison: tuple,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _, content, line, fragment = poison
    f = tmp_path / "poison.yaml"
    _write(f, content)
    rules, errors = check_rule_file(f)
    assert rules == [] and errors, errors
    assert all(file == str(f) for file, _, _ in errors)
    if line == -1:
        line = content.decode().count("\n")
    assert any(fragment in reason and n == line for _, n, reason in errors), errors
    assert len(errors) <= 201  # bounded, whatever the file holds
    assert app.main(["rules", "check", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:" in err and fragment in err and "Traceback" not in err and "Error" not in err


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append(json.loads(body))  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.received = []  # type: ignore[attr-defined]
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("poison", [p for p in POISONS if p[0] in ("nested_500", "nul_byte", "oversized",
                                                                    "summary_gigabytes", "alias_loop", "alias_bomb")],
                         ids=lambda p: p[0])
def test_the_service_keeps_evaluating_and_notifying_with_the_rules_in_force(
        migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path, hook: tuple[str, list[dict]],
        poison: tuple) -> None:
    _, sessions = migrated_db
    _, content, _, fragment = poison
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "sites.yaml").write_text(GOOD, encoding="utf-8")
    receivers = tmp_path / "receivers.toml"
    receivers.write_text(f'[receivers.ops]\nkind = "webhook"\nurl = "{hook[0]}"\ntimeout = 5.0\n\n'
                         '[[routes]]\nreceivers = ["ops"]\n', encoding="utf-8")
    config = dataclasses.replace(Config(), alerts=AlertsConfig(rules_dir=str(rules), receivers_file=str(receivers)))
    store = SQLiteMetricStore(tmp_path / "m.db")
    try:
        svc = AlertService(config, sessions, store, FixedClock(T0))
        assert [r.name for r in svc.engine.ruleset.rules] == ["site_down"]
        _write(rules / "zz-poison.yaml", content)  # dropped in while the service runs
        store.write([Point("site_probe", {"up": 0}, to_ns(T0 - timedelta(seconds=10)), TAGS)])
        rep = svc.tick(T0)
        assert "zz-poison.yaml:" in rep.rules_error and fragment in rep.rules_error
        assert not rep.errors and rep.evaluated is not None and rep.evaluated.rules == 1
        later = T0 + timedelta(minutes=4)
        store.write([Point("site_probe", {"up": 0}, to_ns(later - timedelta(seconds=10)), TAGS)])
        rep = svc.tick(later)
        assert not rep.errors and rep.evaluated is not None and rep.evaluated.fired == 1
        with sessions() as s:
            assert [(a.rule, a.state) for a in s.scalars(select(Alert))] == [("site_down", AlertState.FIRING)]
        assert [m["status"] for m in hook[1]] == ["firing"]  # notified despite the poisoned file
        (rules / "zz-poison.yaml").unlink()
        rep = svc.tick(later + timedelta(seconds=30))
        assert rep.rules_error == "" and [r.name for r in svc.engine.ruleset.rules] == ["site_down"]
    finally:
        store.close()


def test_the_rules_page_shows_the_poisoned_file_and_the_rules_in_force(tmp_path: Path) -> None:
    world = build_world(tmp_path)
    try:
        d = tmp_path / "rules"
        d.mkdir()
        for f in (PROJECT_ROOT / "data" / "alerts" / "rules").glob("*.yaml"):
            (d / f.name).write_bytes(f.read_bytes())
        config = dataclasses.replace(world.config, alerts=AlertsConfig(rules_dir=str(d),
                                                                       receivers_file=str(tmp_path / "none.toml")))
        directory = RuleDirectory(d)  # one truth for engine and page, as app.py run shares it
        svc = AlertService(config, world.sessions, world.store, FixedClock(NOW), rules=directory)
        shipped = len(load_rule_files([d]))
        assert len(svc.engine.ruleset) == shipped
        with transaction(world.sessions) as s:
            create_user(s, "viewer", "Poison-page-2026!", Role.ONCALL, "430000", actor="test", now=NOW)
        web = wall_app(config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW), rules=directory)
        _write(d / "zz-deep.yaml", POISONS[0][1])
        rep = svc.tick(NOW)
        assert not rep.errors and rep.evaluated is not None and rep.evaluated.rules == shipped
        status, content = DashClient(web).login("viewer", "Poison-page-2026!").page("/rules")
        assert status == 200
        assert f"{d / 'zz-deep.yaml'}:2: 嵌套超过" in content
        assert "继续按上次完整载入的规则运行" in content and "site_down" in content
        assert "RecursionError" not in content and "Traceback" not in content
    finally:
        world.store.close()


def test_an_unreadable_directory_keeps_the_rules_in_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "sites.yaml").write_text(GOOD, encoding="utf-8")
    directory = RuleDirectory(d)
    assert [r.name for r in directory.refresh().in_force.rules] == ["site_down"]

    def unreadable(_paths: object) -> list[Path]:  # what listing a directory without read permission raises
        raise PermissionError(13, "Permission denied", str(d))

    monkeypatch.setattr("alerts.rule_dir.expand_paths", unreadable)
    assert [r.name for r in directory.refresh().in_force.rules] == ["site_down"]  # never raises
