"""The dark control-room palette and the base figure layout every wall chart shares."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

# The one font stack of every screen, the bundled font first (declared in dashboard/assets/fonts/fonts.css):
# Plotly measures and draws text in it as the page does, whatever fonts the wall PC has; the pages outside
# Dash (login, refusals, 404) use it too, and wall.css's --font is held equal to it by a test.
FONT_FAMILY = ('"GovOps Wall Sans", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
               '"Microsoft YaHei", "PingFang SC", sans-serif')
# The one @font-face source: Dash loads it with the assets; a page outside Dash starts its <style> with
# FONT_IMPORT (public like the font files, so it works before any login).
FONT_STYLESHEET = "/assets/fonts/fonts.css"
FONT_IMPORT = f'@import url("{FONT_STYLESHEET}");'

# Text sizes for a wall read from 5 m on a 55-inch 1080p panel (CSS pixels on the 1920x1080 canvas).
# The browser layout test (tests/dashboard/test_wall_layout_browser.py) holds every wall page to them.
FONT_MIN_PX = 18  # nothing visible on a wall is smaller: footnotes, tags, legends, credits, tick labels
FONT_TABLE_PX = 22  # wall table cells (.wall-table in wall.css)
FONT_CHART_PX = 18  # a figure's base font: tick labels, legends, hover labels
FONT_AXIS_TITLE_PX = 20  # axis titles
FONT_MAP_LABEL_PX = 18  # city names on the map
FONT_NO_DATA_PX = 28  # "暂无数据" in an empty figure
PAGE_SECONDS = 8  # a paged wall table (dashboard/assets/paging.js) shows each page this long

BG = "#07111f"
PANEL = "#0c1a2e"
GRID = "#1c2f4a"
TEXT = "#e6f0ff"
MUTED = "#8aa4c8"
ACCENT = "#3fa9f5"

# Line colours for figures with several series (status colours are kept for states).
SERIES = (ACCENT, "#a78bfa", "#2dd4bf", "#f472b6")

LIVE_FONT = FONT_CHART_PX  # the 统计中 label beside a chart's running bucket

GREEN = "#22c55e"
AMBER = "#f59e0b"
RED = "#ef4444"
GREY = "#64748b"

# Status -> colour; stale and unknown share grey so no missing data looks healthy.
STATUS_COLORS: dict[str, str] = {
    "up": GREEN,
    "slow": AMBER,
    "degraded": AMBER,
    "down": RED,
    "stale": GREY,
    "unknown": GREY,
}


def status_color(status: str | None) -> str:
    """The colour of a status; anything unrecognised is grey, never green."""
    return STATUS_COLORS.get(status or "unknown", GREY)


def fill_rgba(hex_color: str, alpha: float) -> str:
    """``#rrggbb`` as an ``rgba()`` string with the given opacity."""
    h = hex_color.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"colour {hex_color!r}: expected #rrggbb")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


@lru_cache(maxsize=1)
def wall_template() -> go.layout.Template:
    """plotly_dark with every axis (of every subplot) held to the wall's text sizes: ticks at
    ``FONT_CHART_PX``, titles at ``FONT_AXIS_TITLE_PX``, and automargin, so Plotly widens a margin
    rather than clipping a tick label or a title at the figure's edge."""
    template = go.layout.Template(pio.templates["plotly_dark"])
    axis = {"automargin": True, "tickfont": {"size": FONT_CHART_PX},
            "title": {"font": {"size": FONT_AXIS_TITLE_PX, "color": MUTED}, "standoff": 8}}
    template.layout.xaxis.update(axis)
    template.layout.yaxis.update(axis)
    return template


def base_layout(**overrides: Any) -> dict[str, Any]:
    """Transparent dark layout; ``autosize`` so the figure follows its container at any resolution."""
    layout: dict[str, Any] = {
        "template": wall_template(),
        "autosize": True,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": FONT_FAMILY, "color": TEXT, "size": FONT_CHART_PX},
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": FONT_CHART_PX}},
        "showlegend": False,
    }
    layout.update(overrides)
    return layout


AXIS: dict[str, Any] = {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID,
                        "tickfont": {"color": MUTED, "size": FONT_CHART_PX}}
