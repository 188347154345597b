"""Shared dashboard fixtures: the seeded test world, its cached wall data, and headless Chromium
(Debian's chromium, never a downloaded browser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_caching import Cache

from core.clock import FixedClock
from dashboard.data import WallData
from tests.dashboard.browser_support import ARGS, CHROMIUM
from tests.dashboard.world import NOW, World, build_world


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (scripts/install-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


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
