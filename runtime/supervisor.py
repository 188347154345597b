"""The process supervisor behind ``app.py run``: every part of the command center in a process of its own.

The web tier, the collectors (probes and inspection crawls), alerting and the demo fleet each run as a
child process (``app.py worker ROLE``), so a crawl holding thousands of sockets never shares a
descriptor table or an event loop with the server the walls read. The supervisor starts the children in
order (each one answering its ``/healthz`` before the next starts), then watches them: a child that exits,
or stops answering its health check, is restarted with back-off; one that keeps dying makes the whole run
stop with a non-zero status and a Chinese line saying which part and why — never a silent hang.

:class:`RestartPolicy` is the pure decision (when to restart, when to give up); :class:`Supervisor` does
the processes and the HTTP health checks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core import selfmetrics
from core.cli import os_error_text
from core.logging import get_logger

log = get_logger(__name__)

USER_ERROR = 2  # a child's exit status for a user error (bad config, address in use): restarting cannot help


@dataclass(frozen=True)
class ChildSpec:
    """One supervised process: its role, its Chinese name, the command and the health URL it answers."""

    role: str
    label_zh: str
    argv: Sequence[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout_s: float = 180.0  # start-up budget: the first answer of /healthz
    starting_zh: str = ""  # the operator's line when it first starts (none when empty)
    ready_zh: str = ""  # and once it answers
    health_text: str = ""  # a program of its own (vmagent): healthy is HTTP 200 with this body, not JSON "ok"
    # Sent to the child by the kernel when the supervisor dies without stopping it (SIGKILL, OOM): a program
    # of its own (vmagent, a node of the federation demo) has no --parent watch as the workers do, and an
    # orphan would keep its port and its files. SIGTERM lets it stop cleanly (vmagent saves its queue).
    parent_death_signal: int | None = None
    # Called (on the supervisor's thread for the child; quick, never raising) each time the child answers after
    # a start or restart, and after each passing periodic health check: the uplink's replay hooks.
    on_ready: Callable[[], None] | None = None
    on_healthy: Callable[[], None] | None = None


@dataclass
class RestartPolicy:
    """When to restart a child that ended, and when to give up (pure: times are passed in).

    Back-off doubles from ``initial_s`` to ``max_s``; it starts over once a child stayed up ``stable_s``.
    More than ``max_restarts`` exits within ``window_s`` means the child cannot run: give up.
    """

    max_restarts: int = 5
    window_s: float = 300.0
    initial_s: float = 1.0
    max_s: float = 30.0
    stable_s: float = 120.0
    _exits: deque[float] = field(default_factory=deque)
    _delay: float = 0.0

    def on_exit(self, now: float, started_at: float) -> float | None:
        """The delay before the restart of a child started at ``started_at`` that ended at ``now``;
        None: give up."""
        if now - started_at >= self.stable_s:
            self._delay = 0.0
        self._exits.append(now)
        while self._exits and now - self._exits[0] > self.window_s:
            self._exits.popleft()
        if len(self._exits) > self.max_restarts:
            return None
        self._delay = self.initial_s if self._delay == 0 else min(self.max_s, self._delay * 2)
        return self._delay

    @property
    def recent_exits(self) -> int:
        return len(self._exits)


@dataclass(frozen=True)
class HealthSettings:
    every_s: float = 5.0  # one check per child this often
    timeout_s: float = 10.0  # an answer slower than this counts as a failure
    failures: int = 6  # this many failures in a row: the child is hung; killed and restarted
    stop_timeout_s: float = 30.0  # SIGTERM, then SIGKILL after this


class GiveUp(Exception):
    """A child could not be (re)started; the message is the Chinese reason."""


def probe_health(url: str, timeout: float, text: str = "") -> tuple[bool, str]:
    """(healthy, what was seen, in Chinese) for one GET of ``url``: healthy is HTTP 200 with ``"ok": true``,
    or with the body ``text`` when one is given (another program's health page, e.g. vmagent's ``OK``)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            raw = resp.read(65536)
            if text:
                ok = raw.decode("utf-8", "replace").strip() == text
                return (True, f"HTTP {resp.status}") if ok else (False, f"HTTP {resp.status}，自检未通过")
            body = json.loads(raw or b"{}")
            return (True, f"HTTP {resp.status}") if body.get("ok") else (False, f"HTTP {resp.status}，自检未通过")
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}" + ("，自检未通过" if exc.code == 503 else "")
    except urllib.error.URLError as exc:  # connecting failed (or timed out)
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return False, f"{timeout:g} 秒内没有应答"
        return False, os_error_text(reason) if isinstance(reason, OSError) else "无法连接"
    except TimeoutError:  # connected; the answer did not come in time (a hung process)
        return False, f"{timeout:g} 秒内没有应答"
    except OSError as exc:
        return False, os_error_text(exc)
    except ValueError:
        return False, "应答不是 JSON"


