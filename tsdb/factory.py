"""Build the configured metric store from :class:`core.config.Config`: ``STORES[backend].from_config(section)``."""

from __future__ import annotations

from typing import Any

from core.config import Config, ConfigError
from core.plugins import PluginError, import_submodules
from tsdb.store import STORES, MetricStore


def open_store(config: Config) -> MetricStore:
    """The backend named by ``config.metrics.backend``, built from its own ``[metrics.<backend>]`` section.

    Every module of the ``tsdb`` package is imported first so that each backend has registered
    itself. Raises :class:`core.config.ConfigError` (Chinese, naming the known backends) for an
    unknown name, and :class:`core.plugins.PluginError` for a backend without a settings table or
    one that does not implement the interface (a bug). On a city node with ``[node] upstream_url`` the store
    is wrapped in :class:`tsdb.forwarding.ForwardingStore`: every point written is also handed to the local
    vmagent (``[uplink]``) for the province.
    """
    import_submodules("tsdb")
    m = config.metrics
    if m.backend not in STORES:
        known = "、".join(sorted(STORES.names())) or "无"
        raise ConfigError(f"metrics.backend：未知的指标存储后端 {m.backend!r}，可选：{known}")
    kind: Any = STORES.get(m.backend)
    section = m.section
    if section is None or not isinstance(section, kind.config_class):
        raise PluginError(f"metric store {m.backend!r} has no [metrics.{m.backend}] settings of type "
                          f"{kind.config_class.__name__} in core.config.MetricsConfig")
    store = kind.from_config(section)
    if not isinstance(store, MetricStore):
        raise PluginError(f"metric store {m.backend!r} does not implement the MetricStore interface")
    return forwarding(config, store)


def forwarding(config: Config, store: MetricStore) -> MetricStore:
    """``store`` as this node writes it: forwarded to its uplink on a city with an upstream, else unchanged."""
    node = config.node
    if node.role != "city" or not node.upstream_url:
        return store
    from tsdb.forwarding import ForwardingStore

    up = config.uplink
    return ForwardingStore(store, f"http://{up.listen}", node.code, timeout=up.handover_timeout,
                           retry_s=up.handover_retry_seconds)
