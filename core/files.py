"""Files that hold secrets — SQLite databases (password hashes, tokens' hashes), the session key, the
demo wall token — are readable by their owner only (0600), whatever the process's umask says."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from core.logging import get_logger

PRIVATE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite gives these the database file's mode
log = get_logger(__name__)


def make_private(path: Path, *, create: bool = True, side_files: tuple[str, ...] = ()) -> None:
    """Create ``path`` empty with mode 0600 when ``create`` and it is missing; take group and other rights
    from it (and from ``path + suffix`` for each of ``side_files`` that exists) when it has any.

    A file this process may not change (another owner's) is left as it is, with a warning."""
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # there already, or another process made it: tightened below
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE))
    for p in (path, *(path.with_name(path.name + s) for s in side_files)):
        try:
            mode = stat.S_IMODE(os.stat(p).st_mode)
            if mode & 0o077:
                os.chmod(p, mode & 0o700)
                log.info("file.made_private", path=str(p), was=oct(mode))
        except FileNotFoundError:
            continue
        except PermissionError:
            log.warning("file.not_private", path=str(p), reason="permission denied")
