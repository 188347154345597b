"""The supervisor of `app.py run` over real child processes answering real /healthz on loopback."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from core import selfmetrics
from core.config import PROJECT_ROOT
from runtime.health import HealthServer
from runtime.supervisor import ChildSpec, GiveUp, HealthSettings, RestartPolicy, Supervisor, probe_health

FAST = HealthSettings(every_s=0.2, timeout_s=0.5, failures=3, stop_timeout_s=5.0)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spec(mode: str, role: str = "web", label: str = "大屏服务") -> ChildSpec:
    port = _port()
    return ChildSpec(role=role, label_zh=label, health_url=f"http://127.0.0.1:{port}/healthz",
                     argv=[sys.executable, "-m", "tests.runtime.child", mode, str(port)],
                     env={"PYTHONPATH": str(PROJECT_ROOT)}, ready_timeout_s=30)


def _fast_policy() -> RestartPolicy:
    return RestartPolicy(max_restarts=2, window_s=60, initial_s=0.1, max_s=0.2)


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def supervise(lines: list[str]) -> Iterator[Callable[..., Supervisor]]:
    made: list[Supervisor] = []

    def make(*specs: ChildSpec) -> Supervisor:
        sup = Supervisor(specs, say=lines.append, health=FAST, policy=_fast_policy)
        made.append(sup)
        return sup

    yield make
    for sup in made:
        sup.stop()


def _until(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


def test_children_start_in_order_and_answer(supervise: Callable[..., Supervisor]) -> None:
    a, b = _spec("serve", "collect", "采集服务"), _spec("serve")
    sup = supervise(a, b)
    sup.start()
    assert probe_health(a.health_url, 2)[0] and probe_health(b.health_url, 2)[0]
    pids = sup.pids()
    assert set(pids) == {"collect", "web"} and None not in pids.values() and os.getpid() not in pids.values()


def test_a_killed_child_is_restarted_and_answers_again(supervise: Callable[..., Supervisor],
                                                        lines: list[str]) -> None:
    spec = _spec("serve")
    sup = supervise(spec)
    sup.start()
    first = sup.pids()["web"]
    assert first is not None
    os.kill(first, signal.SIGKILL)
    _until(lambda: any("大屏服务已重启" in line for line in lines))
    assert sup.pids()["web"] not in (None, first) and probe_health(spec.health_url, 1)[0]
    assert any(f"大屏服务（进程 {first}）意外退出，退出码 -9" in line for line in lines), lines
    assert not sup.failed.is_set()


def test_a_dead_childs_live_metrics_leave_the_run_and_every_child_gets_the_dir(
        supervise: Callable[..., Supervisor], lines: list[str], tmp_path: Path) -> None:
    multiproc = tmp_path / "multiproc"
    multiproc.mkdir()
    spec = _spec("serve")
    spec = replace(spec, env={**spec.env, selfmetrics.MULTIPROC_ENV: str(multiproc)})
    sup = supervise(spec)
    sup.start()
    first = sup.pids()["web"]
    assert first is not None
    assert f"{selfmetrics.MULTIPROC_ENV}={multiproc}".encode() in Path(f"/proc/{first}/environ").read_bytes()
    live = multiproc / f"gauge_livesum_{first}.db"  # where prometheus_client keeps the child's live gauges
    counter = multiproc / f"counter_{first}.db"
    live.write_bytes(b"")
    counter.write_bytes(b"")
    os.kill(first, signal.SIGKILL)
    _until(lambda: any("大屏服务已重启" in line for line in lines))
    assert not live.exists() and counter.exists()  # counters are totals: a dead child's still count


def test_a_hung_child_is_killed_and_restarted(supervise: Callable[..., Supervisor], lines: list[str]) -> None:
    spec = _spec("serve")
    sup = supervise(spec)
    sup.start()
    first = sup.pids()["web"]
    assert first is not None
    os.kill(first, signal.SIGSTOP)  # alive, answering nothing: the web thread's death looked like this
    _until(lambda: any("大屏服务已重启" in line for line in lines))
    assert sup.pids()["web"] not in (None, first) and probe_health(spec.health_url, 1)[0]
    assert any("连续 3 次健康检查失败" in line and "强制重启" in line for line in lines), lines


def test_a_child_that_keeps_dying_ends_the_run_with_a_reason(supervise: Callable[..., Supervisor]) -> None:
    sup = supervise(_spec("serve"))
    sup.start()
    for _ in range(3):  # the policy allows two restarts in its window
        _until(lambda: sup.pids()["web"] is not None or sup.failed.is_set())
        pid = sup.pids()["web"]
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        _until(lambda killed=pid: sup.pids()["web"] != killed or sup.failed.is_set())
    _until(sup.failed.is_set)
    assert sup.reason == "大屏服务在 1 分钟内退出了 3 次，不再重启"


def test_a_user_error_is_not_restarted(supervise: Callable[..., Supervisor]) -> None:
    ok = _spec("serve", "collect", "采集服务")
    sup = supervise(ok)
    with pytest.raises(GiveUp, match="大屏服务未能启动：进程退出，退出码 2"):
        supervise(ok, _spec("user-error")).start()
    del sup


def test_a_child_that_never_answers_fails_the_start_and_stops_the_others(
        supervise: Callable[..., Supervisor]) -> None:
    first = _spec("serve", "collect", "采集服务")
    mute = ChildSpec(**{**_spec("mute").__dict__, "ready_timeout_s": 1.5})
    sup = supervise(first, mute)
    with pytest.raises(GiveUp, match=r"大屏服务在 1\.5 秒内没有就绪（健康检查：连接被拒绝）"):
        sup.start()
    assert sup.pids() == {"collect": None, "web": None}  # the one that did start was stopped again


def test_restart_policy_backs_off_resets_when_stable_and_gives_up() -> None:
    p = RestartPolicy(max_restarts=3, window_s=100, initial_s=1, max_s=4, stable_s=50)
    assert [p.on_exit(t, t - 1) for t in (0, 1, 2)] == [1, 2, 4]
    assert p.on_exit(3, 2) is None  # a fourth exit within the window
    q = RestartPolicy(max_restarts=3, window_s=100, initial_s=1, max_s=4, stable_s=50)
    assert q.on_exit(0, -1) == 1 and q.on_exit(10, 9) == 2
    assert q.on_exit(200, 100) == 1  # up for 100 s: back-off starts over, and old exits left the window
    assert q.recent_exits == 1


def test_what_a_health_check_saw_is_said_in_chinese() -> None:
    port = _port()
    assert probe_health(f"http://127.0.0.1:{port}/healthz", 1) == (False, "连接被拒绝")
    with socket.socket() as silent:  # accepts (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        assert probe_health(f"http://127.0.0.1:{silent.getsockname()[1]}/healthz", 0.5) == (
            False, "0.5 秒内没有应答")
    parts = {"alerting": False}
    server = HealthServer("alert", 0, lambda: dict(parts)).start()
    try:
        url = f"http://127.0.0.1:{server.port}/healthz"
        assert probe_health(url, 2) == (False, "HTTP 503，自检未通过")
        parts["alerting"] = True
        assert probe_health(url, 2) == (True, "HTTP 200")
        assert probe_health(url.replace("/healthz", "/nope"), 2) == (False, "HTTP 404")
    finally:
        server.close()


def test_a_program_child_stops_when_its_supervisor_is_killed() -> None:
    """vmagent (or a node of the federation demo) has no --parent watch: the kernel's parent-death signal
    stops it when its supervisor is SIGKILLed, so no orphan keeps its port."""
    import subprocess

    import psutil

    proc = subprocess.Popen([sys.executable, "-m", "tests.runtime.child", "supervise", str(_port())],
                            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        child = psutil.Process(int(proc.stdout.readline()))
        assert child.is_running()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        child.wait(timeout=15)  # raises psutil.TimeoutExpired if it outlived its supervisor
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
