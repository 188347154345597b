"""Builds collector instances by kind name after importing every collector kind (``collectors/kinds/``)."""

from __future__ import annotations

from collections.abc import Sequence

from collectors.base import COLLECTORS, Collector, CollectorContext
from core.plugins import PluginError, import_submodules


def load_kinds() -> list[str]:
    """Import every module of ``collectors.kinds`` so its kinds register; returns the kind names.

    An import error or a kind registered twice propagates: start-up stops loudly.
    """
    import collectors.scheduler  # noqa: F401  (declares the scheduler's own ``collector_run`` metrics)

    import_submodules("collectors.kinds")
    return COLLECTORS.names()


def build_collectors(ctx: CollectorContext, names: Sequence[str] | None = None) -> list[Collector]:
    """One instance per kind in ``names`` (all registered kinds when None), in the given order.

    Raises :class:`core.plugins.PluginError` for an unknown or repeated name; a kind whose
    constructor rejects its settings raises that kind's error.
    """
    known = load_kinds()
    wanted = list(known if names is None else names)
    if len(set(wanted)) != len(wanted):
        raise PluginError(f"collector kinds listed twice: {', '.join(wanted)}")
    return [COLLECTORS.get(n)(ctx) for n in wanted]