class _Child:
    """One child process and its restart state, driven by the supervisor's thread for it."""

    def __init__(self, spec: ChildSpec, policy: RestartPolicy) -> None:
        self.spec = spec
        self.policy = policy
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restarts = 0

    def start(self) -> None:
        # Its own process group: a terminal's Ctrl-C reaches the supervisor alone, which stops the children
        # in order (a child that saw it first would look like a crash and be restarted).
        death = self.spec.parent_death_signal
        self.proc = subprocess.Popen(list(self.spec.argv), env={**os.environ, **self.spec.env},
                                     stdin=subprocess.DEVNULL, process_group=0,
                                     preexec_fn=(lambda: _die_with_parent(death)) if death else None)
        self.started_at = time.monotonic()
        log.info("supervisor.child_started", role=self.spec.role, pid=self.proc.pid)

    def stop(self, timeout: float) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        self.dead()

    def dead(self) -> None:
        """The child has exited: its live values leave the run's /metrics (prometheus_client multiprocess)."""
        if self.proc is not None and self.proc.poll() is not None:
            multiproc = self.spec.env.get(selfmetrics.MULTIPROC_ENV)
            selfmetrics.process_dead(self.proc.pid, Path(multiproc) if multiproc else None)


def _die_with_parent(sig: int) -> None:
    """In the child before exec: have the kernel send ``sig`` when the parent dies (Linux prctl
    PR_SET_PDEATHSIG); elsewhere nothing. A parent already gone by now gets the signal sent at once."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, sig, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:
        os.kill(os.getpid(), sig)


def _hook(spec: ChildSpec, hook: Callable[[], None] | None) -> None:
    """Run a child's hook; a failing hook is logged and never stops the supervision."""
    if hook is None:
        return
    try:
        hook()
    except Exception as exc:  # a hook's bug must not end the watch over the child
        log.exception("supervisor.hook_failed", role=spec.role, error=str(exc))


