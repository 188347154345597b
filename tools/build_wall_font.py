"""Build the wall screens' bundled CJK font from Debian's ``fonts-noto-cjk`` (SIL OFL 1.1).

A build tool, not a runtime dependency: it needs Debian's ``fonts-noto-cjk`` package (installed by
``scripts/install-system-deps.sh``) and the pinned ``fonttools`` and ``brotli`` from requirements.txt.
It subsets Noto Sans CJK SC Regular and Bold to what the screens show — GB2312, ASCII and Latin-1,
general and CJK punctuation, full-width forms, plus every non-ASCII character in the project's
screen-facing sources and data (so a county name outside GB2312 still renders) — renames the family
``GovOps Wall Sans`` (the OFL reserves the upstream names for unmodified versions) and writes WOFF2
files and the licence into ``dashboard/assets/fonts/``::

    .venv/bin/python tools/build_wall_font.py            # --source-dir, --out-dir, --check

``--check`` rebuilds into a temporary folder and exits 1 when the committed files' glyph coverage
differs (byte-identical WOFF2 output is not guaranteed across fontTools versions). Raises
:class:`BuildError` naming the file when a source font or its licence is missing; outputs are written
to a temporary file and renamed, so none is ever half-written.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto")
DEFAULT_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
DEFAULT_OUT = ROOT / "dashboard" / "assets" / "fonts"
FAMILY = "GovOps Wall Sans"
SC_INDEX_NAME = "Noto Sans CJK SC"  # the face taken from each collection
WEIGHTS: dict[str, str] = {"Regular": "NotoSansCJK-Regular.ttc", "Bold": "NotoSansCJK-Bold.ttc"}
# Folders whose text reaches a screen (labels, wording, registry and division names, rule texts).
SCANNED = ("layouts", "dashboard", "security", "alerts", "inspection", "db", "core", "data", "demo")
SCANNED_SUFFIXES = frozenset({".py", ".csv", ".toml", ".yaml", ".yml", ".json", ".geojson", ".txt"})
EXTRA_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (·, ×, °)
    (0x2000, 0x206F),  # general punctuation (—, …, ‘’ “”, ›)
    (0x2100, 0x214F),  # letterlike symbols (℃, №)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers
    (0x25A0, 0x25FF),  # geometric shapes (●, ▲)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)
LICENCE_NAME = "OFL.txt"


class BuildError(RuntimeError):
    """A source font or its licence is missing or unreadable; the message names the file."""


def gb2312_chars() -> set[str]:
    """Every character GB2312 encodes (its 94 x 94 double-byte table)."""
    out: set[str] = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return out


def source_chars(root: Path, folders: Iterable[str] = SCANNED) -> set[str]:
    """Every non-ASCII character in the screen-facing sources under ``root``."""
    out: set[str] = set()
    for folder in folders:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.suffix in SCANNED_SUFFIXES and path.is_file():
                try:
                    text = path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    continue  # e.g. a GBK test fixture: its characters are GB2312 anyway
                out.update(ch for ch in text if ord(ch) > 0x7F and ch.isprintable())
    return out


def wanted_codepoints(root: Path) -> list[int]:
    """The sorted code points of the subset."""
    chars = gb2312_chars() | source_chars(root)
    points = {ord(c) for c in chars}
    for lo, hi in EXTRA_RANGES:
        points.update(range(lo, hi + 1))
    return sorted(points)


def licence_text(copyright_file: Path) -> str:
    """The font's copyright notice and the SIL OFL 1.1 text, from Debian's copyright file."""
    try:
        text = copyright_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise BuildError(f"{copyright_file}: cannot read the licence ({exc})") from exc
    m = re.search(r"^License: SIL-1\.1\n((?: .*\n)+)", text, re.MULTILINE)
    if m is None:
        raise BuildError(f"{copyright_file}: no 'License: SIL-1.1' paragraph")
    body = "\n".join("" if line.strip() == "." else line[1:] for line in m.group(1).splitlines())
    head = ("GovOps Wall Sans (dashboard/assets/fonts/*.woff2) is a subset of Noto Sans CJK SC,\n"
            "renamed as the licence asks of a Modified Version, built by tools/build_wall_font.py\n"
            "from Debian's fonts-noto-cjk package.\n\n"
            "Copyright 2014-2021 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.\n"
            "Noto is a trademark of Google Inc.\n\n"
            "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n")
    return head + body.strip() + "\n"


def _rename(font: object, weight: str) -> None:
    """Give the subset its own family name in the name and CFF tables."""
    ps = f"{FAMILY.replace(' ', '')}-{weight}"
    names = {1: FAMILY, 2: weight, 3: f"{ps};subset", 4: f"{FAMILY} {weight}", 6: ps, 16: FAMILY, 17: weight}
    table = font["name"]  # type: ignore[index]
    for rec in list(table.names):
        if rec.nameID in (16, 17):
            table.removeNames(nameID=rec.nameID)
    for name_id, value in names.items():
        if name_id in (16, 17):
            continue
        table.setName(value, name_id, 3, 1, 0x409)
        table.setName(value, name_id, 1, 0, 0)
    if "CFF " in font:  # type: ignore[operator]
        cff = font["CFF "].cff  # type: ignore[index]
        cff.fontNames = [ps]
        top = cff.topDictIndex[0]
        for attr, value in (("FullName", f"{FAMILY} {weight}"), ("FamilyName", FAMILY)):
            if hasattr(top, attr):
                setattr(top, attr, value)


def _face_index(path: Path) -> int:
    from fontTools.ttLib import TTCollection

    try:
        collection = TTCollection(str(path), lazy=True)
    except OSError as exc:
        raise BuildError(f"{path}: cannot read ({exc}); install Debian's fonts-noto-cjk") from exc
    for i, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == SC_INDEX_NAME:
            return i
    raise BuildError(f"{path}: no face named {SC_INDEX_NAME!r}")


def build_weight(source: Path, weight: str, codepoints: Sequence[int], out: Path) -> int:
    """Write the WOFF2 subset of ``source`` for ``weight`` to ``out``; returns its size in bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    index = _face_index(source)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["kern", "liga", "calt", "locl", "palt", "halt", "vert", "fwid", "hwid"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = TTFont(str(source), fontNumber=index, lazy=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    _rename(font, weight)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".tmp")
    os.close(fd)
    try:
        subset.save_font(font, tmp, options)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out.stat().st_size


def font_file(weight: str) -> str:
    return f"govops-wall-sans-{weight.lower()}.woff2"


def covered(path: Path) -> set[int]:
    """The code points a built font maps."""
    from fontTools.ttLib import TTFont

    return set(TTFont(str(path)).getBestCmap())


def build(source_dir: Path, copyright_file: Path, out_dir: Path, root: Path = ROOT) -> dict[str, int]:
    """Build every weight and the licence into ``out_dir``; returns file name -> size."""
    codepoints = wanted_codepoints(root)
    sizes: dict[str, int] = {}
    for weight, name in WEIGHTS.items():
        source = source_dir / name
        if not source.exists():
            raise BuildError(f"{source}: missing; install Debian's fonts-noto-cjk (scripts/install-system-deps.sh)")
        sizes[font_file(weight)] = build_weight(source, weight, codepoints, out_dir / font_file(weight))
    licence = out_dir / LICENCE_NAME
    licence.write_text(licence_text(copyright_file), encoding="utf-8")
    sizes[LICENCE_NAME] = licence.stat().st_size
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the wall screens' CJK font subset (GovOps Wall Sans).")
    ap.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE, help="folder of NotoSansCJK-*.ttc")
    ap.add_argument("--copyright", type=Path, default=DEFAULT_COPYRIGHT, help="Debian copyright file (licence)")
    ap.add_argument("--out-dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="compare a fresh build's coverage with the committed files")
    args = ap.parse_args(argv)
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                build(args.source_dir, args.copyright, Path(tmp))
                stale = [font_file(w) for w in WEIGHTS
                         if covered(Path(tmp) / font_file(w)) != covered(args.out_dir / font_file(w))]
            if stale:
                print(f"out of date: {', '.join(stale)} (run tools/build_wall_font.py)", file=sys.stderr)
                return 1
            print("fonts up to date")
            return 0
        for name, size in build(args.source_dir, args.copyright, args.out_dir).items():
            print(f"{args.out_dir / name}: {size / 1024:.0f} KiB")
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
