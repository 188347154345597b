"""Reading a measurement's newest values by name, whether the name is a numeric field or a text fact.

Works on any :class:`~tsdb.store.MetricStore`: a text fact (:class:`tsdb.catalogue.TextSpec`) is read from
its carrier field's newest points, so a backend that stores numbers only answers it like the embedded one.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from tsdb.catalogue import CATALOGUE, TextSpec
from tsdb.store import MetricStore, TagFilter


def latest_text(store: MetricStore, spec: TextSpec, tags: TagFilter | None = None,
                since: datetime | None = None) -> pd.DataFrame:
    """The newest text of every series, as :meth:`MetricStore.latest` answers for a field.

    Columns: ``time``, the carrier's tag keys other than its text facts, ``value`` (the text; None when the
    newest carrier point lacks it). Carrier series differing only in their texts are one series here: the
    newest point wins. Points older than ``since`` are left out.
    """
    df = store.latest(spec.measurement, spec.carrier, tags, since)
    texts = {t.name for t in CATALOGUE.texts() if (t.measurement, t.carrier) == (spec.measurement, spec.carrier)}
    base = [c for c in df.columns if c not in ("time", "value") and c not in texts]
    if df.empty:
        return pd.DataFrame({"time": pd.Series(dtype="datetime64[ns, UTC]"),
                             **{c: pd.Series(dtype=object) for c in base}, "value": pd.Series(dtype=object)})
    values = df[spec.name] if spec.name in df.columns else pd.Series([None] * len(df), index=df.index)
    df = df.assign(value=[v if isinstance(v, str) and v else None for v in values])
    df = df.sort_values("time", kind="stable")
    df = df.drop_duplicates(base, keep="last") if base else df.tail(1)
    return df[["time", *base, "value"]].sort_values(base or ["time"], kind="stable").reset_index(drop=True)


def latest_values(store: MetricStore, measurement: str, name: str, tags: TagFilter | None = None,
                  since: datetime | None = None) -> pd.DataFrame:
    """``store.latest`` for a field, :func:`latest_text` for a declared text fact (same frame shape).

    The text facts must be declared (their writer imported) first; an undeclared name is read as a field.
    """
    spec = CATALOGUE.text(measurement, name)
    if spec is not None:
        return latest_text(store, spec, tags, since)
    return store.latest(measurement, name, tags, since)
