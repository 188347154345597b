"""The rule directory as the alerting service and the rules page both see it: one policy, one place.

:meth:`RuleDirectory.refresh` looks at the directory (path, modification time and size of each file)
and loads it again only when that changed. A new set is taken only when every file loads
(:func:`alerts.rules.load_rule_files` rejects the whole set when one file is broken); otherwise, and
when the directory lost its files, the rules in force stay in force; nothing a file holds can make
:meth:`RuleDirectory.refresh` raise (a failure it did not foresee is reported like a broken file, so the
engine and the rules page keep running on the rules in force). Every change seen bumps
``generation``, so several readers of one directory (the engine, the web page) each notice it once.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from alerts.rules import MAX_FILE_BYTES, UNFORESEEN, RuleFileError, RuleSet, expand_paths, load_rule_files
from core.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class FileVersion:
    """A rule file's version: path, modification time (UTC) and a short SHA-256 of its bytes."""

    path: str
    mtime: datetime | None
    sha: str  # first 12 hex digits; "" when the file could not be read

    @property
    def name(self) -> str:
        return Path(self.path).name


def file_version(path: Path) -> FileVersion:
    """The version of ``path`` now; mtime None and sha "" when it cannot be read (sha of the first
    :data:`~alerts.rules.MAX_FILE_BYTES` + 1 bytes: a larger file is never loaded)."""
    try:
        st = path.stat()
        with path.open("rb") as fh:  # a file over the limit is refused unread; its first bytes tell versions apart
            digest = hashlib.sha256(fh.read(MAX_FILE_BYTES + 1)).hexdigest()[:12]
    except OSError:
        return FileVersion(str(path), None, "")
    return FileVersion(str(path), datetime.fromtimestamp(st.st_mtime, UTC), digest)


def rules_signature(files: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """What identifies a version of the rule files: path, modification time (ns) and size of each."""
    out = []
    for f in files:
        st = f.stat()
        out.append((str(f), st.st_mtime_ns, st.st_size))
    return tuple(out)


@dataclass(frozen=True)
class RuleDirState:
    """The directory as of the last look.

    ``files`` are the versions on disk; ``in_force`` the last set that loaded completely and ``loaded``
    the versions it was read from; ``errors`` every ``(file, line, reason)`` that kept the files on disk
    out (empty when they loaded or there are none). ``generation`` counts the changes seen;
    ``loaded_generation`` is the generation ``in_force`` comes from (0: nothing ever loaded).
    """

    directory: Path
    files: tuple[FileVersion, ...] = ()
    in_force: RuleSet = field(default_factory=RuleSet)
    loaded: tuple[FileVersion, ...] = ()
    errors: tuple[tuple[str, int, str], ...] = ()
    generation: int = 0
    loaded_generation: int = 0

    @property
    def taken(self) -> bool:
        """The files on disk are the rules in force (the last change loaded)."""
        return bool(self.files) and self.loaded_generation == self.generation

    @property
    def error_text(self) -> str:
        """``FILE:LINE: reason`` lines, as ``rules check`` prints them."""
        return str(RuleFileError(list(self.errors))) if self.errors else ""


class RuleDirectory:
    """One rule directory, shared by whoever reads it in a process; thread-safe."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._state = RuleDirState(directory)

    def refresh(self) -> RuleDirState:
        """The state now, reloading when a file was added, removed or changed since the last look."""
        with self._lock:
            try:
                files = expand_paths([self.directory]) if self.directory.is_dir() else []
                signature = rules_signature(files)
            except OSError:  # unreadable, or a file vanished between listing and stat: look again next time
                return self._state
            if signature == self._signature:
                return self._state
            versions = tuple(file_version(f) for f in files)
            gen = self._state.generation + 1
            st = replace(self._state, files=versions, errors=(), generation=gen)
            if files:
                try:
                    st = replace(st, in_force=load_rule_files(files), loaded=versions, loaded_generation=gen)
                except RuleFileError as exc:
                    st = replace(st, errors=tuple(exc.errors))
                except OSError:  # vanished while being read: keep what is in force, look again next time
                    return self._state
                except Exception:  # load_rule_files reports every file error itself; this is a bug of ours
                    log.exception("alerts.rule_dir_unforeseen", directory=str(self.directory))
                    st = replace(st, errors=((str(self.directory), 0, UNFORESEEN),))
            self._signature, self._state = signature, st
            return st
