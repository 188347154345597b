"""A private PostgreSQL primary and streaming standby on free loopback ports, for the replication figures.

Debian's PostgreSQL binaries (``initdb``, ``pg_ctl``, ``pg_basebackup``) under a throwaway directory in /tmp,
run as the ``postgres`` account when the tests run as root (PostgreSQL refuses root). Trust authentication on
127.0.0.1 only. Both servers are stopped (immediate mode) and the directory removed when the test ends; tests
skip with the reason when the binaries are absent.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from tests.collectors.sshd import free_port

BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")
READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class PgPair:
    primary_port: int
    standby_port: int


def _bin(name: str) -> str:
    for d in BIN_DIRS:
        if os.access(f"{d}/{name}", os.X_OK):
            return f"{d}/{name}"
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"需要 PostgreSQL 服务端程序 {name}（Debian 软件包 postgresql）")
    return found


def _run(args: list[str], as_user: str | None) -> None:
    cmd = ["runuser", "-u", as_user, "--", *args] if as_user else args
    subprocess.run(cmd, check=True, timeout=120, capture_output=True)


def _start(pg_ctl: str, data: Path, port: int, sock: Path, as_user: str | None) -> None:
    _run([pg_ctl, "-D", str(data), "-l", str(data.parent / f"{data.name}.log"), "-w", "-t", "60", "start",
          "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"], as_user)


@contextlib.contextmanager
def running_pg_pair() -> Iterator[PgPair]:
    initdb, pg_ctl, basebackup = _bin("initdb"), _bin("pg_ctl"), _bin("pg_basebackup")
    as_user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("以 root 运行时需要 postgres 账户来启动 PostgreSQL")
        as_user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="govops-pgpair-"))
    os.chmod(root, 0o755)
    if as_user:
        entry = pwd.getpwnam(as_user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    primary, standby = root / "primary", root / "standby"
    p1, p2 = free_port(), free_port()
    started: list[Path] = []
    try:
        _run([initdb, "-D", str(primary), "-U", "postgres", "--auth=trust", "--no-sync"], as_user)
        _start(pg_ctl, primary, p1, root, as_user)
        started.append(primary)
        _run([basebackup, "-h", "127.0.0.1", "-p", str(p1), "-U", "postgres", "-D", str(standby), "-R",
              "-X", "stream", "--no-sync"], as_user)
        _start(pg_ctl, standby, p2, root, as_user)
        started.append(standby)
        conn = psycopg2.connect(host="127.0.0.1", port=p1, user="postgres", dbname="postgres")
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("create table govops_beat (at timestamptz)")
                cur.execute("insert into govops_beat values (now())")
                deadline = time.monotonic() + READY_TIMEOUT_S
                while True:  # bounded: the standby connects and replays within moments
                    cur.execute("select count(*) from pg_stat_replication where replay_lsn >= pg_current_wal_lsn()")
                    if cur.fetchone()[0] == 1:
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError("the standby did not catch up")
                    time.sleep(0.1)
        finally:
            conn.close()
        yield PgPair(p1, p2)
    finally:
        for data in reversed(started):
            with contextlib.suppress(subprocess.SubprocessError):
                _run([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], as_user)
        shutil.rmtree(root, ignore_errors=True)