class Supervisor:
    """Starts ``specs`` in order and keeps them running until :meth:`stop` (or until one cannot run)."""

    def __init__(self, specs: Sequence[ChildSpec], say: Callable[[str], None],
                 health: HealthSettings | None = None,
                 policy: Callable[[], RestartPolicy] = RestartPolicy) -> None:
        self.children = [_Child(s, policy()) for s in specs]
        self.say = say  # one Chinese line to the operator's terminal
        self.health = health or HealthSettings()
        self._stopping = threading.Event()
        self.failed = threading.Event()  # set with .reason when a child cannot run: the run must end non-zero
        self.reason = ""
        self._threads: list[threading.Thread] = []

    # -- start-up --------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start every child in order, each healthy before the next; raises :class:`GiveUp` (after
        stopping what started) when one does not come up."""
        for child in self.children:
            if child.spec.starting_zh:
                self.say(child.spec.starting_zh)
            child.start()
            try:
                self._wait_ready(child)
            except GiveUp:
                self.stop()
                raise
            if child.spec.ready_zh:
                self.say(child.spec.ready_zh)
            _hook(child.spec, child.spec.on_ready)
        for child in self.children:
            t = threading.Thread(target=self._watch, args=(child,), name=f"watch-{child.spec.role}", daemon=True)
            t.start()
            self._threads.append(t)

    def _wait_ready(self, child: _Child) -> None:
        deadline = time.monotonic() + child.spec.ready_timeout_s
        seen = ""
        while time.monotonic() < deadline and not self._stopping.is_set():
            assert child.proc is not None
            code = child.proc.poll()
            if code is not None:
                raise GiveUp(f"{child.spec.label_zh}未能启动：进程退出，退出码 {code}")
            ok, seen = probe_health(child.spec.health_url, self.health.timeout_s, child.spec.health_text)
            if ok:
                return
            time.sleep(0.3)
        if self._stopping.is_set():
            raise GiveUp(f"{child.spec.label_zh}启动被中止")
        raise GiveUp(f"{child.spec.label_zh}在 {child.spec.ready_timeout_s:g} 秒内没有就绪（健康检查：{seen}）")

    # -- watching --------------------------------------------------------------------------------------
    def _watch(self, child: _Child) -> None:
        failures = 0
        while not self._stopping.wait(self.health.every_s):
            assert child.proc is not None
            code = child.proc.poll()
            if code is None:
                ok, seen = probe_health(child.spec.health_url, self.health.timeout_s, child.spec.health_text)
                if self._stopping.is_set():
                    return
                failures = 0 if ok else failures + 1
                if ok:
                    _hook(child.spec, child.spec.on_healthy)
                if failures < self.health.failures:
                    continue
                self.say(f"{child.spec.label_zh}（进程 {child.proc.pid}）连续 {failures} 次健康检查失败"
                         f"（{seen}），强制重启")
                log.error("supervisor.child_hung", role=child.spec.role, pid=child.proc.pid, seen=seen)
                child.proc.kill()
                code = child.proc.wait(10)
            elif self._stopping.is_set():
                return
            else:
                self.say(f"{child.spec.label_zh}（进程 {child.proc.pid}）意外退出，退出码 {code}")
                log.error("supervisor.child_exited", role=child.spec.role, pid=child.proc.pid, code=code)
            child.dead()
            failures = 0
            if not self._restart(child, code):
                return

    def _restart(self, child: _Child, code: int) -> bool:
        if code == USER_ERROR:
            return self._give_up(f"{child.spec.label_zh}因配置或输入错误退出（退出码 {code}），重启无济于事")
        delay = child.policy.on_exit(time.monotonic(), child.started_at)
        if delay is None:
            return self._give_up(f"{child.spec.label_zh}在 {child.policy.window_s / 60:g} 分钟内退出了 "
                                 f"{child.policy.recent_exits} 次，不再重启")
        child.restarts += 1
        self.say(f"{delay:g} 秒后重启{child.spec.label_zh}（第 {child.restarts} 次重启）")
        if self._stopping.wait(delay):
            return False
        child.start()
        try:
            self._wait_ready(child)
        except GiveUp as exc:
            child.stop(self.health.stop_timeout_s)
            self.say(str(exc))
            return self._restart(child, child.proc.returncode if child.proc else 1)
        self.say(f"{child.spec.label_zh}已重启（进程 {child.proc.pid if child.proc else '?'}）")
        _hook(child.spec, child.spec.on_ready)
        return True

    def _give_up(self, reason: str) -> bool:
        self.reason = reason
        self.failed.set()
        return False

    # -- stopping --------------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop every child, the last started first (the web before the collectors before the fleet)."""
        if self._stopping.is_set() and all(c.proc is None or c.proc.poll() is not None for c in self.children):
            return  # stopped already (idempotent)
        self._stopping.set()
        for child in reversed(self.children):
            child.stop(self.health.stop_timeout_s)
        for t in self._threads:
            t.join(self.health.timeout_s + 1)

    def pids(self) -> dict[str, int | None]:
        return {c.spec.role: (c.proc.pid if c.proc is not None and c.proc.poll() is None else None)
                for c in self.children}
