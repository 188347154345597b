"""The bundled wall font covers what the screens show: every character of the screen-facing sources and
data, GB2312 and the punctuation the wording uses; its licence ships beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.build_wall_font import (
    DEFAULT_OUT,
    LICENCE_NAME,
    ROOT,
    WEIGHTS,
    covered,
    font_file,
    gb2312_chars,
    source_chars,
)

pytest.importorskip("brotli")  # WOFF2 needs it to be read; pinned in requirements.txt


@pytest.mark.parametrize("weight", sorted(WEIGHTS))
def test_font_covers_every_screen_character(weight: str) -> None:
    path = DEFAULT_OUT / font_file(weight)
    assert path.stat().st_size < 3 * 1024 * 1024  # a subset, not the 19 MB collection
    cmap = covered(path)
    needed = {ord(c) for c in source_chars(ROOT) | gb2312_chars()} | {ord(c) for c in "…—·“”（）：；，。、％"}
    missing = sorted(chr(c) for c in needed - cmap if chr(c).isprintable() and not chr(c).isspace())
    assert missing == [], f"{path.name} lacks {''.join(missing[:40])}: run tools/build_wall_font.py"


def test_licence_ships_with_the_font() -> None:
    text = (DEFAULT_OUT / LICENCE_NAME).read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text and "Reserved Font Name" in text
    css = (DEFAULT_OUT / "fonts.css").read_text(encoding="utf-8")
    assert all(font_file(w) in css for w in WEIGHTS) and "font-display: block" in css


def test_one_font_stack_and_one_font_face_source() -> None:
    """Every screen names the same stack and loads the one @font-face file: the walls (wall.css --font, Plotly's
    theme.FONT_FAMILY) and the pages outside Dash (login and refusals in security/web.py, the 404 page)."""
    import re

    from dashboard import not_found
    from layouts import theme
    from security import web

    wall = (Path(ROOT) / "dashboard" / "assets" / "wall.css").read_text(encoding="utf-8")
    m = re.search(r"--font:\s*([^;]+);", wall)
    assert m is not None and m.group(1).strip() == theme.FONT_FAMILY
    assert web.FONT_STACK == theme.FONT_FAMILY and web.FONT_FACE == theme.FONT_IMPORT
    assert theme.FONT_STYLESHEET == "/assets/fonts/fonts.css" and (DEFAULT_OUT / "fonts.css").is_file()
    css_files = [p.relative_to(ROOT).as_posix() for p in (Path(ROOT) / "dashboard").rglob("*.css")
                 if "@font-face" in p.read_text(encoding="utf-8")]
    assert css_files == ["dashboard/assets/fonts/fonts.css"]
    assert "@font-face" not in Path(web.__file__).read_text(encoding="utf-8")
    assert "@font-face" not in Path(not_found.__file__).read_text(encoding="utf-8")
