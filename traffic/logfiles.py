"""Access-log files on disk: which to read and in what order, opening plain or gzip alike, the first line.

Rotation as logrotate leaves it: ``access.log`` (being written), ``access.log.1``, ``access.log.2.gz`` …; a
directory stands for its files whose name has ``.log`` in it but not ``error`` (nginx's and Apache's error
logs live beside the access logs), oldest first (the highest number first, the live file last). Gzip is
recognised by its magic bytes, not its name.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
FIRST_LINE_MAX = 64 * 1024  # a longer first line is identified by its first 64 KiB
_ROTATION = re.compile(r"\.(\d+)(?:\.gz)?$")


def is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == GZIP_MAGIC


def open_log(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """(the uncompressed text, the file on disk: its ``tell()`` is how far the reading got); OSError."""
    raw = path.open("rb")
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw  # type: ignore[return-value]
    raw.seek(0)
    return raw, raw


def first_line(path: Path) -> bytes | None:
    """The first whole line (with its newline; of a gzip file, the whole first line even without one), or
    None when the file has none yet. OSError, EOFError or gzip.BadGzipFile when it cannot be read."""
    text, raw = open_log(path)
    try:
        line = text.readline(FIRST_LINE_MAX)
    finally:
        text.close()
        raw.close()
    if not line or (not line.endswith(b"\n") and len(line) < FIRST_LINE_MAX and not is_gzip(path)):
        return None
    return line


def _rotation_key(path: Path) -> tuple[str, int]:
    m = _ROTATION.search(path.name)
    stem = path.name[:m.start()] if m else path.name
    return (stem, -int(m[1]) if m else 0)


def log_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: each file given, and each directory's ``*.log*`` files but error logs, a rotated set
    oldest first;
    FileNotFoundError naming the first path that does not exist."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted((f for f in p.iterdir() if f.is_file() and ".log" in f.name
                               and "error" not in f.name.lower()), key=_rotation_key))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(str(p))
    seen: set[Path] = set()
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]  # type: ignore[func-returns-value]
