"""open_store builds the configured backend from Config."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.config import Config, MetricsConfig
from core.plugins import PluginError
from tsdb.factory import open_store
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import STORES


def test_opens_sqlite_with_configured_path_and_retention(tmp_path: Path) -> None:
    cfg = Config(metrics=MetricsConfig(path=str(tmp_path / "sub" / "metrics.db"), raw_retention_hours=6,
                                       minute_retention_days=2, hour_retention_days=30, day_retention_days=365))
    store = open_store(cfg)
    assert isinstance(store, SQLiteMetricStore)
    assert store.path == tmp_path / "sub" / "metrics.db" and store.path.exists()
    assert store.retention == {"raw": 6 * 3600 * 10**9, "1m": 2 * 86400 * 10**9,
                               "1h": 30 * 86400 * 10**9, "1d": 365 * 86400 * 10**9}
    store.close()
    assert "sqlite" in STORES


def test_unknown_backend_lists_known_ones(tmp_path: Path) -> None:
    cfg = Config(metrics=MetricsConfig(backend="rrd", path=str(tmp_path / "m.db")))
    with pytest.raises(PluginError, match=r"'rrd'.*known: .*sqlite"):
        open_store(cfg)


def test_bad_retention_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="raw_retention"):
        SQLiteMetricStore(tmp_path / "m.db", raw_retention=timedelta(0))
