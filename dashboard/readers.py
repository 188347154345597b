"""Small read helpers shared by the wall's data modules: newest values per tag, value coercion.

No caching here: dashboard/data.py wraps the callers in ``cache.memoize``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd

from tsdb.facts import latest_values
from tsdb.store import MetricStore, TagFilter


def empty_latest(key: str) -> pd.DataFrame:
    """The frame :func:`latest_by` returns when nothing matched."""
    return pd.DataFrame({key: pd.Series(dtype=object), "time": pd.Series(dtype="datetime64[ns, UTC]"),
                         "value": pd.Series(dtype=object)})


def latest_by(store: MetricStore, measurement: str, field: str, key: str, since: datetime,
              tags: TagFilter | None = None,
              keep: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> pd.DataFrame:
    """Newest ``time``/``value`` per ``key`` tag (several series, e.g. one per probing node, collapse);
    ``field`` may name a text fact (``site_probe.error``, tsdb.catalogue). ``keep`` selects the series
    that count before they collapse (e.g. a site's home vantage only)."""
    df = latest_values(store, measurement, field, tags=tags, since=since)
    if keep is not None and not df.empty:
        df = keep(df)
    if df.empty or key not in df.columns:
        return empty_latest(key)
    df = df.sort_values("time").drop_duplicates(key, keep="last")
    return df[[key, "time", "value"]].reset_index(drop=True)


def num(v: Any) -> float | None:
    """A float, or None for missing / non-numeric values."""
    if v is None or pd.isna(v):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def as_utc(v: Any) -> datetime | None:
    """A tz-aware datetime; a naive timestamp is read as UTC (the store's contract is UTC)."""
    if v is None or pd.isna(v):
        return None
    ts = pd.Timestamp(v)
    return (ts.tz_localize("UTC") if ts.tzinfo is None else ts).to_pydatetime()
