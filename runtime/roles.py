"""What a node runs: its processes, and what each process of ``app.py run`` runs (``app.py worker ROLE``).

A node's role (``[node] role``) is a list of processes, started in order:

- ``all-in-one`` (one machine for everything, the default and the demo), ``province`` and ``city`` run the
  same processes; a ``city`` node collects, inspects and alerts on its own city's sites only
  (``db.scope.sites_served``), and with ``[node] upstream_url`` it also runs its uplink:

- ``uplink``: the city's ``vmagent`` (runtime/uplink.py), started before the collectors so their first
  points find it; it is a program of its own, not an ``app.py worker``, health-checked on its ``/health``.
- ``relay`` (联邦同步): on a city linked to the province node (``[node] province_url`` and ``token_file``),
  sends the city's outbox up and applies the province's commands (federation/relay.py); every process of
  such a city writes its relational changes to the outbox (federation/outbox.py, installed by ``_sessions``).

- ``fleet``: the demo's simulated sites (only with ``demo.enabled``);
- ``collect``: every collector (probes, hosts, inspection crawls) and store maintenance;
- ``alert``: rule evaluation and notifications;
- ``web``: the wall screens and consoles (waitress, ``poll()``-based).

A role returns its parts; :func:`run_role` starts them, answers ``/healthz`` (the web role through its
own server, the others on the supervisor's loopback port), and exits non-zero as soon as a part dies, so
the supervisor restarts the process instead of leaving a half-alive one. A worker whose supervisor is
gone (killed with -9) stops too: no orphan keeps writing.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.cli import CliError, os_error_text
from core.config import Config
from core.logging import get_logger

if TYPE_CHECKING:
    from federation.config_sync import ConfigSync

log = get_logger(__name__)

ROLES = ("fleet", "collect", "alert", "web")
NODE_PROCESSES: dict[str, tuple[str, ...]] = {
    "all-in-one": ROLES,
    "province": ROLES,
    "city": ("fleet", "uplink", "collect", "alert", "relay", "web"),
}
WORKERS = (*ROLES, "relay")  # what ``app.py worker`` runs
NODE_LABELS = {"all-in-one": "单机部署", "province": "省级节点", "city": "市级节点"}
LABELS = {"fleet": "演示网站集群", "uplink": "指标上送代理（vmagent）", "collect": "采集服务", "alert": "告警服务",
          "web": "大屏服务", "relay": "联邦同步"}
# The parts a role's health names (its threads), as the operator reads them.
PART_LABELS = {"fleet": "演示网站", "store-maintenance": "存储维护", "collectors-monitoring": "监测采集",
               "collectors-inspection": "巡检采集", "alerting": "规则评估与通知", "web": "网页服务",
               "config-pull": "配置拉取", "relay": "告警与检查结果上送、省级指令执行"}


def node_processes(config: Config, *, demo: bool) -> list[str]:
    """The processes ``app.py run`` starts for this node, in order: the demo fleet only with a demo, the
    alerting process only with ``alerts.enabled``, the uplink only on a city with ``[node] upstream_url``, the
    relay only on a city linked to the province node."""
    skip = {*(() if demo else ("fleet",)), *(() if config.alerts.enabled else ("alert",)),
            *(() if config.node.role == "city" and config.node.upstream_url else ("uplink",)),
            *(() if province_link(config) else ("relay",))}
    return [p for p in NODE_PROCESSES[config.node.role] if p not in skip]


@dataclass
class Parts:
    """A role's running parts: ``checks`` (name → alive) for its health, ``stop`` in reverse order."""

    checks: Callable[[], dict[str, bool]]
    stops: list[Callable[[], None]] = field(default_factory=list)


