"""open_store builds the configured backend from its own [metrics.<backend>] section."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.config import Config, ConfigError, EmbeddedMetricsConfig, MetricsConfig, load_config
from tsdb.factory import open_store
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import STORES


def test_opens_the_embedded_store_with_its_section(tmp_path: Path) -> None:
    section = EmbeddedMetricsConfig(path=str(tmp_path / "sub" / "metrics.db"), raw_retention_hours=6,
                                    minute_retention_days=2, hour_retention_days=30, day_retention_days=365)
    store = open_store(Config(metrics=MetricsConfig(embedded=section)))
    assert isinstance(store, SQLiteMetricStore)
    assert store.path == tmp_path / "sub" / "metrics.db" and store.path.exists()
    assert store.retention == {"raw": 6 * 3600 * 10**9, "1m": 2 * 86400 * 10**9,
                               "1h": 30 * 86400 * 10**9, "1d": 365 * 86400 * 10**9}
    store.close()
    assert STORES.get("embedded") is SQLiteMetricStore
    assert STORES.get("embedded").from_config(section).path == store.path


def test_a_file_builds_the_same_store(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text(f'[metrics]\nbackend = "embedded"\n[metrics.embedded]\npath = "{tmp_path / "m.db"}"\n'
                 "raw_retention_hours = 6\n", encoding="utf-8")
    store = open_store(load_config(f, env={}))
    assert store.path == tmp_path / "m.db" and store.retention["raw"] == 6 * 3600 * 10**9
    store.close()
    env_store = open_store(load_config(env={"GOVOPS_METRICS__EMBEDDED__PATH": str(tmp_path / "e.db")}))
    assert env_store.path == tmp_path / "e.db"
    env_store.close()


def test_unknown_backend_lists_known_ones_in_chinese() -> None:
    with pytest.raises(ConfigError, match=r"metrics\.backend：未知的指标存储后端 'rrd'，可选：.*embedded"):
        open_store(Config(metrics=MetricsConfig(backend="rrd")))


def test_bad_retention_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="raw_retention"):
        SQLiteMetricStore(tmp_path / "m.db", raw_retention=timedelta(0))
