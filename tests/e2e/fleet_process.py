"""The demo fleet in a process of its own, as an operator runs it (`python -m demo serve`).

End-to-end tests that crawl many pages run the fleet out of process so the fleet's serving and the
checkers' parsing do not share one interpreter lock. The spec for the ground truth is built in the
test process from the same settings and clock, so both sides agree on every page and date.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.config import PROJECT_ROOT


@dataclass
class FleetProcess:
    proc: subprocess.Popen[str]
    lines: queue.Queue[str]

    def wait_for(self, marker: str, timeout: float = 60.0) -> str:
        """The first output line containing ``marker``; raises if the process ends or time runs out."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"demo fleet printed no line with {marker!r} within {timeout} s") from None
            if line == "":
                raise RuntimeError(f"demo fleet exited ({self.proc.poll()}) before printing {marker!r}")
            if marker in line:
                return line

    def activate_dormant(self) -> None:
        """Activate the fleet's manual faults (defacement), as `kill -USR1` does for an operator."""
        os.kill(self.proc.pid, signal.SIGUSR1)
        self.wait_for("已激活")


@contextmanager
def fleet_process(env: Mapping[str, str], as_of: datetime) -> Iterator[FleetProcess]:
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "demo", "--as-of", as_of.isoformat(), "serve"],
                            cwd=PROJECT_ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8")
    lines: queue.Queue[str] = queue.Queue()

    def pump(stream: Any) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put("")

    threading.Thread(target=pump, args=(proc.stdout,), daemon=True).start()
    fp = FleetProcess(proc, lines)
    try:
        fp.wait_for("演示网站集群已启动")
        yield fp
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
