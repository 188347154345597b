"""nginx access-log tailing and stub_status parsing for the ``service_nginx`` kind (pure but for reading files).

The log is read incrementally: each poll reads what was appended since the previous one, up to a bound, and
only whole lines. The first poll only notes where the log ends (history is not a rate). A rotated log (another
inode at the path, or a file shorter than where we were) is read from its start. A line that is not in the
common or combined format (traffic/parse.py, the parser the PV/UV ingestion shares) is counted as bad and
otherwise skipped. Latency comes from ``$request_time`` when the log format ends with it (nginx writes it with
millisecond resolution, ``0.004``, which no other combined field looks like).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from traffic.parse import loose_status

MAX_READ_BYTES = 16 * 1024 * 1024  # per poll; the rest is read by the next polls
_REQUEST_TIME = re.compile(r"\d+\.\d{3}")
_STUB = re.compile(r"Active connections:\s*(?P<active>\d+)\s*server accepts handled requests\s*"
                   r"(?P<accepts>\d+)\s+(?P<handled>\d+)\s+(?P<requests>\d+)\s*"
                   r"Reading:\s*(?P<reading>\d+)\s*Writing:\s*(?P<writing>\d+)\s*Waiting:\s*(?P<waiting>\d+)")


@dataclass(frozen=True)
class TailState:
    """Where the previous read of a log stopped: the file's inode and the offset after its last whole line."""

    inode: int
    offset: int


@dataclass
class LogStats:
    """Requests of one stretch of log: counts by status class (2–5), bad lines and request times (seconds)."""

    requests: int = 0
    classes: dict[int, int] = field(default_factory=lambda: {2: 0, 3: 0, 4: 0, 5: 0})
    bad_lines: int = 0
    request_times: list[float] = field(default_factory=list)

    def p95_ms(self) -> float | None:
        if not self.request_times:
            return None
        ordered = sorted(self.request_times)
        return round(1000.0 * ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)], 1)

    def avg_ms(self) -> float | None:
        if not self.request_times:
            return None
        return round(1000.0 * sum(self.request_times) / len(self.request_times), 1)


def read_appended(path: str, state: TailState | None,
                  max_bytes: int = MAX_READ_BYTES) -> tuple[list[bytes] | None, TailState]:
    """The whole lines appended to ``path`` since ``state`` and the new state; None (no lines to count) on the
    first read, which only notes where the log ends. OSError when the log cannot be read."""
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        if state is None:
            return None, TailState(st.st_ino, st.st_size)
        offset = state.offset if st.st_ino == state.inode and st.st_size >= state.offset else 0
        fh.seek(offset)
        data = fh.read(max_bytes)
    end = data.rfind(b"\n")
    if end < 0:
        return [], TailState(st.st_ino, offset)
    return data[:end].split(b"\n"), TailState(st.st_ino, offset + end + 1)


def parse_lines(lines: Iterable[bytes]) -> LogStats:
    """Count the requests of combined-format lines (pure); a line of another shape counts as bad."""
    stats = LogStats()
    for raw in lines:
        if not raw.strip():
            continue
        parsed = loose_status(raw.rstrip(b"\r"))
        if parsed is None:
            stats.bad_lines += 1
            continue
        status, rest = parsed
        stats.requests += 1
        if status // 100 in stats.classes:
            stats.classes[status // 100] += 1
        tokens = rest.decode("ascii", "replace").split()
        if tokens and _REQUEST_TIME.fullmatch(tokens[-1]):
            stats.request_times.append(float(tokens[-1]))
    return stats


def parse_stub_status(text: str) -> dict[str, int]:
    """The figures of an nginx ``stub_status`` page; ValueError when the text is not one."""
    m = _STUB.search(text)
    if m is None:
        raise ValueError(text[:80])
    return {k: int(v) for k, v in m.groupdict().items()}
