"""A private MariaDB primary and replica on free loopback ports, for the replication figures.

Debian's ``mariadb-install-db`` and ``mariadbd`` under a throwaway directory in /tmp (``--user`` the current
account; as root, root), root without a password, listening on 127.0.0.1 only. The replica follows the primary with
``CHANGE MASTER TO``. Both servers are stopped by pid and the directory removed when the test ends; tests skip with
the reason when the binaries are absent.
"""

from __future__ import annotations

import contextlib
import getpass
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pymysql
import pytest

from tests.collectors.sshd import free_port

READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class MariaPair:
    primary_port: int
    replica_port: int


def _connect(port: int) -> pymysql.connections.Connection:
    return pymysql.connect(host="127.0.0.1", port=port, user="root", password="", autocommit=True,
                           cursorclass=pymysql.cursors.DictCursor)


def _wait(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:  # bounded: the server accepts connections within moments
        if proc.poll() is not None:
            raise RuntimeError(f"mariadbd exited: {log.read_text(errors='replace')[-800:]}")
        with contextlib.suppress(pymysql.MySQLError):
            _connect(port).close()
            return
        if time.monotonic() > deadline:
            raise RuntimeError("mariadbd did not start")
        time.sleep(0.1)


@contextlib.contextmanager
def running_mariadb_pair() -> Iterator[MariaPair]:
    install, server = shutil.which("mariadb-install-db"), shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    if install is None or not Path(server).exists():
        pytest.skip("需要 MariaDB 服务端程序（Debian 软件包 mariadb-server）")
    user = getpass.getuser()
    root = Path(tempfile.mkdtemp(prefix="govops-mariapair-"))
    procs: list[subprocess.Popen[bytes]] = []
    ports = (free_port(), free_port())
    try:
        for i, (name, port) in enumerate(zip(("primary", "replica"), ports, strict=True)):
            data = root / name
            subprocess.run([install, "--no-defaults", f"--datadir={data}", f"--user={user}",
                            "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"],
                           check=True, timeout=120, capture_output=True)
            log = root / f"{name}.err"
            procs.append(subprocess.Popen(
                [server, "--no-defaults", f"--datadir={data}", f"--user={user}", f"--port={port}",
                 "--bind-address=127.0.0.1", f"--socket={root / name}.sock", f"--pid-file={root / name}.pid",
                 f"--log-error={log}", f"--server-id={i + 1}", "--log-bin=binlog", "--skip-name-resolve",
                 "--innodb-buffer-pool-size=16M"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            _wait(port, procs[-1], log)
        primary, replica = ports
        conn = _connect(replica)
        try:
            with conn.cursor() as cur:
                cur.execute(f"CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={primary}, MASTER_USER='root', "
                            "MASTER_PASSWORD='', MASTER_USE_GTID=no")
                cur.execute("START SLAVE")
                deadline = time.monotonic() + READY_TIMEOUT_S
                while True:  # bounded: both replication threads run within moments
                    cur.execute("SHOW SLAVE STATUS")
                    row = cur.fetchone() or {}
                    if row.get("Slave_IO_Running") == "Yes" and row.get("Slave_SQL_Running") == "Yes":
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"replication did not start: {row.get('Last_IO_Error')}")
                    time.sleep(0.1)
        finally:
            conn.close()
        yield MariaPair(primary, replica)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
