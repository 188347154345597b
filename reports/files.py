"""Writing a report file all or nothing: into a temporary file beside the target, then renamed over it."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from core.i18n import reports as T


class ReportSaveError(OSError):
    """The report could not be written; the message is Chinese and names the path. No file was left behind."""


def save_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` then rename ``tmp`` to ``path``; returns ``path``. An existing file at ``path`` is
    replaced only when the new one is complete."""
    path = Path(path)
    if path.is_dir():
        raise ReportSaveError(T.SAVE_IS_DIR.format(path=path))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ReportSaveError(T.SAVE_DIR_MISSING.format(path=path, parent=parent))
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise ReportSaveError(T.SAVE_FAILED.format(path=path, error=exc.strerror or exc)) from None
    os.close(fd)
    os.chmod(name, 0o644)  # mkstemp's 0600 would hide the report from its readers
    tmp = Path(name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise ReportSaveError(T.SAVE_FAILED.format(path=path, error=exc.strerror or exc)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path
