"""Named plug-in registries: one per family (collector, check, metric store, notifier, channel).

A kind registers itself under a unique name when its module is imported; a
duplicate name raises at import time, so a clash stops start-up loudly.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class PluginError(RuntimeError):
    """A plug-in is missing, named twice, or failed to import."""


class Registry(Generic[T]):
    """A family's kinds by name, in registration order."""

    def __init__(self, family: str) -> None:
        self.family = family
        self._kinds: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(kind: T) -> T:
            if name in self._kinds and self._kinds[name] is not kind:
                raise PluginError(f"{self.family} plug-in {name!r} is registered twice "
                                  f"({self._kinds[name]!r} and {kind!r})")
            self._kinds[name] = kind
            return kind
        return deco

    def get(self, name: str) -> T:
        try:
            return self._kinds[name]
        except KeyError:
            known = ", ".join(sorted(self._kinds)) or "none"
            raise PluginError(f"unknown {self.family} plug-in {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        return list(self._kinds)

    def __iter__(self) -> Iterator[tuple[str, T]]:
        return iter(list(self._kinds.items()))

    def __contains__(self, name: object) -> bool:
        return name in self._kinds


def import_submodules(package: str) -> None:
    """Import every module of ``package`` so its kinds register; import errors propagate."""
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")
