"""`app.py run` as supervised processes: the web answers while another process holds thousands of
descriptors, a killed web process comes back, and Ctrl-C leaves no process behind.

The descriptors are real: this test opens thousands of TCP connections to the demo fleet's listeners, each
one an accepted socket in the fleet's process — the load that used to end the web server's ``select()``
loop when everything shared one process.
"""

from __future__ import annotations

import re
import resource
import signal
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.e2e.run_process import RunProcess, app_run

pytestmark = pytest.mark.e2e

CONNECTIONS = 3000  # well past select()'s 1023


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunProcess]:
    with app_run(tmp_path_factory.mktemp("processes"), "127.0.68", {"GOVOPS_INSPECTION__SCHEDULED": "false"}) as rp:
        yield rp


def _roles(rp: RunProcess) -> dict[str, psutil.Process]:
    out = {}
    for child in psutil.Process(rp.proc.pid).children():
        m = re.search(r"\bworker (\w+)", " ".join(child.cmdline()))
        if m:
            out[m.group(1)] = child
    return out


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return int(resp.status)


def test_each_part_runs_in_its_own_process(run: RunProcess) -> None:
    roles = _roles(run)
    assert set(roles) == {"fleet", "collect", "alert", "web"}
    assert len({p.pid for p in roles.values()} | {run.proc.pid}) == 5
    assert _status(run.base + "/healthz") == 200
    for role in ("fleet", "collect", "alert"):
        port = re.search(r"--health-port (\d+)", " ".join(roles[role].cmdline()))
        assert port is not None and _status(f"http://127.0.0.1:{port.group(1)}/healthz") == 200


def test_the_web_answers_while_another_process_holds_thousands_of_descriptors(run: RunProcess) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < CONNECTIONS + 500:
        pytest.skip(f"open-files hard limit {hard} is below {CONNECTIONS + 500}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, CONNECTIONS + 500), hard))
    fleet = _roles(run)["fleet"]
    listen = next(c.laddr for c in fleet.net_connections(kind="tcp4") if c.status == psutil.CONN_LISTEN)
    socks: list[socket.socket] = []
    try:
        for _ in range(CONNECTIONS):
            socks.append(socket.create_connection((listen.ip, listen.port), timeout=10))
        deadline = time.monotonic() + 60
        while fleet.num_fds() < CONNECTIONS:
            assert time.monotonic() < deadline, f"the fleet accepted only {fleet.num_fds()} descriptors"
            time.sleep(0.5)
        for _ in range(5):  # the web, in its own process, neither shares those descriptors nor stops answering
            assert _status(run.base + "/healthz") == 200 and _status(run.base + "/login") == 200
            time.sleep(0.5)
        assert _roles(run)["web"].num_fds() < 1024
    finally:
        for s in socks:
            s.close()


def test_a_killed_web_process_is_restarted(run: RunProcess) -> None:
    web = _roles(run)["web"]
    web.send_signal(signal.SIGKILL)
    run.wait_for(f"大屏服务（进程 {web.pid}）意外退出", timeout=60)
    line = run.wait_for("大屏服务已重启", timeout=120)
    assert str(web.pid) not in line and _status(run.base + "/login") == 200


def test_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    with app_run(tmp_path, "127.0.69", {"GOVOPS_INSPECTION__SCHEDULED": "false"}) as rp:
        rp.wait_for("初始密码保存在")  # start-up is over
        children = list(_roles(rp).values())
        assert len(children) == 4
        rp.proc.send_signal(signal.SIGINT)
        assert rp.proc.wait(timeout=60) == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []


def test_ctrl_c_during_start_up_leaves_no_process_behind(tmp_path: Path) -> None:
    with app_run(tmp_path, "127.0.70", {"GOVOPS_INSPECTION__SCHEDULED": "false"}) as rp:
        children = list(_roles(rp).values())
        rp.proc.send_signal(signal.SIGINT)  # the run may still be seeding the demo accounts
        assert rp.proc.wait(timeout=60) in (0, 130)  # 130: interrupted (已中断), as any command
    _, alive = psutil.wait_procs(children, timeout=10)
    assert children and alive == []


def test_workers_stop_when_their_supervisor_is_killed(tmp_path: Path) -> None:
    with app_run(tmp_path, "127.0.71", {"GOVOPS_INSPECTION__SCHEDULED": "false"}) as rp:
        rp.wait_for("初始密码保存在")
        children = list(_roles(rp).values())
        rp.proc.send_signal(signal.SIGKILL)  # no chance to stop anyone
        rp.proc.wait(timeout=10)
    _, alive = psutil.wait_procs(children, timeout=30)
    assert len(children) == 4 and alive == []


def test_alerting_switched_off_runs_no_alerting_process(tmp_path: Path) -> None:
    with app_run(tmp_path, "127.0.72", {"GOVOPS_INSPECTION__SCHEDULED": "false", "GOVOPS_ALERTS__ENABLED": "false"}
                 ) as rp:
        rp.wait_for("初始密码保存在")
        assert set(_roles(rp)) == {"fleet", "collect", "web"}
        assert "[4/5] 启动采集服务（告警已关闭）…" in rp.seen and _status(rp.base + "/healthz") == 200
