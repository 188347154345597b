"""Issue 9 item 12 (files): everything that holds a secret is 0600 under a permissive umask — the
relational SQLite database and its WAL side files (password hashes), the metric store, the session key,
the demo wall token and the demo accounts file — and an older install's 0644 files are tightened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import to_ns
from core.config import Config, DatabaseConfig, DemoConfig, EmbeddedMetricsConfig, MetricsConfig, SecurityConfig
from runtime.bootstrap import open_metric_store, prepare_database
from runtime.security_cli import DEMO_TOKEN_FILE, demo_bootstrap
from security.demo_seed import demo_accounts_file, seed_demo_accounts
from security.web import ensure_secret_key
from tsdb.point import Point

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: new files 0644
    try:
        yield
    finally:
        os.umask(old)


def _config(tmp: Path) -> Config:
    return Config(database=DatabaseConfig(url=f"sqlite:///{tmp / 'var' / 'govops.db'}"),
                  metrics=MetricsConfig(embedded=EmbeddedMetricsConfig(path=str(tmp / "var" / "metrics.db"))),
                  security=SecurityConfig(secret_key_file=str(tmp / "var" / "secret_key")),
                  demo=DemoConfig(enabled=True))


def test_every_secret_file_is_for_its_owner_only(tmp_path: Path, loose_umask: None) -> None:
    config = _config(tmp_path)
    var = tmp_path / "var"
    sessions = prepare_database(config)  # migrations, divisions: the database and its WAL exist now
    token, admin = demo_bootstrap(sessions, NOW, var / DEMO_TOKEN_FILE)
    seed_demo_accounts(config, sessions, NOW, admin)
    ensure_secret_key(var / "secret_key")
    store = open_metric_store(config)
    try:
        store.write([Point("host", {"cpu_percent": 1.0}, to_ns(NOW), {"host": "h", "node": "430000",
                                                                      "city": "430000"})])
        files = {p.name: _mode(p) for p in var.rglob("*") if p.is_file()}
    finally:
        store.close()
    assert admin is not None and token
    expected = {"govops.db", "govops.db-wal", "govops.db-shm", "metrics.db", "metrics.db-wal", "metrics.db-shm",
                "secret_key", DEMO_TOKEN_FILE, "demo-accounts.txt"}
    assert expected <= set(files), files
    assert {name: oct(mode) for name, mode in files.items() if mode != 0o600} == {}
    assert demo_accounts_file(config) == var / "demo" / "demo-accounts.txt"


def test_an_older_installs_readable_files_are_tightened(tmp_path: Path, loose_umask: None) -> None:
    config = _config(tmp_path)
    var = tmp_path / "var"
    var.mkdir()
    (var / "secret_key").write_text("k" * 64, encoding="ascii")
    prepare_database(config)
    open_metric_store(config).close()
    for name in ("govops.db", "metrics.db", "secret_key"):
        os.chmod(var / name, 0o644)  # as an install before this fix left them
    prepare_database(config)  # the next start
    open_metric_store(config).close()
    assert ensure_secret_key(var / "secret_key") == b"k" * 64
    assert {name: oct(_mode(var / name)) for name in ("govops.db", "metrics.db", "secret_key")} == {
        "govops.db": "0o600", "metrics.db": "0o600", "secret_key": "0o600"}
