"""Ingesting access-log files into the daily traffic tables, each file all or nothing, never twice.

For each file: its first line's SHA-256 finds the ledger rows of files that began the same way; a row whose
``offset`` bytes hash to its ``prefix_sha256`` is this file as far as it was read before (the same file, or
it rotated, renamed, grown or gzipped since), so reading resumes after them. A file with nothing new is
"unchanged". A file whose first 4 KiB are those of an ingested file but which then differs or ends sooner
is refused (a truncated or edited copy cannot be told from the original). Another file that merely starts
with the same line (a monitor's request at the same second on two days or sites) is a file of its own.

The lines are read as a stream (constant memory but the per-day visitor sets), tallied per site and day
(traffic/aggregate.py), and written in one transaction with the file's ledger row: a file that fails to read
half-way (a broken gzip) writes nothing.

A plain file's last line without a newline is left for the next run (nginx may be writing it); a gzip file
is finished, so its last line counts with or without one.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.i18n import traffic as T
from db.models_traffic import TrafficIngestLedger
from db.session import transaction
from traffic.aggregate import SiteOf, Tally
from traffic.bots import BotFilter
from traffic.logfiles import first_line, open_log
from traffic.parse import BadLine, DayCache, LogLine, parse_line
from traffic.store import ledger_candidates, merge_days, site_hosts, site_ids

BAD_SAMPLES = 20  # bad lines listed by file and line number; the rest are counted
PROGRESS_EVERY = 65_536  # lines between progress reports
_CHUNK = 1 << 20
HEAD_BYTES = 4096  # a file's identity beyond its first line
MAX_LINE = 64 * 1024  # a longer "line" (binary junk) is read in pieces of this size, each a bad line

Progress = Callable[[int, int], None]  # (bytes of the files read so far, lines read so far)


class _Conflict(Exception):
    """The ledger row of the file changed while it was read (another ingest of it)."""


class UnknownSite(ValueError):
    """``--site`` names no registered site (the message is Chinese)."""


@dataclass
class FileOutcome:
    """What ingesting one file did; ``messages`` are the Chinese lines to show (errors, bad lines)."""

    path: Path
    state: str  # "done", "unchanged", "empty", "failed"
    lines: int = 0
    pv: int = 0
    bot_hits: int = 0
    bad_lines: int = 0
    unattributed: int = 0
    days: int = 0
    messages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Known:
    id: int
    path: str
    offset: int
    prefix_sha256: str
    head_sha256: str
    lines: int


@dataclass
class _Read:
    hasher: Any  # a hashlib sha256 object
    offset: int = 0
    lineno: int = 0
    new_lines: int = 0
    head_sha256: str = ""


class Ingestor:
    """Ingests files in format ``fmt`` for the site ``site_code`` or, without it, for the site its host names
    (vhost_combined) or its file name names. ``progress`` is told every so many lines."""

    def __init__(self, sessions: sessionmaker[Session], fmt: str = "combined", site_code: str | None = None,
                 progress: Progress | None = None) -> None:
        self.sessions, self.fmt, self.site_code, self.progress = sessions, fmt, site_code, progress
        self.bots = BotFilter()
        self.days = DayCache()
        with sessions() as s:
            self.hosts = site_hosts(s)
            if site_code is not None and not site_ids(s, {site_code}):
                raise UnknownSite(T.UNKNOWN_SITE.format(code=site_code))
        self.bytes_before = 0  # of the files finished
        self.lines_total = 0

    def ingest(self, paths: list[Path]) -> list[FileOutcome]:
        return [self.ingest_file(p) for p in paths]

    def _site_of(self, path: Path) -> SiteOf | None:
        if self.site_code is not None:
            code = self.site_code
            return lambda _line: code
        if self.fmt == "vhost_combined":
            memo: dict[bytes, str | None] = {}

            def by_vhost(line: LogLine) -> str | None:
                v = line.vhost or b""
                if v not in memo:
                    memo[v] = self.hosts.get(v.decode("ascii", "replace").rsplit(":", 1)[0].lower())
                return memo[v]
            return by_vhost
        name = path.name.lower()
        found = max((h for h in self.hosts if h in name), key=len, default=None)
        if found is None:
            return None
        code = self.hosts[found]
        return lambda _line: code

    def ingest_file(self, path: Path) -> FileOutcome:
        """Read ``path`` and store what it adds; never raises for a bad file (the outcome says why)."""
        try:
            return self._ingest_file(path)
        finally:
            self.bytes_before += _size(path)

    def _ingest_file(self, path: Path) -> FileOutcome:
        site_of = self._site_of(path)
        if site_of is None:
            return FileOutcome(path, "failed", messages=[T.NO_SITE_FOR_FILE.format(path=path)])
        try:
            head = first_line(path)
            if head is None:
                return FileOutcome(path, "empty", messages=[T.FILE_EMPTY.format(path=path)])
            head_sha = hashlib.sha256(head).hexdigest()
            with self.sessions() as s:
                known = [_Known(k.id, k.path, k.offset, k.prefix_sha256, k.head_sha256, k.lines)
                         for k in ledger_candidates(s, head_sha)]
            return self._ingest(path, head_sha, known, site_of)
        except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
            return FileOutcome(path, "failed", messages=[T.READ_FAILED.format(path=path, error=exc)])

    def _resume(self, path: Path, known: list[_Known]) -> tuple[_Known | None, BinaryIO, BinaryIO, _Read, str]:
        """The ledger row this file continues (or None), the open file positioned after what was read, and
        a message ("" when reading from the start). OSError; ValueError when a known file is longer."""
        for k in known:
            text, raw = open_log(path)
            state = _Read(hashlib.sha256())
            head = min(k.offset, HEAD_BYTES)
            same_head = _hash_into(text, state.hasher, head) == head and state.hasher.hexdigest() == k.head_sha256
            if same_head and _hash_into(text, state.hasher, k.offset - head) == k.offset - head \
                    and state.hasher.hexdigest() == k.prefix_sha256:
                state.offset, state.lineno = k.offset, k.lines
                state.head_sha256 = k.head_sha256 if k.offset >= HEAD_BYTES else ""
                return k, text, raw, state, T.FILE_RESUMED.format(path=path, offset=k.offset, known=k.path)
            text.close()
            raw.close()
            if same_head:
                raise ValueError(T.SHORTER_THAN_LEDGER.format(path=path, known=k.path, offset=k.offset))
        text, raw = open_log(path)
        return None, text, raw, _Read(hashlib.sha256()), ""

    def _ingest(self, path: Path, head_sha: str, known: list[_Known], site_of: SiteOf) -> FileOutcome:
        try:
            match, text, raw, state, note = self._resume(path, known)
        except ValueError as exc:
            return FileOutcome(path, "failed", messages=[str(exc)])
        tally = Tally(site_of, self.bots)
        out = FileOutcome(path, "done", messages=[note] if note else [])
        finished = text is not raw  # a gzip file is complete: its last line counts without a newline
        try:
            self._read_lines(path, text, raw, state, tally, out, finished)
        finally:
            text.close()
            raw.close()
        if state.new_lines == 0 and match is not None:
            return FileOutcome(path, "unchanged", messages=[T.FILE_UNCHANGED.format(path=path, offset=match.offset)])
        out.lines, out.days = state.new_lines, len(tally.days)
        out.pv = sum(t.pv for t in tally.days.values())
        out.bot_hits = sum(t.bot_hits for t in tally.days.values())
        out.unattributed = tally.unattributed
        st = os.stat(path)
        try:
            self._store(path, st, head_sha, match, state, tally, out)
        except (_Conflict, IntegrityError):  # another ingest wrote this file meanwhile
            return FileOutcome(path, "failed", messages=[T.CONCURRENT.format(path=path)])
        return out

    def _store(self, path: Path, st: os.stat_result, head_sha: str, match: _Known | None, state: _Read,
               tally: Tally, out: FileOutcome) -> None:
        """One transaction: the days and the ledger row; _Conflict when the row moved since it was read
        (the unique (first line, head) identity stops two concurrent first ingests the same way)."""
        with transaction(self.sessions) as s:
            row = None
            if match is not None:
                row = s.get(TrafficIngestLedger, match.id, with_for_update=True, populate_existing=True)
                if row is None or row.offset != match.offset:
                    raise _Conflict
            merge_days(s, tally.days)
            if row is None:
                row = TrafficIngestLedger(first_line_sha256=head_sha, lines=0, bad_lines=0, unattributed=0)
                s.add(row)
            row.prefix_sha256, row.offset = state.hasher.hexdigest(), state.offset
            row.head_sha256 = state.head_sha256
            row.lines, row.bad_lines = state.lineno, row.bad_lines + out.bad_lines
            row.unattributed += tally.unattributed
            row.path, row.inode, row.size, row.site_code = str(path.resolve()), st.st_ino, st.st_size, self.site_code

    def _read_lines(self, path: Path, text: BinaryIO, raw: BinaryIO, state: _Read, tally: Tally,
                    out: FileOutcome, finished: bool) -> None:
        fmt, days, hasher = self.fmt, self.days, state.hasher
        samples: list[str] = []
        for line in iter(partial(text.readline, MAX_LINE), b""):
            if not line.endswith(b"\n") and not finished and len(line) < MAX_LINE:
                break  # being written: the next run reads it whole
            if not state.head_sha256 and state.offset + len(line) >= HEAD_BYTES:
                head = hasher.copy()
                head.update(line[:HEAD_BYTES - state.offset])
                state.head_sha256 = head.hexdigest()
            hasher.update(line)
            state.offset += len(line)
            state.lineno += 1
            state.new_lines += 1
            body = line.rstrip(b"\r\n")
            if body:
                parsed = parse_line(body, fmt, days)
                if isinstance(parsed, BadLine):
                    tally.add_bad()
                    out.bad_lines += 1
                    if len(samples) < BAD_SAMPLES:
                        samples.append(T.BAD_LINE.format(path=path, line=state.lineno,
                                                         reason=T.BAD_REASON[parsed.reason]))
                else:
                    tally.add(parsed)
            if self.progress is not None and state.new_lines % PROGRESS_EVERY == 0:
                self.progress(self.bytes_before + raw.tell(), self.lines_total + state.new_lines)
        self.lines_total += state.new_lines
        if not state.head_sha256:  # the file is shorter than HEAD_BYTES
            state.head_sha256 = hasher.hexdigest()
        if self.progress is not None:
            self.progress(self.bytes_before + _size(path), self.lines_total)
        out.messages.extend(samples)
        if out.bad_lines > len(samples):
            out.messages.append(T.BAD_MORE.format(path=path, n=out.bad_lines - len(samples)))


def _hash_into(text: BinaryIO, hasher: Any, n: int) -> int:
    """Read ``n`` bytes of ``text`` into ``hasher``; how many there were."""
    left = n
    while left > 0:
        chunk = text.read(min(_CHUNK, left))
        if not chunk:
            break
        hasher.update(chunk)
        left -= len(chunk)
    return n - left


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
