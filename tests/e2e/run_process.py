"""`app.py run` in a process of its own, as an operator starts it, on loopback and in a scratch directory.

The command center is started exactly as `make run` does (demo fleet, collectors, alerting, web),
with its databases, secrets and demo files under ``tmp`` and its own loopback addresses and ports, so a
test can watch it through a real browser and read its databases afterwards.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from core.config import PROJECT_ROOT

KIOSK_URL = re.compile(r"(http://127\.0\.0\.1:\d+/\?kiosk=[A-Za-z0-9_\-]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunProcess:
    proc: subprocess.Popen[str]
    base: str
    env: dict[str, str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)
    kiosk_url: str = ""

    def wait_for(self, marker: str, timeout: float = 120.0) -> str:
        """The first new output line containing ``marker``; raises if the process ends or time runs out."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"app.py run printed no line with {marker!r} within {timeout} s") from None
            if line == "\0":
                raise RuntimeError(f"app.py run exited ({self.proc.poll()}) before printing {marker!r}:\n"
                                   + "\n".join(self.seen[-40:]))
            if marker in line:
                return line

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        return int(self.proc.returncode)


def run_env(tmp: Path, port: int, prefix: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Settings for a scratch `app.py run`: every file under ``tmp``, web on ``port``, the fleet on ``prefix``."""
    fleet_port = free_port()
    return {
        "GOVOPS_DATABASE__URL": f"sqlite:///{tmp / 'govops.db'}",
        "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp / "metrics.db"),
        "GOVOPS_SECURITY__SECRET_KEY_FILE": str(tmp / "secret_key"),
        "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp / "demo-ca.pem"),
        "GOVOPS_WEB__PORT": str(port),
        "GOVOPS_DEMO__BIND_PREFIX": prefix,
        "GOVOPS_DEMO__PORT": str(fleet_port),
        "GOVOPS_DEMO__HTTPS_PORT": str(fleet_port + 1 if fleet_port < 65535 else free_port()),
        **(extra or {}),
    }


@contextmanager
def app_run(tmp: Path, prefix: str, extra: Mapping[str, str] | None = None) -> Iterator[RunProcess]:
    """`app.py run` with :func:`run_env` settings; yields once the web answers, stops it with Ctrl-C."""
    port = free_port()
    env = run_env(tmp, port, prefix, extra)
    proc = subprocess.Popen([sys.executable, "app.py", "run"], cwd=PROJECT_ROOT,
                            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    rp = RunProcess(proc, f"http://127.0.0.1:{port}", env)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            rp.seen.append(line.rstrip("\n"))
            rp.lines.put(line.rstrip("\n"))
        rp.lines.put("\0")

    threading.Thread(target=pump, daemon=True).start()
    try:
        found = KIOSK_URL.search(rp.wait_for("?kiosk="))
        assert found is not None
        rp.kiosk_url = found.group(1)
        yield rp
    finally:
        rp.stop()
