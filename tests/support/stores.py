"""Every registered metric-store kind opened for a test: one harness per kind, which must exist.

A harness turns a temporary folder into the ``[metrics]`` settings of a working store of its kind (the
embedded store needs only a file; a server-backed kind starts its server on loopback here and stops it
after). ``tests/contracts/test_store_contract.py`` fails for a registered kind without one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from core.config import Config, EmbeddedMetricsConfig, MetricsConfig, VictoriaMetricsConfig
from core.plugins import import_submodules
from tests.support.victoria import victoria_metrics
from tsdb.factory import open_store
from tsdb.store import STORES, MetricStore

import_submodules("tsdb")


@contextmanager
def _embedded(tmp: Path) -> Iterator[MetricsConfig]:
    yield MetricsConfig(backend="embedded", embedded=EmbeddedMetricsConfig(path=str(tmp / "metrics.db")))


@contextmanager
def _victoriametrics(tmp: Path) -> Iterator[MetricsConfig]:
    # force_flush: a point written is visible to the next query without waiting for the server's buffers
    with victoria_metrics(tmp) as url:
        yield MetricsConfig(backend="victoriametrics",
                            victoriametrics=VictoriaMetricsConfig(url=url, timeout=10.0, force_flush=True))


HARNESS: dict[str, Callable[[Path], AbstractContextManager[MetricsConfig]]] = {
    "embedded": _embedded,
    "victoriametrics": _victoriametrics,
}

KINDS = STORES.names()


@contextmanager
def open_kind(name: str, tmp: Path) -> Iterator[MetricStore]:
    """A fresh store of kind ``name`` built from configuration the way start-up builds it (``open_store``)."""
    with HARNESS[name](tmp) as metrics:
        store = open_store(dataclasses.replace(Config(), metrics=metrics))
        try:
            yield store
        finally:
            store.close()
