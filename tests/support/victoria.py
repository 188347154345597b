"""A real ``victoria-metrics`` (Debian package ``victoria-metrics``) on a free loopback port, for tests.

Started with a scratch storage folder, a retention long enough for fixed test dates (the server silently drops
samples older than ``-retentionPeriod``) and ``-search.latencyOffset=0s`` (fresh points are not held back from
instant queries); stopped, and its folder left to pytest's ``tmp_path``, afterwards. Start-up waits for
``/health`` a bounded number of times; a missing binary fails the test with the package to install (never a
silent skip: ``scripts/install-system-deps.sh`` installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

BINARY = "victoria-metrics"
START_ATTEMPTS = 3  # a free port can be taken between finding it and the server binding it
HEALTH_POLLS = 200  # x 0.05 s: ten seconds for the server to answer /health


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _healthy(proc: subprocess.Popen[bytes], url: str) -> bool:
    for _ in range(HEALTH_POLLS):
        if proc.poll() is not None:
            return False
        try:
            if requests.get(f"{url}/health", timeout=1).text.strip() == "OK":
                return True
        except requests.RequestException:
            pass
        time.sleep(0.05)
    return False


@contextmanager
def victoria_metrics(tmp: Path, *extra_flags: str, port: int | None = None) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:<port>``) of a running server storing under ``tmp`` (on ``port`` when
    given: a server restarted on the same folder and port, as a client configured with its URL sees it)."""
    binary = shutil.which(BINARY)
    if binary is None:
        pytest.fail(f"{BINARY} is not installed: Debian package victoria-metrics (scripts/install-system-deps.sh)")
    log = tmp / "victoria-metrics.log"
    fixed = port
    for _ in range(START_ATTEMPTS):
        port = fixed or _free_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("ab") as out:
            proc = subprocess.Popen([binary, f"-httpListenAddr=127.0.0.1:{port}",
                                     f"-storageDataPath={tmp / 'victoria-metrics-data'}", "-retentionPeriod=100y",
                                     "-search.latencyOffset=0s", "-loggerLevel=ERROR", *extra_flags],
                                    stdout=out, stderr=subprocess.STDOUT)
        try:
            if _healthy(proc, url):
                yield url
                return
        finally:
            _stop(proc)
    pytest.fail(f"{BINARY} did not start in {START_ATTEMPTS} attempts:\n{log.read_text(errors='replace')[-2000:]}")
