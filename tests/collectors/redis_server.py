"""A private Redis (Debian's ``redis-server``) on a free loopback port for tests: a password, a small
``maxmemory`` with LRU eviction, no saving unless asked. Stopped by its pid when the test ends; tests skip
with the reason when the binary is absent."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.collectors.sshd import free_port
from tests.support.daemon import listening

START_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RedisServer:
    port: int
    password: str
    directory: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextlib.contextmanager
def running_redis(directory: Path, *, password: str = "redis-test-pw",
                  maxmemory: str = "4mb") -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("需要 redis-server（Debian 软件包 redis-server）")
    d = directory / "redis"
    d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--requirepass", password,
                             "--maxmemory", maxmemory, "--maxmemory-policy", "allkeys-lru", "--save", "",
                             "--appendonly", "no", "--enable-protected-configs", "local", "--dir", str(d),
                             "--daemonize", "no", "--logfile", str(d / "log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with listening(proc, port, "redis-server", d / "log", START_TIMEOUT_S):
        yield RedisServer(port, password, d)
