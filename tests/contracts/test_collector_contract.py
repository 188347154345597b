"""One contract over every registered collector kind: a new kind is tested by being registered.

Each kind is built against a real migrated registry holding one site (served by a real loopback
HTTP server) and this machine as a local host; every target is collected for real, and everything
a kind emits must be declared beside it with a Chinese label.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import METRICS, Collector, CollectorContext, Target
from collectors.loader import load_kinds
from core.clock import SystemClock
from db.hosts import ensure_local_host
from db.session import transaction
from tests.collectors.support import make_config, seed_registry, serve
from tsdb.point import Point

KINDS = load_kinds()


def _page() -> web.Application:
    app = web.Application()

    async def home(_request: web.Request) -> web.Response:
        return web.Response(text="<html><body>湖南省人民政府</body></html>", content_type="text/html")

    app.router.add_get("/", home)
    return app


async def _collect_all(kind: type, sessions: sessionmaker[Session]) -> tuple[Collector, list[Target], list[Point]]:
    async with serve(_page()) as base:
        with transaction(sessions) as s:
            seed_registry(s, {"P4300000001": base + "/"})
            ensure_local_host(s, "430000")
        collector: Any = kind(CollectorContext(config=make_config(probe_timeout=5.0), sessions=sessions,
                                               clock=SystemClock()))
        try:
            targets = collector.targets()
            points: list[Point] = []
            for t in targets:
                result = collector.collect(t)
                if inspect.isawaitable(result):
                    result = await result
                points.extend(result)
            return collector, targets, points
        finally:
            aclose = getattr(collector, "aclose", None)
            if aclose is not None:
                await aclose()


@pytest.mark.parametrize("name", KINDS)
def test_collector_contract(name: str, sessions: sessionmaker[Session]) -> None:
    from collectors.base import COLLECTORS

    kind = COLLECTORS.get(name)
    assert kind.name == name
    assert isinstance(kind.blocking, bool)
    assert kind.metrics, f"{name} declares no metrics"
    for spec in kind.metrics:
        assert METRICS[(spec.measurement, spec.field)] == spec
        assert spec.label_zh and any("\u4e00" <= ch <= "\u9fff" for ch in spec.label_zh), spec

    collector, targets, points = asyncio.run(_collect_all(kind, sessions))
    assert isinstance(collector, Collector)
    assert collector.interval > 0 and collector.timeout > 0
    assert targets and all(isinstance(t, Target) for t in targets)
    assert len({t.key for t in targets}) == len(targets), "target keys must be unique"
    assert points, f"{name} collected nothing from a healthy registry"
    declared = {(s.measurement, s.field) for s in kind.metrics}
    for p in points:
        assert isinstance(p, Point)
        undeclared = {(p.measurement, f) for f in p.fields} - declared
        assert not undeclared, f"{name} emits undeclared metrics {sorted(undeclared)}"
        assert all(isinstance(v, str) and v for v in p.tags.values()), p.tags
