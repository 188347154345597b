"""Progress of an ``inspect`` run in sites done / total: a bar on a terminal, plain lines otherwise.

A site is done when all its checks have reported (:class:`SiteTracker`). On a terminal a tqdm bar on
stderr shows sites done / total, elapsed and remaining time and the site being checked; without one
(a pipe, a log file, cron) there is no bar and no ANSI: :class:`PlainProgress` writes a line when a
tenth of the sites is done or ``every_s`` seconds passed since the last line (``tick`` is called
every second, so a long wait still shows life), and one at the end. Time comes from ``clock``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TextIO

from core.i18n.inspection import CLI
from inspection.report import duration_text


class SiteTracker:
    """Counts (site, check) outcomes into sites done."""

    def __init__(self, codes: Iterable[str], checks_per_site: int) -> None:
        self.left = {c: checks_per_site for c in codes}
        self.done = 0

    @property
    def total(self) -> int:
        return len(self.left)

    def feed(self, site_code: str) -> bool:
        """Count one finished check of ``site_code``; True when that finished the site."""
        self.left[site_code] -= 1
        if self.left[site_code] == 0:
            self.done += 1
            return True
        return False


class Progress(Protocol):
    def advance(self, done: int, current: str) -> None: ...  # a site finished; ``current`` is being checked
    def show(self, current: str) -> None: ...  # a check finished on ``current``
    def tick(self) -> None: ...  # called about once a second
    def close(self) -> None: ...


class PlainProgress:
    """Plain lines on ``err``: at every tenth of the sites, after ``every_s`` seconds of silence, at the end."""

    def __init__(self, total: int, err: TextIO, *, every_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.err, self.every_s, self.clock = total, err, every_s, clock
        self.step = max(1, math.ceil(total / 10))
        self.start = self.last_t = clock()
        self.done = self.last_done = 0
        self.current = ""

    def _line(self) -> None:
        pct = self.done * 100 // self.total if self.total else 100
        print(CLI["progress_line"].format(done=self.done, total=self.total, pct=pct,
                                          elapsed=duration_text(self.clock() - self.start),
                                          current=CLI["progress_current"].format(site=self.current)
                                          if self.current and self.done < self.total else ""),
              file=self.err, flush=True)
        self.last_t, self.last_done = self.clock(), self.done

    def advance(self, done: int, current: str) -> None:
        self.done, self.current = done, current
        if done >= self.total or done - self.last_done >= self.step or self.clock() - self.last_t >= self.every_s:
            self._line()

    def show(self, current: str) -> None:
        self.current = current

    def tick(self) -> None:
        if self.done < self.total and self.clock() - self.last_t >= self.every_s:
            self._line()

    def close(self) -> None:
        if self.done < self.total and self.last_done != self.done:
            self._line()


class BarProgress:
    """A tqdm bar on a terminal: sites done / total, elapsed, remaining, the site being checked."""

    def __init__(self, total: int, err: TextIO) -> None:
        from tqdm import tqdm

        current = {"current": ""}

        class Bar(tqdm):
            @property
            def format_dict(self) -> dict[str, Any]:  # {current} in the bar format: the site last reported
                return {**super().format_dict, **current}

        self.current = current
        self.bar: Any = Bar(total=total, file=err, desc=CLI["progress"], unit=CLI["progress_unit"],
                            bar_format=CLI["progress_bar"], dynamic_ncols=True, leave=True)

    def advance(self, done: int, current: str) -> None:
        self.show(current)
        self.bar.update(done - self.bar.n)

    def show(self, current: str) -> None:
        self.current["current"] = CLI["progress_current"].format(site=current) if current else ""

    def tick(self) -> None:
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def progress_for(total: int, err: TextIO, **kw: Any) -> Progress:
    """A bar when ``err`` is a terminal, plain lines otherwise."""
    isatty = getattr(err, "isatty", None)
    return BarProgress(total, err) if callable(isatty) and isatty() else PlainProgress(total, err, **kw)
