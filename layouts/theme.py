"""The dark control-room palette and the base figure layout every wall chart shares."""

from __future__ import annotations

from typing import Any

FONT_FAMILY = ('"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", '
               '"Microsoft YaHei", "PingFang SC", sans-serif')

BG = "#07111f"
PANEL = "#0c1a2e"
GRID = "#1c2f4a"
TEXT = "#e6f0ff"
MUTED = "#8aa4c8"
ACCENT = "#3fa9f5"

# Line colours for figures with several series (status colours are kept for states).
SERIES = (ACCENT, "#a78bfa", "#2dd4bf", "#f472b6")

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


def base_layout(**overrides: Any) -> dict[str, Any]:
    """Transparent dark layout; ``autosize`` so the figure follows its container at any resolution."""
    layout: dict[str, Any] = {
        "template": "plotly_dark",
        "autosize": True,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": FONT_FAMILY, "color": TEXT, "size": 16},
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 18}},
        "showlegend": False,
    }
    layout.update(overrides)
    return layout


AXIS: dict[str, Any] = {"gridcolor": GRID, "zerolinecolor": GRID, "linecolor": GRID,
                        "tickfont": {"color": MUTED, "size": 14}}
