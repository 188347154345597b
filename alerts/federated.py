"""What the province's alert rules read when cities run their own nodes (docs/federation.md, "A cut city").

A federated city (``[node] federated_cities``) evaluates the rules over its own hosts and sites; the
province mirrors its alerts. So the province's rules must not judge those series themselves — least of
all the absence rules, which would call every host of a cut city silent (an alert storm for one fault).
:class:`ProvinceView` is the metric store as the province's rules see it: every row of a federated city
(its ``city`` tag, else the city of its ``node`` tag) is left out, and the measurements probed from
several vantages are read from the province's own vantage only (``vantage`` = this node's code; a city's
view of the provincial portal is shown per vantage on the site page, never judged by a rule here).

Instead the province judges each city's link: :data:`NODE_UNREACHABLE` is a built-in rule with one instance
per unreachable city (:func:`evaluate_links`), resolved when the city is heard from again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from alerts.evaluate import Instance, fingerprint
from alerts.rule_model import Rule
from core.config import Config
from core.i18n import alerts as T
from core.region import city_of, is_division_code
from core.severity import Severity
from tsdb.point import Point
from tsdb.store import EXPORT_BATCH, MetricStore, Query, TagFilter

VANTAGE = "vantage"  # the tag naming the node that probed (collectors/kinds/site_probe.py)
VANTAGE_MEASUREMENTS = ("site_probe",)  # measurements written by more than one vantage
NODE_UNREACHABLE_NAME = "city_node_unreachable"
LINK_KIND = "node_link"  # the built-in rule's kind; never accepted from a rule file

NODE_UNREACHABLE = Rule(
    name=NODE_UNREACHABLE_NAME, kind=LINK_KIND, severity=Severity.HIGH, file=T.BUILTIN_RULE_FILE, line=0,
    # {since}: the last moment the city was heard from, in the wall's zone; {silence}: how long by now.
    title=T.NODE_UNREACHABLE_TITLE, summary=T.NODE_UNREACHABLE_SUMMARY, group_by=("node", "city"),
    detail_fields=("since",),
)


def federated_row(labels: Mapping[str, Any], cities: Collection[str]) -> bool:
    """Whether a series with these tags belongs to one of ``cities``: its ``city`` tag, else the city of its
    ``node`` tag (a county's node belongs to its city)."""
    city = str(labels.get("city") or "")
    if city:
        return city in cities
    node = str(labels.get("node") or "")
    return is_division_code(node) and city_of(node) in cities


def drop_federated(frame: pd.DataFrame, cities: Collection[str]) -> pd.DataFrame:
    """``frame`` without the rows of ``cities`` (by its ``city`` / ``node`` columns; a frame with neither is
    returned as it is). Pure."""
    if not cities or frame.empty or not ({"city", "node"} & set(frame.columns)):
        return frame
    city = frame["city"].fillna("").astype(str) if "city" in frame.columns else pd.Series("", index=frame.index)
    node = frame["node"].fillna("").astype(str) if "node" in frame.columns else pd.Series("", index=frame.index)
    keep = [not federated_row({"city": c, "node": n}, cities) for c, n in zip(city, node, strict=True)]
    return frame[keep].reset_index(drop=True)


def drop_foreign(frame: pd.DataFrame, city: str) -> pd.DataFrame:
    """``frame`` with only the rows of ``city`` (by ``city``, else the city of ``node``). Pure."""
    if frame.empty or not ({"city", "node"} & set(frame.columns)):
        return frame
    rows = frame[[c for c in ("city", "node") if c in frame.columns]].fillna("").astype(str).to_dict("records")
    keep = [federated_row(r, {city}) for r in rows]
    return frame[keep].reset_index(drop=True)


@dataclass(frozen=True)
class ProvinceView:
    """A :class:`MetricStore` that reads as the province's rules must (module docstring); writes pass through.

    On a city node (``only_city``) the same view keeps the rules to the city's own sites: its probe of the
    provincial portal is a vantage of it for the province's site page, not a site the city alerts on."""

    store: MetricStore
    cities: tuple[str, ...]
    own_vantage: str
    only_city: str = ""

    def _scoped(self, measurement: str, frame: pd.DataFrame) -> pd.DataFrame:
        frame = drop_federated(frame, self.cities)
        if self.only_city and measurement in VANTAGE_MEASUREMENTS:
            frame = drop_foreign(frame, self.only_city)
        return frame

    def _tags(self, measurement: str, tags: TagFilter | None) -> TagFilter:
        # A city's own store holds its own probes only: no filter there (its older, untagged points count).
        if self.cities and measurement in VANTAGE_MEASUREMENTS:
            return {**(tags or {}), VANTAGE: self.own_vantage}
        return dict(tags or {})

    def write(self, points: Iterable[Point]) -> int:
        return self.store.write(points)

    def query(self, q: Query) -> pd.DataFrame:
        scoped = Query(q.measurement, q.field, q.start, q.stop, q.every, q.agg, self._tags(q.measurement, q.tags),
                       q.group_by)
        return self._scoped(q.measurement, self.store.query(scoped))

    def latest(self, measurement: str, field: str, tags: TagFilter | None = None,
               since: datetime | None = None) -> pd.DataFrame:
        return self._scoped(measurement, self.store.latest(measurement, field, self._tags(measurement, tags), since))

    def export(self, start: datetime, stop: datetime, batch: int = EXPORT_BATCH) -> Iterator[list[Point]]:
        # Raw export is the uplink's replay of the whole store, never a rule's read: not scoped.
        return self.store.export(start, stop, batch)

    def maintain(self, now: datetime) -> dict[str, int]:
        return self.store.maintain(now)

    def close(self) -> None:
        self.store.close()


def rule_view(store: MetricStore, config: Config) -> MetricStore:
    """The metric store as this node's alert rules read it: a :class:`ProvinceView` on a province federating
    cities or on a city node, else ``store`` itself (the engine and the rules page's data coverage share it)."""
    node = config.node
    if node.federated_cities:
        return ProvinceView(store, node.federated_cities, node.code)
    if node.role == "city":
        return ProvinceView(store, (), node.code, only_city=node.code)
    return store


def evaluate_links(unreachable: Mapping[str, datetime | None], now: datetime) -> list[Instance]:
    """One active :data:`NODE_UNREACHABLE` instance per city whose link is lost (``since`` known); a city that
    never connected (``since`` None) is shown as 未接入 on the walls, not alerted. ``value`` is the silence
    in seconds at ``now``; ``since`` is rendered in ``now``'s zone (the alert service runs in the wall's)."""
    out = []
    for code, since in sorted(unreachable.items()):
        if since is None:
            continue
        labels = {"node": code, "city": code}
        local = since.astimezone(now.tzinfo) if now.tzinfo is not None else since
        text = local.strftime("%H:%M") if local.date() == now.date() else local.strftime("%m-%d %H:%M")
        out.append(Instance(NODE_UNREACHABLE, fingerprint(NODE_UNREACHABLE.name, labels), labels,
                            max(0.0, (now - since).total_seconds()), True, code,
                            {"details": {"since": text}, "since": since.isoformat()}))
    return out
