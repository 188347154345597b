"""GovOps Command Center — command-line entry point.

``python app.py run`` bootstraps everything and serves the wall screens;
``python app.py --help`` lists the other commands.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.config import Config, ConfigError, load_config
from core.logging import get_logger, setup_logging

log = get_logger("app")


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
    from core.bootstrap import prepare_database
    from db.registry_io import (
        RegistryImportError,
        export_columns,
        export_sites,
        import_columns,
        import_sites,
    )
    from db.session import transaction

    sessions = prepare_database(config)
    if args.registry_cmd == "import":
        if not args.sites and not args.columns:
            _print("请至少指定 --sites 或 --columns 文件")
            return 2
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
    with sessions() as s:
        if args.sites:
            _print(f"已导出 {export_sites(s, Path(args.sites))} 个网站到 {args.sites}")
        if args.columns:
            _print(f"已导出 {export_columns(s, Path(args.columns))} 个栏目到 {args.columns}")
    return 0


def cmd_collect(config: Config, args: argparse.Namespace) -> int:
    from core.bootstrap import build_scheduler, open_metric_store, prepare_database, register_local_host

    sessions = prepare_database(config)
    register_local_host(config, sessions)
    store = open_metric_store(config)
    names = args.collectors.split(",") if args.collectors else None
    scheduler = build_scheduler(config, sessions, store, names)
    try:
        if args.once:
            from core.bootstrap import collect_once

            for r in asyncio.run(collect_once(scheduler)):
                _print(f"{r.collector}: 成功 {r.ok}，失败 {r.failed}，超时 {r.timed_out}，"
                       f"数据点 {r.points}，耗时 {r.duration_s:.1f} 秒")
            return 0
        from core.services import CollectorService, MaintenanceService, stop_all

        services = [MaintenanceService(store), CollectorService(scheduler)]
        for svc in services:
            svc.start()
        _wait_for_signal()
        stop_all(services)
        return 0
    finally:
        store.close()


def _wait_for_signal() -> None:
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(1.0):
        pass


def cmd_demo_fleet(config: Config, args: argparse.Namespace) -> int:
    from core.bootstrap import build_demo_fleet, start_demo_fleet

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
    from waitress import create_server

    from core.bootstrap import (
        build_scheduler,
        load_registry,
        open_metric_store,
        prepare_database,
        register_local_host,
        start_demo_fleet,
    )
    from core.services import CollectorService, MaintenanceService, stop_all
    from dashboard.app import create_app

    _print("[1/5] 准备数据库 …")
    sessions = prepare_database(config)
    services: list[object] = []
    spec = None
    if config.demo.enabled:
        _print("[2/5] 启动演示网站集群 …")
        spec, handle, config = start_demo_fleet(config)
        services.append(handle)
        _print(f"演示网站集群已启动：{len(spec.sites)} 个网站")
    else:
        _print("[2/5] 使用真实网站登记表（演示集群已关闭）")
    _print("[3/5] 载入网站登记表 …")
    load_registry(config, sessions, spec)
    register_local_host(config, sessions)
    store = open_metric_store(config)
    try:
        _print("[4/5] 启动采集器 …")
        for svc in (MaintenanceService(store), CollectorService(build_scheduler(config, sessions, store, None))):
            svc.start()
            services.append(svc)
        from alerts.rule_dir import RuleDirectory

        rules = RuleDirectory(config.resolve_path(config.alerts.rules_dir))  # one truth for engine and /rules
        if config.alerts.enabled:
            services.append(_start_alerting(config, sessions, store, rules))
        _print("[5/5] 启动大屏服务 …")
        app = create_app(config, store=store, sessions=sessions, rules=rules)
        server = create_server(app.server, host=config.web.host, port=config.web.port, threads=8)
        url = f"http://{config.web.host}:{config.web.port}/"
        _print(f"指挥中心已启动：{url}  （按 Ctrl-C 停止）")
        if config.demo.enabled:
            from datetime import UTC, datetime

            from security.cli import demo_bootstrap
            from security.text import S

            token, admin = demo_bootstrap(sessions, datetime.now(UTC))
            _print(S.DEMO_WALL.format(url=f"{url}?kiosk={token}"))
            if admin:
                _print(S.DEMO_ADMIN.format(user=admin[0], password=admin[1]))
        web = threading.Thread(target=server.run, name="web", daemon=True)
        web.start()
        _wait_for_signal()
        _print("正在停止 …")
        server.close()
    finally:
        stop_all(services)
        store.close()
    return 0


def _start_alerting(config: Config, sessions: Any, store: Any, rules: Any) -> object:
    """Start rule evaluation and notifications; a missing part (no rules, no receivers) is reported, not fatal."""
    from alerts.service import AlertingBackgroundService, AlertService

    service = AlertService(config, sessions, store, rules=rules)
    for step, why in service.skipped.items():
        _print(f"告警：{'规则评估' if step == 'evaluate' else '通知发送'}未启用（{why}）")
    bg = AlertingBackgroundService(service, config.alerts.eval_interval)
    bg.start()
    _print(f"告警服务已启动：每 {config.alerts.eval_interval:g} 秒评估一次")
    return bg


def cmd_inspect(config: Config, args: argparse.Namespace) -> int:
    from inspection.cli import run_inspect

    return run_inspect(config, args)


def cmd_security(config: Config, args: argparse.Namespace) -> int:
    from security.cli import run

    return run(config, args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="app.py", description="湖南省政府网站集约化管理平台 · 运维指挥中心")
    p.add_argument("--config", help="TOML 配置文件（默认读取 $GOVOPS_CONFIG；不指定则全部使用默认值）")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="命令")
    sub.add_parser("run", help="一键启动：迁移数据库、载入登记表、启动演示集群、采集器和大屏")
    c = sub.add_parser("collect", help="只运行采集器（不启动大屏）")
    c.add_argument("--once", action="store_true", help="每个采集器只运行一轮后退出")
    c.add_argument("--collectors", help="逗号分隔的采集器名称，如 host,site_probe")
    m = sub.add_parser("migrate", help="把数据库结构升级到最新版本")
    m.add_argument("--downgrade", metavar="REV", help="降级到指定版本（base 表示全部回退）")
    r = sub.add_parser("registry", help="网站登记表导入导出（CSV / XLSX）")
    rsub = r.add_subparsers(dest="registry_cmd", required=True, metavar="操作")
    ri = rsub.add_parser("import", help="导入网站和栏目（逐行校验，任何一行有误则全部不导入）")
    ri.add_argument("--sites", help="网站文件：site_code,name,url,level,node_code")
    ri.add_argument("--columns", help="栏目文件：site_code,column_name,kind,url")
    ri.add_argument("--dry-run", action="store_true", help="只校验不写入")
    re_ = rsub.add_parser("export", help="导出网站和栏目")
    re_.add_argument("--sites", help="导出网站到此文件（.csv 或 .xlsx）")
    re_.add_argument("--columns", help="导出栏目到此文件（.csv 或 .xlsx）")
    d = sub.add_parser("demo-fleet", help="单独运行演示网站集群，或导出其登记表和故障清单")
    d.add_argument("--export", metavar="DIR", help="导出 sites.csv、columns.csv 和 ground-truth.json 后退出")
    from inspection.cli import add_arguments

    add_arguments(sub.add_parser("inspect", help="按国家检查指标检查网站，保存并输出发现的问题"))
    from security.cli import add_arguments as add_security_arguments

    add_security_arguments(sub)
    ru = sub.add_parser("rules", help="告警规则文件")
    rusub = ru.add_subparsers(dest="rules_cmd", required=True, metavar="操作")
    rc = rusub.add_parser("check", help="校验规则文件（不载入引擎）：有误时逐条输出 文件:行号: 原因")
    rc.add_argument("files", nargs="+", metavar="FILE", help="规则文件（.yaml）或目录")
    from alerts.notify_cli import add_arguments as add_notify_arguments

    add_notify_arguments(sub)
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


def cmd_notify(config: Config, args: argparse.Namespace) -> int:
    from alerts.notify_cli import run

    return run(config, args)


COMMANDS = {"run": cmd_run, "collect": cmd_collect, "migrate": cmd_migrate, "registry": cmd_registry,
            "demo-fleet": cmd_demo_fleet, "inspect": cmd_inspect,
            "rules": cmd_rules, "users": cmd_security, "kiosk": cmd_security,
            "notify": cmd_notify}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    setup_logging(config.logging.level, config.logging.format)
    return COMMANDS[args.cmd](config, args)


if __name__ == "__main__":
    sys.exit(main())
