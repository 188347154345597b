"""The web application's composition: one Flask app, each part attached by its own ``init_app``.

Security comes first (login, kiosk sessions, CSRF, the access guard that refuses whatever no part
declared), then the wall screens and consoles. The open API, the federation endpoints and the
publishing back office attach here the same way, as blueprints on this one app.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from alerts.rule_dir import RuleDirectory
from api import init_app as init_api
from core.clock import Clock, SystemClock, ZonedClock, time_scale
from core.config import Config
from dashboard.app import init_app as init_screens
from security.web import init_security
from tsdb.store import MetricStore


def create_app(config: Config, *, store: MetricStore | None = None,
               sessions: sessionmaker[Session] | None = None, clock: Clock | None = None,
               rules: RuleDirectory | None = None) -> Flask:
    """The web application for ``config``.

    ``store`` and ``sessions`` default to the configured metric store and database (a worker passes the
    ones it already opened); ``clock`` to the system clock (tests pass a fixed one, the demo a compressed
    one); ``rules`` is the alerting service's rule directory, so /rules shows the set it evaluates.
    """
    if sessions is None:
        from db.session import make_engine, make_session_factory

        sessions = make_session_factory(make_engine(config.database_url, echo=config.database.echo))
    if store is None:
        from runtime.bootstrap import open_metric_store

        store = open_metric_store(config)
    clock = clock or SystemClock()
    server = Flask("dashboard.app")  # the Dash package's name: its templates and static folder
    server.config["GOVOPS_CONFIG"] = config
    # Login sessions, throttles and kiosk use live in real time even when the demo's clock is compressed.
    real = clock if time_scale(clock) == 1 else SystemClock()
    init_security(server, config, sessions, ZonedClock(real, config.web.tz))
    init_screens(server, config, store=store, sessions=sessions, clock=clock, rules=rules)
    init_api(server, config, store=store, sessions=sessions, clock=real)  # tokens' last use in real time
    return server
