"""One alerting cycle, engine → pipeline → dispatch, and the background service ``app.py run`` starts.

``AlertService.tick(now)`` evaluates the rules (``alerts.engine``), plans notifications
(``alerts.planner``) and sends what is due (``alerts.dispatch``). Each step commits on its own, so a
failing step leaves the others' work in place and the next tick resumes from the database. A step
whose file is missing or broken is skipped with the reason in the report; a module of ours that does
not import is a bug and stops start-up loudly (never skipped).
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from alerts.dispatch import Dispatcher
from alerts.engine import AlertEngine
from alerts.planner import PlanSettings, plan_notifications
from alerts.receivers import load_receivers
from alerts.rule_dir import RuleDirectory
from alerts.rules import RuleSet
from core import selfmetrics
from core.clock import Clock, SystemClock
from core.config import Config
from core.i18n import alerts as T
from core.logging import get_logger

log = get_logger(__name__)


@dataclass
class TickReport:
    evaluated: Any = None  # the engine's EvalReport
    planned: int = 0  # notification rows written (pending + suppressed)
    dispatched: Any = None  # the dispatcher's DispatchReport
    errors: dict[str, str] = field(default_factory=dict)  # step -> what went wrong
    skipped: dict[str, str] = field(default_factory=dict)  # step -> why it did not run (Chinese)
    rules_error: str = ""  # the rule files on disk were not taken; the rules in force still run (Chinese)


class AlertService:
    """Ties the engine, the planner and the dispatcher together; ``tick`` is one cycle at ``now``."""

    def __init__(self, config: Config, sessions: sessionmaker[Session], store: Any, clock: Clock | None = None,
                 *, settings: PlanSettings | None = None, rules: RuleDirectory | None = None) -> None:
        """``rules`` is the rule directory to follow; pass the one the web app reads so both show one truth."""
        self.config, self.sessions, self.store = config, sessions, store
        self.clock = clock or SystemClock()
        self.settings = settings or PlanSettings()
        self.skipped: dict[str, str] = {}
        self.rules_error = ""  # why the last change to the rule files was not taken (Chinese), or ""
        self.rules = rules or RuleDirectory(config.resolve_path(config.alerts.rules_dir))
        self._seen_generation = -1
        self.engine = self._build_engine()
        self.receivers = self._load_receivers()
        self.dispatcher = self._build_dispatcher()

    def _build_engine(self) -> AlertEngine:
        engine = AlertEngine(self.sessions, self.store, RuleSet(), self.clock, config=self.config)
        self.reload_rules(engine)
        return engine

    def reload_rules(self, engine: AlertEngine | None = None) -> bool:
        """Take the rule files again when any was added, removed or changed since the last look.

        Like Prometheus on SIGHUP, but polled once per tick (the policy is alerts.rule_dir's): a broken
        file or an emptied directory is reported in ``rules_error`` and the rules in force stay in force.
        Returns whether a new set is in force.
        """
        engine = engine or self.engine
        st = self.rules.refresh()
        if st.generation == self._seen_generation:
            return False
        self._seen_generation = st.generation
        if st.taken:
            engine.use(st.in_force)
            self.rules_error = ""
            self.skipped.pop("evaluate", None)
            return True
        kept = bool(st.in_force.rules)
        if not st.files:
            self.rules_error = T.SERVICE_SKIP["no_rules"].format(path=st.directory)
            log.warning("alerts.rules_missing", path=str(st.directory), kept=len(st.in_force.rules))
        else:
            self.rules_error = T.SERVICE_SKIP["rules_kept" if kept else "rules_rejected"].format(exc=st.error_text)
            log.warning("alerts.rules_rejected", error=st.error_text, kept=len(st.in_force.rules))
        if not kept:
            self.skipped["evaluate"] = self.rules_error
        return False

    def _load_receivers(self) -> Any:
        path = self.config.resolve_path(self.config.alerts.receivers_file)
        if not path.is_file():
            self.skipped["dispatch"] = T.SERVICE_SKIP["no_receivers"].format(path=path)
            return []
        return load_receivers(path)  # a broken receivers file stops start-up loudly

    def _build_dispatcher(self) -> Dispatcher | None:
        if "dispatch" in self.skipped:
            return None
        return Dispatcher(self.sessions, self.receivers, self.clock)

    def tick(self, now: datetime | None = None) -> TickReport:
        """One cycle; every step runs even when an earlier one failed (its error is in the report).

        The cycle runs in ``web.timezone`` (the instant is the same; storage stays UTC), so the times the
        texts name (``自 08:12 起``) are the ones people read on the walls.
        """
        now = (now or self.clock.now()).astimezone(self.config.web.tz)
        self.reload_rules()
        rep = TickReport(skipped=dict(self.skipped), rules_error=self.rules_error)
        if "evaluate" not in self.skipped:
            t0 = time.monotonic()
            try:
                rep.evaluated = self.engine.evaluate(now)
            except Exception as exc:
                log.exception("alerts.evaluate_failed")
                rep.errors["evaluate"] = f"{type(exc).__name__}: {exc}"
            selfmetrics.rule_evaluation(time.monotonic() - t0, failed="evaluate" in rep.errors)
        try:
            with self.sessions() as s:
                inhibit_rules = self.engine.ruleset.inhibit_rules
                rep.planned = len(plan_notifications(s, now, self.receivers, self.settings, inhibit_rules))
                s.commit()
        except Exception as exc:
            log.exception("alerts.plan_failed")
            rep.errors["plan"] = f"{type(exc).__name__}: {exc}"
        if self.dispatcher is not None:
            try:
                rep.dispatched = asyncio.run(self.dispatcher.send_due(now))
            except Exception as exc:
                log.exception("alerts.dispatch_failed")
                rep.errors["dispatch"] = f"{type(exc).__name__}: {exc}"
        return rep

    def drain(self) -> None:
        """Ask the dispatch step to start no new delivery (a graceful stop); the ones in flight finish."""
        if self.dispatcher is not None:
            self.dispatcher.drain()


class AlertingBackgroundService:
    """Runs ``AlertService.tick`` every ``every_s`` seconds in a thread; ``stop`` returns promptly."""

    def __init__(self, service: AlertService, every_s: float) -> None:
        self._service = service
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="alerting", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _main(self) -> None:
        while not self._stop.is_set():
            try:
                rep = self._service.tick()
                if rep.errors:
                    fields: dict[str, Any] = rep.errors  # EventLogger turns any keyword into a field
                    log.warning("alerts.tick_errors", **fields)
            except Exception:  # never take the process down
                log.exception("alerts.tick_crashed")
            if self._stop.wait(self._every):
                break

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._service.drain()  # a delivery cut off by the exit would be left with an unknown outcome
        self._thread.join(timeout)
