"""Poll every target of a platform-service collector once (blocking or async kinds alike), closing its
HTTP session afterwards: the tests of the service kinds and of the demo's platform faults share it."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from tsdb.point import Point


async def apoll_points(collector: Any) -> list[Point]:
    """The points of one poll of each of ``collector``'s targets, in target order; the collector's
    ``aclose`` (when it has one) runs afterwards, even when a poll raised."""
    out: list[Point] = []
    try:
        for t in collector.targets():
            result = collector.collect(t)
            out.extend(await result if inspect.isawaitable(result) else result)
    finally:
        if hasattr(collector, "aclose"):
            await collector.aclose()
    return out


def poll_points(collector: Any) -> list[Point]:
    """:func:`apoll_points` in a loop of its own."""
    return asyncio.run(apoll_points(collector))
