"""Schema migrations, driven from code: ``upgrade(url)``, ``downgrade(url, rev)``, ``current(url)``.

No alembic.ini is needed; the scripts live in ``db/migrations``. Each applied revision is logged
(event ``migrate.step``). Run from a shell::

    python -m db.migrate upgrade [--url URL] [--revision head]
    python -m db.migrate downgrade --revision base [--url URL]
    python -m db.migrate current [--url URL]

The URL defaults to the configured ``database.url``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.session import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at this package's scripts and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


_held: dict[str, int] = {}  # url -> depth: the lock is re-entrant within a process
_held_guard = threading.RLock()


@contextlib.contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Serialise schema changes (and the seeding that follows them) across processes: two commands
    started at once on a fresh database would otherwise both create its tables and one would fail.
    SQLite: an exclusive ``flock`` on ``<file>.migrate.lock``; PostgreSQL: a session advisory lock."""
    with _held_guard:
        depth = _held.get(url, 0)
        _held[url] = depth + 1
    try:
        if depth:
            yield
            return
        u = make_url(url)
        if u.get_backend_name() == "sqlite":
            if not u.database or u.database == ":memory:":
                yield
                return
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)  # as the engine does for the file
            fd = os.open(f"{u.database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # closing releases the lock
            return
        key = int.from_bytes(hashlib.sha1(b"govops-migrate").digest()[:8], "big", signed=True)
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        finally:
            engine.dispose()
    finally:
        with _held_guard:
            _held[url] -= 1


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``; raises on any failing step."""
    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` down to ``revision`` (``"base"`` drops every table)."""
    with migration_lock(url):
        command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database at ``url`` is at, or None when it was never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    """The newest revision in the scripts directory."""
    rev = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    if rev is None:
        raise RuntimeError(f"no migration scripts in {MIGRATIONS_DIR}")
    return rev


def main(argv: list[str] | None = None) -> int:
    from core.config import load_config
    from core.logging import setup_logging

    parser = argparse.ArgumentParser(prog="python -m db.migrate", description="数据库结构迁移")
    parser.add_argument("action", choices=("upgrade", "downgrade", "current"), help="操作")
    parser.add_argument("--url", help="数据库地址，默认取配置中的 database.url")
    parser.add_argument("--revision", help="目标版本（upgrade 默认 head；downgrade 必填，如 base）")
    args = parser.parse_args(argv)
    cfg = load_config()
    setup_logging(cfg.logging.level, cfg.logging.format)
    url = args.url or cfg.database_url
    if args.action == "upgrade":
        upgrade(url, args.revision or "head")
        print(f"已升级到版本 {current(url)}")
    elif args.action == "downgrade":
        if not args.revision:
            parser.error("downgrade 需要 --revision，例如 --revision base")
        downgrade(url, args.revision)
        print(f"已回退到版本 {current(url) or '（空库）'}")
    else:
        rev = current(url)
        print(f"当前版本：{rev or '（未迁移）'}；最新版本：{head()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
