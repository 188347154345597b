"""Start-up steps shared by the CLI commands: database, registry, store, fleet.

Each step is idempotent, so ``make run`` can repeat them on every start.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from core.logging import get_logger
from db.session import make_engine, make_session_factory, transaction

log = get_logger(__name__)


@dataclass
class Runtime:
    """What the commands share once bootstrapped."""

    config: Config
    sessions: sessionmaker[Session]
    store: Any = None  # tsdb.store.MetricStore
    fleet: Any = None  # demo fleet handle when the demo fleet runs in-process

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


def prepare_database(config: Config) -> sessionmaker[Session]:
    """Migrate the relational database to the newest schema and seed the divisions. On a city linked to the
    province the sessions write their changes to the outbox (federation/outbox.py): the CLIs' host
    registrations and imports reach the province like the processes' changes."""
    from db.hunan import seed_nodes
    from db.migrate import migration_lock, upgrade
    from runtime.roles import province_link
    from walls.defaults import default_scopes, seed_defaults

    url = config.database_url
    with migration_lock(url):  # two commands started at once on a fresh database: one migrates and seeds
        upgrade(url)
        sessions = make_session_factory(make_engine(url, echo=config.database.echo))
        with transaction(sessions) as s:
            changed = seed_nodes(s)
            walls = seed_defaults(s, default_scopes(s, config.node.code), config.web.rotate_seconds,
                                  datetime.now(UTC))
    log.info("registry.nodes_seeded", changed=changed)
    if walls:
        log.info("walls.defaults_seeded", playlists=walls)
    if province_link(config):
        from federation.outbox import install

        install(sessions)
    return sessions


def demo_registry_dir(config: Config) -> Path:
    return config.resolve_path("var/demo")


def load_registry(config: Config, sessions: sessionmaker[Session], fleet_spec: Any = None) -> None:
    """Import sites and columns: the demo fleet's own registry, or the configured real one."""
    from db.registry_io import import_columns, import_sites

    columns_csv: Path | None  # the real registry may have no columns file
    if fleet_spec is not None:
        out = demo_registry_dir(config)
        out.mkdir(parents=True, exist_ok=True)
        sites_csv, columns_csv = out / "sites.csv", out / "columns.csv"
        fleet_spec.write_registry(sites_csv, columns_csv)
    else:
        sites_csv = config.resolve_path(config.registry.sites_file)
        columns_csv = config.resolve_path(config.registry.columns_file) if config.registry.columns_file else None
    with transaction(sessions) as s:
        report = import_sites(s, sites_csv)
    log.info("registry.sites_imported", file=str(sites_csv), report=str(report))
    if columns_csv is not None:
        with transaction(sessions) as s:
            report = import_columns(s, columns_csv)
        log.info("registry.columns_imported", file=str(columns_csv), report=str(report))
    if fleet_spec is not None:
        load_demo_media(config, sessions, fleet_spec.as_of)


def load_demo_media(config: Config, sessions: sessionmaker[Session], as_of: datetime,
                    out: Path | None = None) -> None:
    """The demo's new-media accounts and their statistics export as of ``as_of`` (demo/media.py), imported as
    an office would: ``media import`` then ``media stats``."""
    from db.media_io import import_accounts
    from db.scope import accounts_served
    from demo.media import write_media
    from newmedia.findings import reconcile_all
    from newmedia.settings import media_rules
    from newmedia.stats_import import import_stats

    out = out or demo_registry_dir(config)
    accounts_csv, stats_csv = out / "media-accounts.csv", out / "media-stats.csv"
    write_media(accounts_csv, stats_csv, as_of)
    with transaction(sessions) as s:
        accounts = import_accounts(s, accounts_csv)
        stats, _ = import_stats(s, stats_csv, as_of, config.web.tz)
        reconcile_all(s, as_of, media_rules(config), config.web.tz, accounts_served(config.node))
    log.info("registry.media_imported", accounts=str(accounts), stats=str(stats))


def register_local_host(config: Config, sessions: sessionmaker[Session]) -> str:
    """Register this machine as the node's local host; returns its name."""
    from db.hosts import ensure_local_host

    with transaction(sessions) as s:
        return ensure_local_host(s, config.node.code, config.node.host_name or None).name


