"""Every command of ``app.py``: ``run`` bootstraps everything and supervises the processes, ``worker``
runs one of them, and the operators' commands (registry, collect, inspect, rules, notify, security …).

``app.py`` at the project root only calls :func:`main`; ``app.py --help`` lists the commands.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.cli import ChineseArgumentParser, CliError, guarded, leaf_parsers
from core.config import Config, load_config
from core.i18n.cli import COMMAND_HELP
from core.logging import get_logger, setup_logging

log = get_logger("app")
APP_PY = Path(__file__).resolve().parents[1] / "app.py"  # what the supervisor runs for each worker
SELFMETRICS_DIR = "var/selfmetrics"  # PROMETHEUS_MULTIPROC_DIR of a run's processes (emptied at each start)
VERBOSE_HELP = "在标准错误输出运行日志（默认只输出警告和错误）；出错时显示详细信息"


def _print(msg: str) -> None:
    print(msg, flush=True)


def cmd_migrate(config: Config, args: argparse.Namespace) -> int:
    from db.migrate import current, downgrade, upgrade

    url = config.database_url
    if args.downgrade:
        downgrade(url, args.downgrade)
    else:
        upgrade(url)
    _print(f"数据库结构版本：{current(url)}")
    return 0


def cmd_registry(config: Config, args: argparse.Namespace) -> int:
    from db.registry_io import (
        RegistryImportError,
        export_columns,
        export_sites,
        import_columns,
        import_sites,
    )
    from db.session import transaction
    from runtime.bootstrap import prepare_database

    sessions = prepare_database(config)
    if args.registry_cmd == "link":
        from db.registry_io import import_links

        try:
            with transaction(sessions) as s:
                link_report = import_links(s, Path(args.file), dry_run=args.dry_run)
        except RegistryImportError as exc:
            _print(str(exc))
            return 1
        _print(str(link_report))
        return 0
    if args.registry_cmd == "import":
        if not args.sites and not args.columns:
            raise CliError("请至少指定 --sites 或 --columns 文件")
        try:
            for path, fn, label in ((args.sites, import_sites, "网站"), (args.columns, import_columns, "栏目")):
                if path is None:
                    continue
                with transaction(sessions) as s:
                    report = fn(s, Path(path), dry_run=args.dry_run)
                _print(f"{label}：{report}{'（试运行，未写入）' if args.dry_run else ''}")
        except RegistryImportError as exc:
            _print(str(exc))
            return 1
        return 0
    if not args.sites and not args.columns:
        raise CliError("请至少指定 --sites 或 --columns 导出文件")
    for target in (args.sites, args.columns):
        if target:
            _check_output_file(Path(target))
    from db.tabular import TableFileError

    with sessions() as s:
        try:
            if args.sites:
                _print(f"已导出 {export_sites(s, Path(args.sites))} 个网站到 {args.sites}")
            if args.columns:
                _print(f"已导出 {export_columns(s, Path(args.columns))} 个栏目到 {args.columns}")
        except TableFileError as exc:  # a value an .xlsx cannot hold: nothing was written to that file
            raise CliError(f"导出失败：{exc}") from None
    return 0


def _check_output_file(path: Path) -> None:
    """Refuse, in Chinese, an export target that cannot be written: unknown format, no such folder."""
    from db.tabular import TableFileError, table_format

    try:
        table_format(path)
    except TableFileError as exc:
        raise CliError(f"导出文件 {path}：{exc}") from None
    if path.is_dir():
        raise CliError(f"导出文件 {path}：这是一个目录，请给出文件名")
    if not path.parent.is_dir():
        raise CliError(f"导出文件 {path}：所在目录 {path.parent} 不存在")


def cmd_collect(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import (
        build_scheduler,
        build_schedulers,
        open_metric_store,
        prepare_database,
        register_local_host,
    )

    names = _collector_names(args.collectors)
    sessions = prepare_database(config)
    register_local_host(config, sessions)
    store = open_metric_store(config)
    if args.once:
        try:
            asyncio.run(_collect_once_with_progress(build_scheduler(config, sessions, store, names)))
            return 0
        finally:
            store.close()
    schedulers = build_schedulers(config, sessions, store, names)
    try:
        from core.services import CollectorService, MaintenanceService, stop_all

        services: list[MaintenanceService | CollectorService] = [
            MaintenanceService(store),
            *(CollectorService(sch, name=f"collectors-{part}") for part, sch in schedulers.items())]
        for svc in services:
            svc.start()
        _wait_for_signal()
        stop_all(services)
        return 0
    finally:
        store.close()


async def _collect_once_with_progress(scheduler: Any) -> None:
    """One round of every collector, one line as each starts and one with its result (a round of the
    inspection collectors takes minutes)."""
    collectors = list(scheduler.collectors)
    try:
        for i, c in enumerate(collectors, 1):
            _print(f"[{i}/{len(collectors)}] {c.name} 运行中 …")
            r = await scheduler.run_once(c)
            _print(f"[{i}/{len(collectors)}] {r.collector}：成功 {r.ok}，失败 {r.failed}，超时 {r.timed_out}，"
                   f"数据点 {r.points}，耗时 {r.duration_s:.1f} 秒")
    finally:
        await scheduler.aclose()


def _collector_names(text: str | None) -> list[str] | None:
    """The ``--collectors`` list, every name checked against the registered collectors (Chinese refusal)."""
    if not text:
        return None
    from collectors.loader import load_kinds

    names = [n.strip() for n in text.split(",") if n.strip()]
    known = sorted(load_kinds())
    unknown = [n for n in names if n not in known]
    if len(set(names)) != len(names):
        raise CliError(f"--collectors：采集器重复列出：{text}")
    if unknown or not names:
        raise CliError(f"--collectors：未知的采集器 {'、'.join(unknown) or '（空）'}；可选：{'、'.join(known)}")
    return names


def _wait_for_signal(failed: threading.Event | None = None) -> bool:
    """Block until SIGINT/SIGTERM (False) or until ``failed`` is set (True)."""
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(0.5):
        if failed is not None and failed.is_set():
            return True
    return False


def cmd_demo_federation(config: Config, args: argparse.Namespace) -> int:
    """A province and two city nodes on this machine, each a whole ``app.py run`` (runtime/federation_demo.py)."""
    from runtime.federation_demo import run

    return run(config, APP_PY, _print, _wait_for_signal)


def cmd_demo_fleet(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import build_demo_fleet, start_demo_fleet

    if args.export:
        spec = build_demo_fleet(config)
        import json

        out = Path(args.export)
        out.mkdir(parents=True, exist_ok=True)
        spec.write_registry(out / "sites.csv", out / "columns.csv")
        (out / "ground-truth.json").write_text(json.dumps(spec.ground_truth(), ensure_ascii=False, indent=2),
                                               encoding="utf-8")
        _print(f"已导出演示集群登记表和故障清单到 {out}")
        return 0
    spec, handle, _ = start_demo_fleet(config)
    _print(f"演示网站集群已启动：{len(spec.sites)} 个网站，按 Ctrl-C 停止")
    try:
        _wait_for_signal()
    finally:
        handle.stop()
    return 0


def cmd_run(config: Config, args: argparse.Namespace) -> int:
    """Prepare the databases and the registry here, then run every part as a supervised process
    (runtime/supervisor.py): the demo fleet, the collectors, alerting and the web, each restarted if it
    dies or hangs; the run ends non-zero when one cannot be kept running."""
    from core.selfmetrics import MULTIPROC_ENV
    from runtime.bootstrap import (
        build_demo_fleet,
        load_demo_platform,
        load_registry,
        make_clock,
        prepare_database,
        register_local_host,
    )
    from runtime.supervisor import Supervisor

    _check_port_free(config.web.host, config.web.port)
    from runtime.roles import NODE_LABELS

    _print(f"节点角色：{NODE_LABELS[config.node.role]}（区划代码 {config.node.code}）")
    _print("[1/5] 准备数据库 …")
    sessions = prepare_database(config)
    clock = make_clock(config)  # one clock for every process of the run (its anchor goes to each worker)
    if config.demo.enabled and config.demo.time_scale > 1:
        _print(f"演示时钟加速 {config.demo.time_scale:g} 倍：现实 1 分钟相当于 {config.demo.time_scale:g} 分钟")
    spec = None
    env: dict[str, str] = {MULTIPROC_ENV: str(selfmetrics_dir(config))}  # every child's /metrics values
    # A city linked to the province takes its registry from the province (federation/config_pull.py), and
    # the demo fleet, when there is one, is the province's: the city neither builds nor serves it.
    linked_city = config.node.role == "city" and bool(config.node.province_url)
    if config.demo.enabled and not linked_city:
        spec = build_demo_fleet(config, clock.now())
        if not config.collectors.probe_ca_file and spec.ca_file:  # the probes trust the fleet's own CA
            env["GOVOPS_COLLECTORS__PROBE_CA_FILE"] = str(spec.ca_file)
    if linked_city:
        _print(f"[2/5] 网站登记表由省级节点下发（{config.node.province_url}），启动采集时拉取")
    else:
        _print("[2/5] 载入网站登记表 …" if spec is not None else "[2/5] 载入网站登记表（真实登记表）…")
        load_registry(config, sessions, spec)
    local_host = register_local_host(config, sessions)
    if spec is not None:
        load_demo_platform(config, sessions, spec, local_host)
    if spec is None:
        _print("[3/5] 演示网站集群由省级节点运行，跳过" if linked_city and config.demo.enabled
               else "[3/5] 演示网站集群已关闭，跳过")
    replayer = _uplink_replayer(config, clock)
    supervisor = Supervisor(_child_specs(config, args, clock, spec, env, replayer), say=_print)
    try:
        return _supervise(config, supervisor, sessions, clock)
    finally:
        supervisor.stop()  # also on Ctrl-C during start-up: no worker outlives the run
        if replayer is not None:
            replayer.close()


def selfmetrics_dir(config: Config) -> Path:
    """This run's prometheus_client multiprocess directory (core/selfmetrics.py), emptied: each ``app.py run``
    counts from zero, and no value of a process of an earlier run is merged into /metrics."""
    from core.selfmetrics import prepare_dir

    return prepare_dir(config.resolve_path(SELFMETRICS_DIR))


def _supervise(config: Config, supervisor: Any, sessions: Any, clock: Any) -> int:
    from runtime.supervisor import GiveUp

    try:
        supervisor.start()
    except GiveUp as exc:
        _print(f"指挥中心未能启动：{exc}")
        return 1
    url = f"http://{config.web.host}:{config.web.port}/"
    _print(f"指挥中心已启动：{url}  （按 Ctrl-C 停止）")
    accounts_note = None
    if config.demo.enabled:
        from datetime import UTC, datetime

        from core.i18n.security import S
        from runtime.security_cli import DEMO_TOKEN_FILE, demo_bootstrap

        # The wall token is kept beside the secret key and reused: walls survive restarts.
        token_file = config.resolve_path(config.security.secret_key_file).parent / DEMO_TOKEN_FILE
        token, admin = demo_bootstrap(sessions, datetime.now(UTC), token_file)
        _print(S.DEMO_WALL.format(url=f"{url}?kiosk={token}"))
        accounts_note = _seed_demo_accounts(config, sessions, admin, clock.now())
    if accounts_note:  # last, so start-up lines do not scroll it away
        _print(accounts_note)
    failed = _wait_for_signal(supervisor.failed)
    _print("正在停止 …")
    supervisor.stop()
    if failed:
        _print(f"指挥中心已停止：{supervisor.reason}")
        return 1
    return 0


def _uplink_replayer(config: Config, clock: Any) -> Any:
    """The city's replay hooks for its vmagent (runtime/uplink_replay.py), on the run's clock; None without
    an uplink."""
    from runtime.uplink import uplink_enabled
    from runtime.uplink_replay import UplinkReplayer
    from tsdb.factory import open_store

    if not uplink_enabled(config):
        return None
    return UplinkReplayer(config, lambda: open_store(config), _print, now=clock.now)


def _child_specs(config: Config, args: argparse.Namespace, clock: Any, spec: Any,
                 env: dict[str, str], replayer: Any = None) -> list[Any]:
    """The run's processes in start order, each an ``app.py worker ROLE`` sharing this run's clock."""
    from core.clock import ScaledClock
    from runtime.roles import LABELS, node_processes
    from runtime.supervisor import ChildSpec

    base = [sys.executable, str(APP_PY)]
    if args.config:
        base += ["--config", args.config]
    if getattr(args, "verbose", False):
        base += ["--verbose"]
    common = ["--parent", str(os.getpid())]
    if isinstance(clock, ScaledClock):
        origin, t0 = clock.anchor
        common += ["--clock-origin", origin.isoformat(), "--clock-t0", repr(t0)]
    if spec is not None:
        common += ["--fleet-as-of", spec.as_of.isoformat()]
    alerting = config.alerts.enabled
    roles = node_processes(config, demo=spec is not None)
    starting = {"fleet": "[3/5] 启动演示网站集群 …",
                "collect": "[4/5] 启动采集服务和告警服务 …" if alerting else "[4/5] 启动采集服务（告警已关闭）…",
                "web": "[5/5] 启动大屏服务 …"}
    ready = {"fleet": f"演示网站集群已启动：{len(spec.sites)} 个网站" if spec is not None else ""}
    out = []
    for role in roles:
        if role == "uplink":
            out.append(_uplink_spec(config, replayer))
            continue
        if role == "web":
            host = "127.0.0.1" if config.web.host in ("0.0.0.0", "", "::") else config.web.host
            health = f"http://{host}:{config.web.port}/healthz"
            argv = [*base, "worker", role, *common]
        else:
            port = _free_loopback_port()
            health = f"http://127.0.0.1:{port}/healthz"
            argv = [*base, "worker", role, "--health-port", str(port), *common]
        out.append(ChildSpec(role=role, label_zh=LABELS[role], argv=argv, health_url=health, env=env,
                             starting_zh=starting.get(role, ""), ready_zh=ready.get(role, "")))
    return out


def _uplink_spec(config: Config, replayer: Any = None) -> Any:
    """The city's vmagent as a supervised child (runtime/uplink.py); with ``replayer``
    (:class:`runtime.uplink_replay.UplinkReplayer`) each start replays and each passing check marks delivery."""
    from runtime.supervisor import ChildSpec
    from runtime.uplink import LABEL, health_url, remote_write_url, resolve_binary, vmagent_argv

    try:
        binary = resolve_binary(config)
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from None
    target = remote_write_url(config.node.upstream_url)
    return ChildSpec(role="uplink", label_zh=LABEL, argv=vmagent_argv(config, binary), health_url=health_url(config),
                     health_text="OK", ready_timeout_s=60.0, starting_zh=f"启动{LABEL}：上送到 {target} …",
                     parent_death_signal=signal.SIGTERM,
                     ready_zh=f"{LABEL}已就绪：本机入口 {config.uplink.listen}，"
                              f"省级不可达时缓存在 {config.resolve_path(config.uplink.buffer_dir)}",
                     on_ready=None if replayer is None else replayer.started,
                     on_healthy=None if replayer is None else replayer.observe)


def _free_loopback_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cmd_worker(config: Config, args: argparse.Namespace) -> int:
    """One process of ``app.py run`` (started by its supervisor, not by hand)."""
    from datetime import datetime

    from runtime.bootstrap import make_clock
    from runtime.roles import run_role

    def instant(option: str, text: str) -> datetime:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            raise CliError(f"{option}：应为带时区的 ISO 8601 时间，而不是 {text!r}")
        return value

    anchor = None
    if args.clock_origin or args.clock_t0:
        try:
            t0 = float(args.clock_t0 or "")
        except ValueError:
            raise CliError(f"--clock-t0：应为数字，而不是 {args.clock_t0!r}") from None
        anchor = (instant("--clock-origin", args.clock_origin or ""), t0)
    fleet_as_of = instant("--fleet-as-of", args.fleet_as_of) if args.fleet_as_of else None
    return run_role(config, args.role, health_port=args.health_port, clock=make_clock(config, anchor),
                    parent=args.parent, fleet_as_of=fleet_as_of, say=_print)


def _seed_demo_accounts(config: Config, sessions: Any, admin: tuple[str, str] | None, now: Any) -> str | None:
    """Demo on-call users and their rolling roster; the generated passwords (the demo admin's too) go to
    a 0600 file, never to the screen or the log. Returns the line naming that file (None: no file)."""
    from core.i18n.security import S
    from security.demo_seed import ROSTER_DAYS, seed_demo_accounts

    seeded = seed_demo_accounts(config, sessions, now, admin)  # the roster covers the screens' clock
    if seeded.created_users or seeded.added_shifts:
        _print(S.DEMO_ROSTER.format(users=seeded.created_users, shifts=seeded.added_shifts, days=ROSTER_DAYS))
    return S.DEMO_ACCOUNTS.format(path=seeded.file) if seeded.file else None


def _check_port_free(host: str, port: int) -> None:
    """Refuse to start (before anything runs) when the web address cannot be bound."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise CliError(f"web.host {host}：无法解析的地址") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            from core.cli import os_error_text

            raise CliError(f"无法在 {host}:{port} 上提供大屏服务：{os_error_text(exc)}"
                           "（可用 GOVOPS_WEB__PORT 或配置文件 [web] port 换一个端口）") from None




@dataclass(frozen=True)
class Plugin:
    """A module that brings its own commands: ``add_arguments(sub)`` registers them, ``run(config, args)`` runs
    them. Its commands' one-line help lives in ``COMMAND_HELP``, so listing them imports nothing."""

    module: str
    commands: tuple[str, ...]


PLUGINS = (Plugin("runtime.inspect_cli", ("inspect",)), Plugin("runtime.security_cli", ("users", "kiosk")),
           Plugin("runtime.hosts_cli", ("hosts",)), Plugin("runtime.services_cli", ("services",)),
           Plugin("runtime.media_cli", ("media",)), Plugin("runtime.api_cli", ("nodes",)),
           Plugin("runtime.federation_cli", ("federation",)), Plugin("runtime.walls_cli", ("walls",)),
           Plugin("runtime.score_cli", ("score",)), Plugin("runtime.traffic_cli", ("traffic",)),
           Plugin("runtime.verify_cli", ("verify",)), Plugin("runtime.annual_cli", ("annual",)),
           Plugin("alerts.notify_cli", ("notify",)))


def _plugin_runner(module: str) -> Callable[[Config, argparse.Namespace], int]:
    def run(config: Config, args: argparse.Namespace) -> int:
        return int(importlib.import_module(module).run(config, args))

    return run


def _add_plugin_commands(sub: argparse._SubParsersAction, only: str | None) -> None:
    """Each plugin's full parser when ``only`` is None or one of its commands; otherwise a bare entry with its
    help line. A command's module (and what it imports: SQLAlchemy, openpyxl, paramiko …) is loaded only when
    that command runs, so each invocation pays for one command, not for all of them."""
    for plugin in PLUGINS:
        if only is None or only in plugin.commands:
            importlib.import_module(plugin.module).add_arguments(sub)
        else:
            for name in plugin.commands:
                sub.add_parser(name, help=COMMAND_HELP[name], add_help=False)


def command_word(argv: Sequence[str]) -> str | None:
    """The command an argv runs (its first word that is neither an option nor ``--config``'s value)."""
    words = iter(argv)
    for word in words:
        if word == "--config":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command tree, in Chinese (core.cli.ChineseArgumentParser); ``--verbose`` is accepted before the
    command and after it. With ``only``, the other plugins' commands are listed but not built (see
    :func:`_add_plugin_commands`); without it, the whole tree."""
    p = ChineseArgumentParser(prog="app.py", description="湖南省政府网站集约化管理平台 · 运维指挥中心")
    p.add_argument("--config", metavar="文件", help="TOML 配置文件（默认读取 $GOVOPS_CONFIG；不指定则全部使用默认值）")
    p.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = p.add_subparsers(dest="cmd", required=True, metavar="命令")
    sub.add_parser("run", help="一键启动：迁移数据库、载入登记表、启动演示集群、采集器和大屏")
    c = sub.add_parser("collect", help="只运行采集器（不启动大屏）")
    c.add_argument("--once", action="store_true", help="每个采集器只运行一轮后退出")
    c.add_argument("--collectors", metavar="名称", help="逗号分隔的采集器名称，如 host,site_probe")
    m = sub.add_parser("migrate", help="把数据库结构升级到最新版本")
    m.add_argument("--downgrade", metavar="版本", help="降级到指定版本（base 表示全部回退）")
    r = sub.add_parser("registry", help="网站登记表导入导出（CSV / XLSX）")
    rsub = r.add_subparsers(dest="registry_cmd", required=True, metavar="操作")
    ri = rsub.add_parser("import", help="导入网站和栏目（逐行校验，任何一行有误则全部不导入）")
    ri.add_argument("--sites", metavar="文件", help="网站文件：site_code,name,url,level,node_code")
    ri.add_argument("--columns", metavar="文件", help="栏目文件：site_code,column_name,kind,url")
    ri.add_argument("--dry-run", action="store_true", help="只校验不写入")
    rl = rsub.add_parser("link", help="导入网站依赖的主机和服务（每行 site_code,kind,name；任何一行有误则全部不导入）")
    rl.add_argument("file", metavar="文件", help="依赖文件（.csv 或 .xlsx）：标识码、类型（host/service）、名称")
    rl.add_argument("--dry-run", action="store_true", help="只校验不写入")
    re_ = rsub.add_parser("export", help="导出网站和栏目")
    re_.add_argument("--sites", metavar="文件", help="导出网站到此文件（.csv 或 .xlsx）")
    re_.add_argument("--columns", metavar="文件", help="导出栏目到此文件（.csv 或 .xlsx）")
    sub.add_parser("demo-federation", help="联邦演示：在本机启动省级节点和两个市级节点（各自的数据库、告警和大屏）")
    d = sub.add_parser("demo-fleet", help="单独运行演示网站集群，或导出其登记表和故障清单")
    d.add_argument("--export", metavar="目录", help="导出 sites.csv、columns.csv 和 ground-truth.json 后退出")
    _add_plugin_commands(sub, only)
    w = sub.add_parser("worker", help=argparse.SUPPRESS)  # a process of `run`, started by its supervisor
    from runtime.roles import WORKERS

    w.add_argument("role", choices=WORKERS)
    w.add_argument("--parent", type=int, required=True)
    w.add_argument("--health-port", type=int)
    w.add_argument("--clock-origin")
    w.add_argument("--clock-t0")
    w.add_argument("--fleet-as-of")
    ru = sub.add_parser("rules", help="告警规则文件")
    rusub = ru.add_subparsers(dest="rules_cmd", required=True, metavar="操作")
    rc = rusub.add_parser("check", help="校验规则文件（不载入引擎）：有误时逐条输出 文件:行号: 原因")
    rc.add_argument("files", nargs="+", metavar="文件", help="规则文件（.yaml）或目录")
    for leaf in leaf_parsers(p).values():  # `app.py run -v` as well as `app.py -v run`
        if leaf is not p:
            leaf.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return p


def cmd_rules(config: Config, args: argparse.Namespace) -> int:
    from alerts.rules import RuleFileError, load_rule_files

    try:
        rs = load_rule_files(args.files)
    except RuleFileError as exc:
        for f, line, reason in exc.errors:
            print(f"{f}:{line}: {reason}", file=sys.stderr, flush=True)
        _print(f"规则校验失败：{len(exc.errors)} 处错误")
        return 1
    _print(f"规则校验通过：{len(rs.files)} 个文件，{len(rs)} 条规则")
    return 0













COMMANDS = {"run": cmd_run, "collect": cmd_collect, "migrate": cmd_migrate, "registry": cmd_registry,
            "demo-fleet": cmd_demo_fleet, "demo-federation": cmd_demo_federation, "rules": cmd_rules,
            "worker": cmd_worker,
            **{name: _plugin_runner(plugin.module) for plugin in PLUGINS for name in plugin.commands}}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status. A user error (bad input, a missing file, an unreachable database)
    ends in one Chinese line on stderr and status 2, never a traceback (that only with ``--verbose``)."""
    words = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(only=command_word(words) or "").parse_args(words)

    def body() -> int:
        config = load_config(args.config)
        setup_logging(config.logging.level, config.logging.format, quiet=not args.verbose)
        return COMMANDS[args.cmd](config, args)

    return guarded(body, verbose=args.verbose)
