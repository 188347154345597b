"""Build the configured metric store from :class:`core.config.Config`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.config import Config
from core.plugins import PluginError, import_submodules
from tsdb.store import STORES, MetricStore


def open_store(config: Config) -> MetricStore:
    """The backend named by ``config.metrics.backend``, opened on ``config.metrics.path``.

    Raises :class:`core.plugins.PluginError` naming the known backends when the name is
    unknown. Every module of the ``tsdb`` package is imported first so that each backend
    has registered itself.
    """
    import_submodules("tsdb")
    m = config.metrics
    if m.backend not in STORES:
        known = ", ".join(sorted(STORES.names())) or "none"
        raise PluginError(f"metrics.backend: unknown metric store {m.backend!r}; known: {known}")
    kind: Any = STORES.get(m.backend)
    store = kind(config.resolve_path(m.path),
                 raw_retention=timedelta(hours=m.raw_retention_hours),
                 minute_retention=timedelta(days=m.minute_retention_days),
                 hour_retention=timedelta(days=m.hour_retention_days),
                 day_retention=timedelta(days=m.day_retention_days))
    if not isinstance(store, MetricStore):
        raise PluginError(f"metric store {m.backend!r} does not implement the MetricStore interface")
    return store
