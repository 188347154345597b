"""The city's real ``vmagent`` (Debian package ``victoria-metrics``) on loopback, run from the command line the
project builds (:func:`runtime.uplink.vmagent_argv`), for the federation tests.

:class:`Agent` starts it, waits for ``/health`` a bounded number of times, and can stop it cleanly (SIGTERM:
vmagent writes what it holds in memory to its buffer folder) or kill it (SIGKILL), then start it again on the
same folder and port.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from core.config import Config
from runtime.uplink import vmagent_argv

HEALTH_POLLS = 200  # x 0.05 s: ten seconds to answer /health


def wait_healthy(proc: subprocess.Popen[bytes], url: str) -> bool:
    """True once ``url`` answers 200 within the bounded polls; False when the process ended or never answered."""
    for _ in range(HEALTH_POLLS):
        if proc.poll() is not None:
            return False
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.05)
    return False


class Agent:
    """vmagent for the city of ``config`` (a city with an upstream), its output in ``log``."""

    def __init__(self, config: Config, log: Path) -> None:
        binary = shutil.which(config.uplink.binary)
        if binary is None:
            pytest.fail("vmagent is not installed: Debian package victoria-metrics (scripts/install-system-deps.sh)")
        self.argv = vmagent_argv(config, binary)
        self.url = f"http://{config.uplink.listen}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Agent:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT)
        if not wait_healthy(self.proc, f"{self.url}/health"):
            self.stop()
            pytest.fail(f"vmagent did not start:\n{self.log.read_text(errors='replace')[-2000:]}")
        return self

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
