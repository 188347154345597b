"""Shared dashboard fixtures: the seeded test world, its cached wall data, and headless Chromium
(Debian's chromium, never a downloaded browser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_caching import Cache

from core.clock import FixedClock
from dashboard.data import WallData
from tests.dashboard.world import NOW, World, build_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    try:
        yield w
    finally:
        w.store.close()


@pytest.fixture
def data(world: World) -> Iterator[WallData]:
    app = Flask(__name__)
    app.config["CACHE_TYPE"] = "SimpleCache"
    cache = Cache()
    cache.init_app(app)
    with app.app_context():
        yield WallData(world.config, world.store, world.sessions, cache, FixedClock(NOW))