def raise_descriptor_limit() -> int:
    """Lift the soft open-files limit to the hard one (crawls and the fleet hold many sockets); the new
    soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            return target
        except (ValueError, OSError):
            return soft
    return soft


def _watch_parent(parent: int, done: threading.Event) -> None:
    """End this worker when the supervisor that started it is gone (re-parented to init or a subreaper)."""
    def watch() -> None:
        while not done.wait(1.0):
            if os.getppid() != parent:
                log.warning("worker.orphaned", parent=parent)
                done.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def province_link(config: Config) -> bool:
    """Whether this node is a city linked to the province node (``[node] province_url`` and ``token_file``):
    then its relational changes go through the outbox and its ``relay`` process runs."""
    return config.node.role == "city" and bool(config.node.province_url and config.node.token_file)


def _sessions(config: Config) -> Any:
    from db.session import make_engine, make_session_factory

    sessions = make_session_factory(make_engine(config.database_url, echo=config.database.echo))
    if province_link(config):  # every process of a linked city writes its changes to the outbox
        from federation.outbox import install

        install(sessions)
    return sessions


def _relay(config: Config, clock: Any, fleet_as_of: datetime | None, say: Callable[[str], None]) -> Parts:
    from core import selfmetrics
    from federation.client import ProvinceClient
    from federation.relay import Relay, RelayService

    try:
        client = ProvinceClient.from_config(config)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    fed = config.federation
    relay = Relay(_sessions(config), client, batch=fed.relay_batch, now=clock.now,
                  on_backlog=selfmetrics.outbox_backlog)
    service = RelayService(relay, interval=fed.relay_interval, retry_max=fed.retry_max_seconds)
    service.start()
    say(f"联邦同步已启动：每 {fed.relay_interval:g} 秒向省级节点 {config.node.province_url} 上送并拉取指令")
    return Parts(checks=lambda: {"relay": service.alive}, stops=[service.stop, client.close])


def _fleet(config: Config, clock: Any, fleet_as_of: datetime | None, say: Callable[[str], None]) -> Parts:
    from demo.server import FleetServer
    from runtime.bootstrap import build_demo_fleet

    spec = build_demo_fleet(config, fleet_as_of)
    handle = FleetServer(spec, time_scale=config.demo.time_scale).start_in_thread()
    handle.ready()
    return Parts(checks=lambda: {"fleet": handle.alive}, stops=[handle.stop])


def _collect(config: Config, clock: Any, fleet_as_of: datetime | None, say: Callable[[str], None]) -> Parts:
    from core.services import CollectorService, MaintenanceService
    from runtime.bootstrap import build_schedulers, open_metric_store

    sessions = _sessions(config)
    sync = _config_sync(config, sessions, say)  # first: the schedulers read the registry it pulls
    store = open_metric_store(config)
    services: list[Any] = [MaintenanceService(store, clock=clock)]
    schedulers = build_schedulers(config, sessions, store, None, clock=clock)
    services += [CollectorService(sch, name=f"collectors-{part}") for part, sch in schedulers.items()]
    for svc in services:
        svc.start()
    names = ["store-maintenance", *(f"collectors-{part}" for part in schedulers)]
    if sync is not None:
        services, names = [*services, sync], [*names, "config-pull"]
    return Parts(checks=lambda: {n: svc.alive for n, svc in zip(names, services, strict=True)},
                 stops=[store.close, *(svc.stop for svc in services)])


def _config_sync(config: Config, sessions: Any, say: Callable[[str], None]) -> ConfigSync | None:
    """A linked city's configuration pull (federation/config_sync.py), started: the first pull (or the cache)
    is applied before this returns, then one every ``[federation] config_interval``. None elsewhere."""
    from federation.config_pull import linked
    from federation.config_sync import ConfigSync

    return ConfigSync(config, sessions, say).start() if linked(config) else None


def _alert(config: Config, clock: Any, fleet_as_of: datetime | None, say: Callable[[str], None]) -> Parts:
    from alerts.rule_dir import RuleDirectory
    from alerts.service import AlertingBackgroundService, AlertService
    from core.clock import time_scale
    from federation.config_pull import with_pulled_alert_files
    from runtime.bootstrap import open_metric_store

    config = with_pulled_alert_files(config)  # a linked city alerts with the rules and receivers it pulled
    sessions = _sessions(config)
    store = open_metric_store(config)
    rules = RuleDirectory(config.resolve_path(config.alerts.rules_dir))
    service = AlertService(config, sessions, store, clock, rules=rules)
    for step, why in service.skipped.items():
        say(f"告警：{'规则评估' if step == 'evaluate' else '通知发送'}未启用（{why}）")
    bg = AlertingBackgroundService(service, config.alerts.eval_interval / time_scale(clock))
    bg.start()
    say(f"告警服务已启动：每 {config.alerts.eval_interval:g} 秒评估一次")
    return Parts(checks=lambda: {"alerting": bg.alive}, stops=[store.close, bg.stop])


def _web(config: Config, clock: Any, fleet_as_of: datetime | None, say: Callable[[str], None]) -> Parts:
    from waitress import create_server

    from alerts.rule_dir import RuleDirectory
    from federation.config_pull import with_pulled_alert_files
    from runtime.bootstrap import open_metric_store
    from runtime.webapp import create_app

    config = with_pulled_alert_files(config)  # the rules page shows what a linked city's alerting evaluates
    sessions = _sessions(config)
    store = open_metric_store(config)
    # The rules page reads the same directory the alerting process evaluates, through the same policy.
    rules = RuleDirectory(config.resolve_path(config.alerts.rules_dir))
    app = create_app(config, store=store, sessions=sessions, rules=rules, clock=clock)
    # poll(), not select(): select() fails for any descriptor above 1023 and would end the server's loop.
    server = create_server(app, host=config.web.host, port=config.web.port, threads=8,
                           asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    return Parts(checks=lambda: {"web": thread.is_alive()}, stops=[store.close, server.close])


BUILDERS: dict[str, Callable[[Config, Any, datetime | None, Callable[[str], None]], Parts]] = {
    "fleet": _fleet, "collect": _collect, "alert": _alert, "web": _web, "relay": _relay}


def run_role(config: Config, role: str, *, health_port: int | None, clock: Any, parent: int,
             fleet_as_of: datetime | None, say: Callable[[str], None]) -> int:
    """Run ``role`` until SIGINT/SIGTERM or the supervisor's death (0), or until one of its parts dies (1)."""
    from runtime.health import HealthServer

    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    _watch_parent(parent, done)
    limit = raise_descriptor_limit()
    built: list[Parts] = []  # the health port answers "not ready" (503) until the parts run
    health = None
    if role != "web" and health_port is not None:  # bound first: a busy port stops the worker before it acts
        try:
            health = HealthServer(role, health_port, lambda: built[0].checks() if built else {"starting": False})
        except OSError as exc:
            raise CliError(f"--health-port 127.0.0.1:{health_port}：{os_error_text(exc)}") from None
        health.start()
    parts = BUILDERS[role](config, clock, fleet_as_of, say)
    built.append(parts)
    log.info("worker.started", role=role, pid=os.getpid(), open_files_limit=limit)
    status = 0
    try:
        while not done.wait(1.0):
            dead = [name for name, ok in parts.checks().items() if not ok]
            if dead:  # a half-alive process is worse than a restart: exit and let the supervisor act
                log.error("worker.part_died", role=role, parts=dead)
                say(f"{LABELS[role]}：{'、'.join(PART_LABELS.get(d, d) for d in dead)}已停止运行，进程退出以便重启")
                status = 1
                break
    finally:
        if health is not None:
            health.close()
        for stop in reversed(parts.stops):
            try:
                stop()
            except Exception:
                log.exception("worker.stop_failed", role=role)
    return status
