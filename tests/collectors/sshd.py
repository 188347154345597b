"""A real OpenSSH ``sshd`` on a free loopback port for tests: generated host and user keys, key login only.

Needs Debian's ``openssh-server`` (scripts/install-system-deps.sh); tests skip with the reason when it is
absent. The daemon runs as the current user with ``UsePAM no`` and ``StrictModes no``; as root it allows key
login only (``PermitRootLogin prohibit-password``). :meth:`SSHD.stop` ends the daemon and the connections
it accepted (its own children, by pid), so a client's pooled connection dies as on a real restart.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

SSHD_BIN = "/usr/sbin/sshd"
START_TIMEOUT_S = 10.0


def require_sshd() -> None:
    if not (os.access(SSHD_BIN, os.X_OK) and shutil.which("ssh-keygen")):
        pytest.skip("需要 OpenSSH 服务端（/usr/sbin/sshd、ssh-keygen）：运行 scripts/install-system-deps.sh 安装")


def keygen(path: Path, kind: str = "ed25519") -> Path:
    """A new passphrase-less key pair at ``path`` (and ``path.pub``); returns ``path``."""
    path.unlink(missing_ok=True)
    Path(f"{path}.pub").unlink(missing_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "govops-test", "-f", str(path)],
                   check=True, timeout=30, capture_output=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SSHD:
    """One running test daemon. ``user_key`` is the private key its authorized_keys accepts."""

    directory: Path
    port: int
    host_key: Path
    user_key: Path
    force_command: str | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    user: str = field(default_factory=getpass.getuser)

    def known_hosts_line(self) -> str:
        kind, blob = Path(f"{self.host_key}.pub").read_text().split()[:2]
        return f"[127.0.0.1]:{self.port} {kind} {blob}\n"

    def fingerprint(self) -> str:
        out = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", f"{self.host_key}.pub"], check=True,
                             capture_output=True, text=True, timeout=30).stdout
        return out.split()[1]

    def start(self) -> None:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        config = self.directory / f"sshd_config.{self.port}"
        lines = [
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {self.host_key}",
            f"AuthorizedKeysFile {self.user_key}.pub", "PubkeyAuthentication yes", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "UsePAM no", "StrictModes no", "PidFile none",
            "PermitRootLogin prohibit-password", "MaxStartups 500", "MaxSessions 64", "LogLevel ERROR",
            "PrintMotd no", "PrintLastLog no",
        ]
        if self.force_command:
            lines.append(f"ForceCommand {self.force_command}")
        config.write_text("\n".join(lines) + "\n")
        self.proc = subprocess.Popen([SSHD_BIN, "-D", "-e", "-f", str(config)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:  # bounded: until it accepts, exits or the deadline passes
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"sshd exited at start: {err}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not listen on 127.0.0.1:{self.port} within {START_TIMEOUT_S} s")

    def stop(self) -> None:
        """End the daemon and the connections it accepted (its child processes)."""
        if self.proc is None:
            return
        with contextlib.suppress(psutil.NoSuchProcess):
            children = psutil.Process(self.proc.pid).children(recursive=True)
            for child in children:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def restart_with_new_host_key(self) -> None:
        """Stop, replace the host key (same type, new key) and start again on the same port."""
        self.stop()
        keygen(self.host_key)
        self.start()


@contextlib.contextmanager
def running_sshd(directory: Path, *, force_command: str | None = None,
                 user_key: Path | None = None) -> Iterator[SSHD]:
    """A started daemon with new keys in ``directory`` (the user key reused when given); stopped on exit."""
    require_sshd()
    port = free_port()
    host_key = keygen(directory / f"host_key.{port}")
    daemon = SSHD(directory, port, host_key, user_key or keygen(directory / "user_key"), force_command)
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()
