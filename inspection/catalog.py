"""The Check family's registry as the rest of the platform reads it: what each check declares.

:func:`load_checks` imports every module of ``inspection.checks`` (each registers its check in
:data:`inspection.base.CHECKS`) and refuses, with :class:`core.plugins.PluginError` naming the check and
the declaration, a check whose declarations are missing or wrong (:func:`problems`): start-up stops
loudly instead of a check silently never being scheduled or judged. A name registered twice already
stops its import (``core.plugins.Registry``).

Everything else derives from the declarations:

- :data:`CHECK_LABEL` / :func:`check_label` — each check's Chinese name (``label_zh``), in screen order;
- :func:`check_groups` — schedule group → its checks (``collectors/kinds/inspection.py`` registers one
  collector kind per group);
- :func:`veto_feeds` — veto item → the (check, :class:`~inspection.base.VetoFeed`) pairs that feed it
  (``inspection/veto.py`` reads them instead of naming checks).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from core.plugins import PluginError, import_submodules
from inspection.base import CHECKS, TARGET_KINDS, VetoFeed

GROUP = re.compile(r"^[a-z][a-z0-9_]{0,39}$")  # becomes part of a collector kind's name
CJK = re.compile(r"[\u4e00-\u9fff]")
_imported = False


def _import() -> None:
    global _imported
    if not _imported:
        import_submodules("inspection.checks")
        _imported = True


def problems(name: str, kind: Any) -> list[str]:
    """What is wrong with the declarations of check ``kind`` registered as ``name``; empty when nothing."""
    from inspection.veto import JUDGED_ITEMS

    out: list[str] = []
    if getattr(kind, "name", None) != name:
        out.append(f"name {getattr(kind, 'name', None)!r} differs from its registered name")
    label = getattr(kind, "label_zh", None)
    if not isinstance(label, str) or not CJK.search(label):
        out.append("label_zh must be its Chinese name")
    group = getattr(kind, "group", None)
    if not isinstance(group, str) or not GROUP.match(group):
        out.append("group (its schedule group) is missing or not lower_snake_case")
    if not isinstance(getattr(kind, "order", None), int):
        out.append("order (its place in lists on screens) must be an integer")
    targets = getattr(kind, "targets", None)
    if not isinstance(targets, tuple) or not targets or not set(targets) <= set(TARGET_KINDS):
        out.append(f"targets must name target kinds among {', '.join(TARGET_KINDS)}")
    kinds = set(getattr(kind, "kinds", ()) or ())
    feeds = getattr(kind, "veto", None)
    if not isinstance(feeds, tuple) or not all(isinstance(f, VetoFeed) for f in feeds):
        out.append("veto must be a tuple of VetoFeed (empty when it feeds no veto item)")
    else:
        for f in feeds:
            if f.item not in JUDGED_ITEMS:
                out.append(f"veto item {f.item!r} is not one the veto logic judges ({', '.join(JUDGED_ITEMS)})")
            if not f.holds:
                out.append(f"veto item {f.item}: no finding kind holds it")
            stray = sorted(set(f.all_kinds) - kinds)
            if stray:
                out.append(f"veto item {f.item}: kinds {', '.join(stray)} are not among its declared kinds")
    return out


def load_checks() -> list[str]:
    """Import every check and validate every registered one; returns the check names in registration order.

    Raises :class:`PluginError` naming each check whose declarations are wrong, and two checks that share
    a Chinese label (screens could not tell them apart).
    """
    _import()
    errors = [f"check {name!r}: {p}" for name, kind in CHECKS for p in problems(name, kind)]
    seen: dict[str, str] = {}
    for name, kind in CHECKS:
        label = getattr(kind, "label_zh", None)
        if isinstance(label, str) and label in seen:
            errors.append(f"checks {seen[label]!r} and {name!r} share the label {label!r}")
        elif isinstance(label, str):
            seen[label] = name
    if errors:
        raise PluginError("inspection checks refused:\n  " + "\n  ".join(errors))
    return CHECKS.names()


def screen_order() -> list[str]:
    """Registered check names as screens list them (``order``, then name)."""
    _import()
    return [n for n, _ in sorted(CHECKS, key=lambda nk: (getattr(nk[1], "order", 1 << 30), nk[0]))]


def check_label(name: str) -> str:
    """The Chinese name check ``name`` declares; ``name`` itself for a check not registered in this process
    (e.g. one removed since its findings were stored)."""
    _import()
    if name in CHECKS:
        return str(getattr(CHECKS.get(name), "label_zh", "") or name)
    return name


class _Labels(Mapping[str, str]):
    """Check name → Chinese label, in screen order, read from the registry on each use."""

    def _table(self) -> dict[str, str]:
        return {n: check_label(n) for n in screen_order()}

    def __getitem__(self, name: str) -> str:
        _import()
        if name not in CHECKS:
            raise KeyError(name)
        return check_label(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def __repr__(self) -> str:
        return f"CHECK_LABEL({self._table()!r})"


CHECK_LABEL: Mapping[str, str] = _Labels()
"""Every registered check's Chinese name (its ``label_zh``), in screen order."""


def check_groups() -> dict[str, tuple[str, ...]]:
    """Schedule group → its checks, groups in the order of their first check on screens.

    Raises :class:`PluginError` like :func:`load_checks`.
    """
    load_checks()
    out: dict[str, tuple[str, ...]] = {}
    for name in screen_order():
        group = CHECKS.get(name).group  # type: ignore[attr-defined]
        out[group] = (*out.get(group, ()), name)
    return out


def veto_feeds() -> dict[str, tuple[tuple[str, VetoFeed], ...]]:
    """Veto item → the (check, feed) pairs every registered check declares for it, checks in screen order."""
    _import()
    out: dict[str, tuple[tuple[str, VetoFeed], ...]] = {}
    for name in screen_order():
        for feed in getattr(CHECKS.get(name), "veto", ()) or ():
            out[feed.item] = (*out.get(feed.item, ()), (name, feed))
    return out
