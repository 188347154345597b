"""Filling a report: (template, the figures gathered for the site and year, manual entries) → each field's
value with its provenance. Pure: no I/O, no clock.

Provenance of every field (a JSON-ready dict):

- ``{"status": "auto", "value": …, "source": "traffic.pv", "note": "what it counted"}``;
- ``{"status": "manual", "value": …, "by": user, "at": ISO time, "note": …}`` — entered by hand (wins over an
  automatic value, which the note keeps);
- ``{"status": "missing", "value": None, "source": …, "note": "why"}`` — never a made-up number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annual.template import Field, Template
from core.i18n import annual as T


@dataclass(frozen=True)
class Figure:
    """What a gatherer found for one source: ``value`` with ``note`` (what it counted), or ``value`` None
    with ``note`` saying why it is missing."""

    value: Any
    note: str
    coverage: str = ""  # "N/M": a figure over part of the year only (e.g. days with access logs)

    @property
    def ok(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class ManualEntry:
    value: Any
    by: str
    at: str  # ISO time


def _shown(v: Any) -> str:
    if isinstance(v, bool):
        return T.YES if v else T.NO
    if isinstance(v, list):
        return "、".join(map(str, v))
    return str(v)


def fill_field(f: Field, figures: Mapping[str, Figure], manual: Mapping[str, ManualEntry],
               done: Mapping[str, dict[str, Any]], labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One field's value and provenance; ``done`` holds the fields already filled (``sum`` reads them),
    ``labels`` the Chinese names of the fields a sum names (its notes say them)."""
    src = f.source.text
    if f.key in manual:
        m = manual[f.key]
        note = T.MANUAL_NOTE.format(by=m.by, at=m.at)
        out: dict[str, Any] = {"status": "manual", "value": m.value, "by": m.by, "at": m.at, "source": src}
        auto = figures.get(src)
        if auto is not None:  # kept, so a later re-fill or edit still knows what the platform found
            out["auto"] = {"value": auto.value, "note": auto.note, "coverage": auto.coverage}
            if auto.ok and auto.value != m.value:
                note += T.MANUAL_OVER_AUTO.format(auto=_shown(auto.value))
        out["note"] = note
        return out
    if f.source.kind == "manual":
        return {"status": "missing", "value": None, "source": "manual", "note": T.NEEDS_MANUAL}
    if f.source.kind == "sum":
        parts = [done[k] for k in f.source.args]
        names = labels or {}
        named = "、".join(names.get(k, k) for k in f.source.args)
        missing = [names.get(k, k) for k, p in zip(f.source.args, parts, strict=True) if p["value"] is None]
        if missing:
            return {"status": "missing", "value": None, "source": src,
                    "note": T.SUM_MISSING.format(parts=named, missing="、".join(missing))}
        return {"status": "auto", "value": sum(int(p["value"]) for p in parts), "source": src,
                "note": T.SUM_NOTE.format(parts=named)}
    fig = figures.get(src)
    if fig is None:
        raise KeyError(src)  # a gatherer left a source out: a bug, not a missing figure
    if not fig.ok:
        return {"status": "missing", "value": None, "source": src, "note": fig.note}
    out = {"status": "auto", "value": fig.value, "source": src, "note": fig.note}
    if fig.coverage:
        out["coverage"] = fig.coverage
    return out


def fill(template: Template, figures: Mapping[str, Figure],
         manual: Mapping[str, ManualEntry] | None = None) -> dict[str, dict[str, Any]]:
    """Every field of ``template`` keyed by field key, in template order, sums after their parts.
    KeyError when ``figures`` lacks an automatic source the template names."""
    manual = manual or {}
    out: dict[str, dict[str, Any]] = {}
    for f in template.fields:
        if f.source.kind != "sum":
            out[f.key] = fill_field(f, figures, manual, out)
    labels = {f.key: f.label for f in template.fields}
    for f in template.fields:
        if f.source.kind == "sum":
            out[f.key] = fill_field(f, figures, manual, out, labels)
    return {f.key: out[f.key] for f in template.fields}


def stored_figures(values: Mapping[str, Mapping[str, Any]]) -> dict[str, Figure]:
    """The automatic figures a filled report was made from (to re-fill it after a hand entry without
    gathering again)."""
    out: dict[str, Figure] = {}
    for v in values.values():
        src = v.get("source")
        if not src or src == "manual" or src.startswith("sum:"):
            continue
        if v["status"] == "manual":
            if "auto" in v:
                a = v["auto"]
                out[src] = Figure(a["value"], a["note"], a.get("coverage", ""))
        else:
            out[src] = Figure(v["value"], v["note"], v.get("coverage", ""))
    return out


def counts(values: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """How many fields are auto, manual and missing."""
    c = {"auto": 0, "manual": 0, "missing": 0}
    for v in values.values():
        c[v["status"]] += 1
    return c


def shown(v: Any) -> str:
    """A value as people read it (是/否, lists joined, empty for None)."""
    return "" if v is None else _shown(v)
