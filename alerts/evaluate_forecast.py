"""Forecast rules, pure: bucketed series in, one :class:`alerts.evaluate.Instance` per series out.

The engine fetches, per forecast rule and cycle, the rule's series over its window in buckets of
:meth:`alerts.rule_model.Rule.bucket` (``MetricStore.query`` with ``every``) and, for a ``limit_field`` rule,
the newest value of that field per series (``MetricStore.latest``). Each series is fitted
(:func:`alerts.forecast.forecast`); the instance's ``value`` is the days left until the limit (None when the
trend does not reach it), it is active when that is less than the rule's ``within``, and its facts are the fit
(the alert's evidence). A series with too little data is not ``known``: the lifecycle decides nothing for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from alerts.evaluate import Details, Instance, _instance, _newest, _with_details, rows_of
from alerts.forecast import REACHED, REACHING, forecast
from alerts.rules import Rule

Key = tuple[tuple[str, str], ...]


def series_of(rule: Rule, frame: pd.DataFrame) -> dict[Key, tuple[list[datetime], list[float]]]:
    """(sample times, values) per ``rule.group_by`` group of a bucketed query frame; a bucket's sample is
    placed at its middle (never after the newest time in the frame's range)."""
    half = rule.bucket() / 2
    out: dict[Key, tuple[list[datetime], list[float]]] = {}
    times = frame["time"].tolist() if len(frame) else []
    for (labels, v), t in zip(rows_of(frame, rule.group_by), times, strict=True):
        if v is None or pd.isna(v):
            continue
        key = tuple(sorted(labels.items()))
        ts, vs = out.setdefault(key, ([], []))
        ts.append(pd.Timestamp(t).to_pydatetime() + half)
        vs.append(float(v))
    return out


def evaluate_forecast(rule: Rule, frame: pd.DataFrame, now: datetime, limits: pd.DataFrame | None = None,
                      details: Details | None = None) -> list[Instance]:
    """Forecast rules. ``frame``: the bucketed series (columns ``time``, the group tags, ``value``); ``limits``:
    a ``MetricStore.latest`` frame of ``rule.limit_field`` (None for a rule with a constant ``limit``)."""
    limit_of: Mapping[Key, tuple[datetime, object]] = _newest(limits, rule.group_by) if limits is not None \
        and len(limits) else {}
    within_days = rule.within.total_seconds() / 86400
    out: list[Instance] = []
    for key, (times, values) in series_of(rule, frame).items():
        if rule.limit_field:
            raw = limit_of.get(key, (now, None))[1]
            limit = float(raw) if isinstance(raw, int | float) and not pd.isna(raw) else None
        else:
            limit = rule.limit
        # Bucket middles may lie past ``now`` for the newest, partial bucket: it counts as now.
        f = forecast([min(t, now) for t in times], values, now, limit, rule.window, rule.min_points, rule.min_span,
                     rule.direction)
        labels = dict(key)
        active = f.status in (REACHING, REACHED) and f.days_to_limit is not None and f.days_to_limit < within_days
        facts = _with_details({**f.facts(), "within_s": rule.within.total_seconds()}, rule, details, labels)
        out.append(_instance(rule, labels, f.days_to_limit, active, facts, known=f.sufficient))
    return out