def load_demo_platform(config: Config, sessions: sessionmaker[Session], fleet_spec: Any, local_host: str) -> None:
    """The demo's platform services (demo/platform.py), added or brought up to date, and which sites they and
    the local host serve, imported as a mapping file (``app.py registry link``)."""
    import csv

    from sqlalchemy import select

    from db.models_services import Service
    from db.registry_io import import_links
    from demo.platform import demo_links, demo_services

    out = demo_registry_dir(config)
    out.mkdir(parents=True, exist_ok=True)
    links_csv = out / "dependencies.csv"
    with links_csv.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(("site_code", "kind", "name"))
        w.writerows(demo_links(fleet_spec, local_host))
    with transaction(sessions) as s:
        known = {svc.name: svc for svc in s.scalars(select(Service))}
        for d in demo_services(fleet_spec):
            svc = known.get(d.name) or Service(name=d.name, node_code=config.node.code, enabled=True)
            svc.kind, svc.address, svc.options = d.kind, d.address, dict(d.options)
            s.add(svc)
        s.flush()
        report = import_links(s, links_csv)
    log.info("registry.demo_platform", services=len(demo_services(fleet_spec)), links=str(report))


def open_metric_store(config: Config) -> Any:
    from tsdb.factory import open_store

    return open_store(config)


def build_demo_fleet(config: Config, now: datetime | None = None) -> Any:
    from demo.fleet import build_fleet

    return build_fleet(config, now or datetime.now(UTC))


def start_demo_fleet(config: Config, now: datetime | None = None) -> tuple[Any, Any, Config]:
    """Build and start the demo fleet as of ``now``; returns (spec, handle, config trusting the fleet's CA)."""
    from demo.server import FleetServer

    spec = build_demo_fleet(config, now)
    scale = config.demo.time_scale if config.demo.enabled else 1.0
    handle = FleetServer(spec, time_scale=scale).start_in_thread()
    handle.ready()
    if not config.collectors.probe_ca_file and spec.ca_file:
        config = dataclasses.replace(config, collectors=dataclasses.replace(
            config.collectors, probe_ca_file=str(spec.ca_file)))
    return spec, handle, config


def make_clock(config: Config, anchor: tuple[datetime, float] | None = None) -> Any:
    """The process clock: real time, or the demo's compressed clock when ``demo.time_scale`` > 1 (from
    ``anchor``, another process's :attr:`ScaledClock.anchor`, so every process of a run reads one time)."""
    from core.clock import ScaledClock, SystemClock

    if config.demo.enabled and config.demo.time_scale > 1:
        origin, t0 = anchor if anchor is not None else (None, None)
        return ScaledClock(config.demo.time_scale, origin=origin, t0=t0)
    return SystemClock()


def build_scheduler(config: Config, sessions: sessionmaker[Session], store: Any,
                    names: Sequence[str] | None = None, clock: Any = None) -> Any:
    """The collector scheduler over the registered collectors (all, or those named), on ``clock``
    (default :func:`make_clock`)."""
    from collectors.base import CollectorContext
    from collectors.loader import build_collectors
    from collectors.scheduler import Scheduler

    clock = clock or make_clock(config)
    ctx = CollectorContext(config=config, sessions=sessions, clock=clock, store=store)
    c = config.collectors
    if names is None and not config.inspection.scheduled:
        from collectors.loader import load_kinds

        names = [n for n in load_kinds() if not n.startswith("inspection_")]
    return Scheduler(build_collectors(ctx, names), store, concurrency=c.concurrency,
                     blocking_threads=c.blocking_threads, jitter_fraction=c.jitter_fraction, node_code=config.node.code,
                     clock=clock)


def build_schedulers(config: Config, sessions: sessionmaker[Session], store: Any,
                     names: Sequence[str] | None = None, clock: Any = None) -> dict[str, Any]:
    """The collectors split over two schedulers, each for its own event-loop thread: ``monitoring``
    (probes, hosts: many short network waits) and ``inspection`` (crawls and page parsing, minutes of
    work; the scheduled scoring). A crawl parsing a page on its loop can then never hold back a probe's
    timing on the other. A part with no collector is left out."""
    from collectors.loader import load_kinds

    wanted = list(names) if names is not None else load_kinds()
    if names is None and not config.inspection.scheduled:
        wanted = [n for n in wanted if not n.startswith("inspection_")]

    def heavy(n: str) -> bool:  # minutes of work (crawls) or a whole period's scoring
        return n.startswith("inspection_") or n == "scoring"

    parts = {"monitoring": [n for n in wanted if not heavy(n)], "inspection": [n for n in wanted if heavy(n)]}
    clock = clock or make_clock(config)
    return {part: build_scheduler(config, sessions, store, kinds, clock=clock)
            for part, kinds in parts.items() if kinds}


async def collect_once(scheduler: Any) -> list[Any]:
    """One round of every collector (RunReports in order); the collectors' sessions are closed afterwards."""
    try:
        return [await scheduler.run_once(c) for c in scheduler.collectors]
    finally:
        await scheduler.aclose()
