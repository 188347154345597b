"""A linked city's configuration kept current while it runs: one pull at start-up (the cache when the province
cannot be reached), then one every ``[federation] config_interval`` seconds on a background thread that
stops with the process that owns it (runtime/roles.py, the ``collect`` process)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from core.i18n import federation as T
from core.logging import get_logger
from federation.bundle_check import BundleError
from federation.config_pull import PullOutcome, pull_or_cache, start_from_cache

log = get_logger(__name__)


class ConfigSync:
    """``start()`` pulls once (blocking, so the collectors start on the pulled registry) and starts the
    thread; ``stop()`` ends it; ``alive`` is the thread's health. Nothing a round meets ends the thread: a
    failure is logged and the next round tries again."""

    def __init__(self, config: Config, sessions: sessionmaker[Session],
                 say: Callable[[str], None] = lambda _text: None) -> None:
        self.config, self.sessions, self.say = config, sessions, say
        self.interval = config.federation.config_interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="config-pull", daemon=True)
        self.last: PullOutcome | None = None

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def round(self, *, starting: bool = False) -> PullOutcome | None:
        """One pull (the cache when the province cannot be reached); None when it failed (logged)."""
        try:
            outcome = pull_or_cache(self.config, self.sessions)
        except BundleError as exc:
            self.say(T.PULL_FAILED.format(reason=exc))
            if not starting:
                return None
            try:  # at start-up, a refused bundle from the province still leaves the cache to start from
                outcome = start_from_cache(self.config, self.sessions, str(exc))
            except BundleError as again:
                self.say(T.PULL_FAILED.format(reason=again))
                return None
        except Exception:  # a database or disk failure: logged, and the next round tries again
            log.exception("federation.config_round_failed")
            return None
        self.last = outcome
        if starting or outcome.changed:
            self.say(outcome.text())
        return outcome

    def start(self) -> ConfigSync:
        self.round(starting=True)
        self._thread.start()
        self.say(T.STARTED.format(interval=self.interval))
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.round()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.config.federation.request_timeout + 5)
