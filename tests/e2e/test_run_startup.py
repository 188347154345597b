"""`app.py run` in demo mode as a newcomer starts it: the start-up lines on stdout without log lines in
between, the demo accounts' passwords in a 0600 file whose path is the last thing printed (so it is not
scrolled away), a demo roster so notifications have someone to go to, and Ctrl-C ends it cleanly."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.config import PROJECT_ROOT
from db.models_alerts import DutyShift
from db.session import make_engine, make_session_factory

pytestmark = pytest.mark.e2e


def _free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def test_demo_start_up_ends_with_the_password_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVOPS_")}
    env.update({"GOVOPS_DATABASE__URL": f"sqlite:///{tmp_path / 'g.db'}",
                "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp_path / "m.db"),
                "GOVOPS_SECURITY__SECRET_KEY_FILE": str(tmp_path / "var" / "secret_key"),
                "GOVOPS_WEB__PORT": str(_free_port()), "GOVOPS_DEMO__PORT": str(_free_port("127.0.1.1")),
                "GOVOPS_DEMO__HTTPS_PORT": str(_free_port("127.0.1.1")), "GOVOPS_INSPECTION__SCHEDULED": "false",
                "PYTHONUNBUFFERED": "1"})
    proc = subprocess.Popen([sys.executable, "app.py", "run"], cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    out: queue.Queue[str] = queue.Queue()
    err: list[str] = []
    threading.Thread(target=lambda: [out.put(line.rstrip("\n")) for line in proc.stdout or []], daemon=True).start()
    threading.Thread(target=lambda: err.extend(proc.stderr or []), daemon=True).start()
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while not any("初始密码保存在" in line for line in lines):
            assert proc.poll() is None, f"run ended early: {lines} {err}"
            try:
                lines.append(out.get(timeout=max(deadline - time.monotonic(), 0.1)))
            except queue.Empty:
                pytest.fail(f"no password file line within 120 s: {lines} {err}")
        time.sleep(5)  # the first collector rounds run: nothing more may land after the path
        while not out.empty():
            lines.append(out.get())
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0
    start_up = lines[:lines.index(next(line for line in lines if "初始密码保存在" in line)) + 1]
    assert start_up[:2] == ["节点角色：单机部署（区划代码 430000）", "[1/5] 准备数据库 …"]
    assert "演示值班表：新建值班员 9 人" in "\n".join(start_up)
    assert lines[len(start_up):] in ([], ["正在停止 …"])  # the path stays the last line of start-up
    assert not any(line.startswith("ts=") for line in lines) and not any("level=info" in e for e in err)
    path = Path(re.search(r"保存在：(\S+)（", start_up[-1]).group(1))  # type: ignore[union-attr]
    assert path == tmp_path / "var" / "demo" / "demo-accounts.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    accounts = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line[:1] != "#"]
    assert accounts[0][:3] == ["admin", "省级管理员", "430000"] and len(accounts) == 10
    assert not any(a[3] in "\n".join(lines + err) for a in accounts)  # no password on screen or in a log
    engine = make_engine(env["GOVOPS_DATABASE__URL"])
    try:
        with make_session_factory(engine)() as s:
            assert s.scalar(select(func.count()).select_from(DutyShift)) > 0
    finally:
        engine.dispose()
