"""The metric catalogue: what every stored measurement and field means, declared once beside its writer.

A collector (or the scheduler, or the inspection runner) declares its measurement's Chinese name and each
field's unit and Chinese label where it writes them (``MEASUREMENTS = declare_measurement(...)``,
``METRICS = declare(MetricSpec(...), ...)``); axis titles, chart titles, the rules page and reports read them
here and nowhere else. Declarations register when the declaring module is imported, so a process that shows
metrics imports its writers first (``collectors.loader.load_kinds`` imports every collector kind).

A metric store keeps numbers only (see :mod:`tsdb.store`). A textual fact of a measurement — the probe's
failure class and Chinese reason — is declared as a :class:`TextSpec`: the tag ``name`` of a numeric marker
field ``carrier`` (value 1) that the writer adds beside its other fields whenever the fact holds, e.g.
``site_probe.failure{site, …, error="tls", reason="证书校验失败（证书已过期）"} = 1``. Its newest value is
read with :func:`tsdb.facts.latest_values`, the same call as for a numeric field, so rules
(``detail_fields``) and screens name a fact without knowing how it is stored.

Declaring the same key twice with a different meaning is an error at import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class MeasurementSpec:
    """A measurement's Chinese name (``site_probe`` → 网站探测), for texts that name it without a field."""

    name: str
    label_zh: str


@dataclass(frozen=True)
class MetricSpec:
    """One numeric field of a measurement: its unit ("" for none) and Chinese label."""

    measurement: str
    field: str
    unit: str
    label_zh: str
    description: str = ""


@dataclass(frozen=True)
class TextSpec:
    """A textual fact of a measurement: the tag ``name`` of its numeric marker field ``carrier``."""

    measurement: str
    name: str
    carrier: str
    label_zh: str
    description: str = ""


class CatalogueError(ValueError):
    """A declaration contradicts an earlier one."""


class Catalogue:
    """Every declared measurement and metric of this process, in declaration order."""

    def __init__(self) -> None:
        self._measurements: dict[str, MeasurementSpec] = {}
        self._metrics: dict[tuple[str, str], MetricSpec] = {}
        self._texts: dict[tuple[str, str], TextSpec] = {}

    def declare_measurement(self, name: str, label_zh: str) -> MeasurementSpec:
        spec = MeasurementSpec(name, label_zh)
        _put(self._measurements, name, spec, f"measurement {name}")
        return spec

    def declare(self, *specs: MetricSpec) -> tuple[MetricSpec, ...]:
        for s in specs:
            if (s.measurement, s.field) in self._texts:
                raise CatalogueError(f"{s.measurement}.{s.field} is declared as a text fact already")
            _put(self._metrics, (s.measurement, s.field), s, f"metric {s.measurement}.{s.field}")
        return specs

    def declare_text(self, *specs: TextSpec) -> tuple[TextSpec, ...]:
        """Text facts; each carrier must be a metric declared before, and a name is a field or a fact, not both."""
        for s in specs:
            if (s.measurement, s.carrier) not in self._metrics:
                raise CatalogueError(f"text fact {s.measurement}.{s.name}: its carrier field {s.carrier!r} is not "
                                     "a declared metric")
            if (s.measurement, s.name) in self._metrics:
                raise CatalogueError(f"{s.measurement}.{s.name} is declared as a metric already")
            _put(self._texts, (s.measurement, s.name), s, f"text fact {s.measurement}.{s.name}")
        return specs

    def text(self, measurement: str, name: str) -> TextSpec | None:
        """The text fact ``measurement.name``, or None."""
        return self._texts.get((measurement, name))

    def texts(self) -> list[TextSpec]:
        return list(self._texts.values())

    def label(self, measurement: str, name: str) -> str | None:
        """The Chinese label of a declared metric or text fact, or None."""
        spec = self._metrics.get((measurement, name)) or self._texts.get((measurement, name))
        return spec.label_zh if spec is not None else None

    def metric(self, measurement: str, field: str) -> MetricSpec:
        """The declaration of ``measurement.field``; KeyError naming it when nothing declared it."""
        try:
            return self._metrics[(measurement, field)]
        except KeyError:
            raise KeyError(f"metric {measurement}.{field} is not declared") from None

    def find(self, measurement: str, field: str) -> MetricSpec | None:
        """The declaration of ``measurement.field``, or None (e.g. a rule file naming a metric nobody writes)."""
        return self._metrics.get((measurement, field))

    def measurement_label(self, name: str) -> str | None:
        """The Chinese name of a declared measurement, or None."""
        spec = self._measurements.get(name)
        return spec.label_zh if spec is not None else None

    def measurements(self) -> list[MeasurementSpec]:
        return list(self._measurements.values())

    def __iter__(self) -> Iterator[MetricSpec]:
        return iter(list(self._metrics.values()))

    def __contains__(self, key: object) -> bool:
        return key in self._metrics


def _put(table: dict, key: object, spec: object, what: str) -> None:
    old = table.get(key)
    if old is not None and old != spec:
        raise CatalogueError(f"{what} declared twice with different meanings: {old!r} and {spec!r}")
    table[key] = spec


CATALOGUE = Catalogue()
declare = CATALOGUE.declare
declare_text = CATALOGUE.declare_text
declare_measurement = CATALOGUE.declare_measurement
metric = CATALOGUE.metric
