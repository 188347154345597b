"""The long-running wall, short: bench/wall_soak.py's loop for a few hundred refreshes (a compressed hour;
the wall rotating through its 15 pages all along) in real headless Chromium. The overview's DOM must come
back to the same size every time the rotation returns to it: nothing accumulates. Bounded by the refresh
count, not timed; the 72-hour figures are in docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.wall_soak import prepare, soak
from tests.dashboard.browser_support import serve

pytestmark = pytest.mark.browser

REFRESHES = 240  # 240 refreshes of 15 s: one hour of a wall


def test_a_wall_rotating_for_an_hour_of_refreshes_keeps_its_dom_bounded(browser: Any, tmp_path: Path) -> None:
    world, token = prepare(tmp_path, interval_ms=200, dwell_seconds=1)
    with serve(world, "wall-soak-test") as base:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        samples = soak(page, base, token, refreshes=REFRESHES, samples=8)
        page.close()
    assert len(samples) >= 3 and samples[-1].refreshes >= REFRESHES
    first = samples[0].nodes
    assert all(abs(s.nodes - first) <= max(20, first // 20) for s in samples), [s.nodes for s in samples]
