"""``python -m demo export --out DIR`` writes the registry CSVs and ground truth;
``python -m demo serve`` runs the fleet in the foreground until Ctrl-C; there ``kill -USR1 <pid>``
switches on every dormant activatable fault (defacement), once a checker has taken its baseline.

Operator messages are in Simplified Chinese; a bad config or fault file exits with status 2
and the error naming file, entry and key.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from core.config import ConfigError, load_config
from core.logging import setup_logging
from demo.faults import ACTIVATABLE_KINDS, FaultError
from demo.fleet import FleetError, FleetSpec, build_fleet


def export(spec: FleetSpec, out: Path) -> list[Path]:
    """Write sites.csv, columns.csv and ground-truth.json into ``out``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    sites, columns, truth = out / "sites.csv", out / "columns.csv", out / "ground-truth.json"
    spec.write_registry(sites, columns)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".ground-truth.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(spec.ground_truth(), fh, ensure_ascii=False, indent=2)
    os.chmod(tmp, 0o644)
    os.replace(tmp, truth)
    return [sites, columns, truth]


def _as_of(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"--as-of：无法解析的时间 {value!r}，示例：2026-11-27T10:00:00+08:00") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description="演示网站集群")
    parser.add_argument("--config", help="配置文件（TOML），默认读取 $GOVOPS_CONFIG")
    parser.add_argument("--as-of", help="集群时钟（ISO 8601），默认当前时间")
    sub = parser.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="导出 sites.csv、columns.csv 和 ground-truth.json")
    exp.add_argument("--out", required=True, help="输出目录")
    sub.add_parser("serve", help="在前台运行演示网站集群，按 Ctrl-C 停止")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        setup_logging(config.logging.level, config.logging.format)
        spec = build_fleet(config, _as_of(args.as_of))
    except (ConfigError, FaultError, FleetError) as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    faulted = len({f.site_code for f in spec.faults})
    if args.command == "export":
        paths = export(spec, Path(args.out))
        print(f"已导出 {len(spec.sites)} 个网站（{faulted} 个带故障）：" + "、".join(str(p) for p in paths))
        return 0
    from demo.server import FleetServer

    handle = FleetServer(spec).start_in_thread()
    try:
        handle.ready()
    except (RuntimeError, TimeoutError) as exc:
        handle.stop()
        print(f"启动失败：{exc}", file=sys.stderr)
        return 1
    print(f"演示网站集群已启动：{len(spec.sites)} 个网站，{len(handle.server.listeners)} 个监听地址，"
          f"{faulted} 个带故障；CA 证书 {spec.ca_file}。按 Ctrl-C 停止。")
    server = handle.server
    dormant = [f for f in spec.faults if f.kind in ACTIVATABLE_KINDS and not server.is_active(f.site_code, f.kind)]
    if dormant:
        print(f"{len(dormant)} 个故障（网页篡改）尚未激活：巡检建立基线后执行 kill -USR1 {os.getpid()} 激活。")
    done, activate = threading.Event(), threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    signal.signal(signal.SIGUSR1, lambda *_: activate.set())
    while not done.wait(1.0):
        if activate.is_set():
            activate.clear()
            for f in dormant:
                handle.activate(f.site_code, f.kind)
            print(f"已激活 {len(dormant)} 个故障：" + "、".join(f"{f.site_code}（{f.kind}）" for f in dormant))
    handle.stop()
    print("演示网站集群已停止。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
