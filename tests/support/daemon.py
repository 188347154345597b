"""A real server process started by a test: wait until it listens on its loopback port (or say why it died,
from its log), then stop it on exit, killing it if it does not stop within 10 s."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def listening(proc: subprocess.Popen[bytes], port: int, name: str, log: Path, timeout_s: float = 10.0
              ) -> Iterator[subprocess.Popen[bytes]]:
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                text = log.read_text(errors="replace")[-500:] if log.exists() else "(no log)"
                raise RuntimeError(f"{name} exited: {text}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start listening on 127.0.0.1:{port}")
            time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
