"""Two nodes, two databases: a city (SQLite, its sessions capturing the outbox) and the province (the
``migrated_db`` backend: SQLite and PostgreSQL), the province's real app served on loopback, restartable on
one port; the city's relay talks to it over HTTP with a real node token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import AlertEngine
from alerts.rules import RuleSet, load_rule_files
from core.clock import FixedClock, to_ns
from core.config import Config, load_config
from db.migrate import upgrade
from db.models_alerts import Alert
from db.models_federation import AppliedCommand, OutboxEvent
from db.session import make_engine, make_session_factory
from federation.client import ProvinceClient
from federation.outbox import install
from federation.relay import Relay
from runtime.webapp import create_app
from security.api_tokens import create_token
from tests.inspection.support import seed_sites
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

CITY = "430100"
SITE = "4301020001"
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
M = timedelta(minutes=1)
TAGS = {"site": SITE, "node": "430102", "city": CITY, "level": "county_portal"}
RULES = """\
version: 1
groups:
  - name: test
    rules:
      - name: site_down
        kind: threshold
        severity: critical
        measurement: site_probe
        field: up
        agg: last
        window: 5m
        op: "=="
        value: 0
        for: 0m
        keep_firing_for: 0m
        group_by: [site, node, city]
        summary: "网站 {labels[site]} 无法访问"
"""


def province_config(tmp: Path) -> Config:
    base = load_config(env={"GOVOPS_METRICS__EMBEDDED__PATH": str(tmp / "province-metrics.db")})
    return replace(base, node=replace(base.node, role="province", code="430000", federated_cities=(CITY,)))


@dataclass
class Province:
    config: Config
    sessions: sessionmaker[Session]
    store: SQLiteMetricStore
    clock: FixedClock
    port: int = 0

    @contextmanager
    def serve(self) -> Iterator[str]:
        """The province's app on 127.0.0.1 (on the same port each time after the first)."""
        from waitress import create_server, wasyncore

        app = create_app(self.config, store=self.store, sessions=self.sessions, clock=self.clock)
        server = create_server(app, host="127.0.0.1", port=self.port, threads=4, asyncore_use_poll=True)
        self.port = server.effective_port  # type: ignore[union-attr]
        thread = threading.Thread(target=server.run, name="province-web", daemon=True)
        thread.start()
        try:
            yield self.url
        finally:
            server.task_dispatcher.shutdown()  # type: ignore[union-attr]
            wasyncore.close_all(server._map)  # type: ignore[union-attr]
            thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class City:
    sessions: sessionmaker[Session]
    store: SQLiteMetricStore
    rules: RuleSet
    clock: FixedClock

    def engine(self) -> AlertEngine:
        return AlertEngine(self.sessions, self.store, self.rules, self.clock)

    def probe(self, at: datetime, up: int) -> None:
        self.store.write([Point("site_probe", {"up": up}, to_ns(at - timedelta(seconds=10)), TAGS)])

    def evaluate(self, at: datetime, up: int) -> None:
        self.clock.current = at
        self.probe(at, up)
        self.engine().evaluate(at)

    def relay(self, province_url: str, token: str, batch: int = 500) -> Relay:
        return Relay(self.sessions, ProvinceClient(province_url, token, timeout=5), batch=batch, now=self.clock.now)


def make_city(tmp: Path, url: str | None = None) -> tuple[City, Any]:
    """The city on ``url`` (default: a SQLite file in ``tmp``), migrated and seeded; (city, its engine)."""
    url = url or f"sqlite:///{tmp / 'city.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = install(make_session_factory(engine))
    with sessions() as s:
        seed_sites(s, {SITE: "http://127.0.0.1:9/"})
        s.commit()
    rule_file = tmp / "rules.yaml"
    rule_file.write_text(RULES, encoding="utf-8")
    return City(sessions, SQLiteMetricStore(tmp / "city-metrics.db"), load_rule_files([rule_file]),
                FixedClock(T0)), engine


def make_province(tmp: Path, sessions: sessionmaker[Session]) -> tuple[Province, str]:
    """The province on ``sessions`` (seeded here) and a node token for the city."""
    with sessions() as s:
        seed_sites(s, {SITE: "http://127.0.0.1:9/"})
        _, token = create_token(s, CITY, actor="test", now=T0)
        s.commit()
    return Province(province_config(tmp), sessions, SQLiteMetricStore(tmp / "province-metrics.db"),
                    FixedClock(T0)), token


def rows(sessions: sessionmaker[Session], model: Any, *where: Any) -> list[Any]:
    with sessions() as s:
        key = model.command_id if model is AppliedCommand else model.id
        return list(s.scalars(select(model).where(*where).order_by(key)))


def aware(t: datetime | None) -> datetime | None:
    """``t`` as UTC (SQLite hands back naive datetimes; everything stored is UTC)."""
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def mirrored(province: Province) -> list[Alert]:
    """The city's alerts as the province holds them, by id."""
    return rows(province.sessions, Alert, Alert.origin_node == CITY)


def unsent(city: City) -> int:
    with city.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxEvent).where(OutboxEvent.sent_at.is_(None))) or 0)
