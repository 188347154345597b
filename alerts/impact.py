"""Impact, pure: which sites a host or service fault affects, from the sites' dependencies.

A dependency is ``(site_code, kind, name)``: site ``site_code`` is served by the host (``kind="host"``) or
platform service (``kind="service"``) called ``name`` (db/models_impact.py; services by name, so a dependency
may name a service before its collector reports it). An alert's fault targets are read from its labels: a
``host`` label names a host, a ``service`` label a service. Computed when shown, never stored with the alert,
so a mapping changed today shows today's affected sites.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

TARGET_LABELS = {"host": "host", "service": "service"}  # alert label -> dependency kind


class DependencyLike(Protocol):
    @property
    def site_code(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...


def fault_targets(labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """The (kind, name) an alert with ``labels`` is about: its host and/or service; empty for other alerts."""
    return [(kind, str(labels[label])) for label, kind in TARGET_LABELS.items() if labels.get(label)]


def affected_sites(deps: Iterable[DependencyLike], targets: Iterable[tuple[str, str]]) -> list[str]:
    """The codes of the sites served by any of ``targets`` ((kind, name) pairs), sorted, each once."""
    wanted = set(targets)
    return sorted({d.site_code for d in deps if (d.kind, d.name) in wanted})


def served_by(deps: Iterable[DependencyLike], site_code: str) -> dict[str, list[str]]:
    """What serves one site: kind → names, sorted (``{"host": [...], "service": [...]}``, kinds it has)."""
    out: dict[str, set[str]] = {}
    for d in deps:
        if d.site_code == site_code:
            out.setdefault(d.kind, set()).add(d.name)
    return {k: sorted(v) for k, v in sorted(out.items())}
