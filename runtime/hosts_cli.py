"""``app.py hosts ...``: remote hosts collected over SSH (docs/ssh-hosts.md).

- ``hosts add NAME --address … --user … --key … [--port] [--role] [--node]``: register (or update) a remote
  host; the key is a reference (a path, or a file name under ``[collectors] ssh_key_dir``), never the key;
- ``hosts list``: the registered hosts and whether their host key is trusted;
- ``hosts trust NAME [--fingerprint SHA256:…] [--replace]``: trust on first use — fetch the host key the
  server presents, print its SHA256 fingerprint, write it to the project known_hosts file and record the
  decision in the audit log. A host whose trusted key differs is refused unless ``--replace`` is given.

Changes are audited (actor ``cli``, from 本机命令行); a refusal writes nothing and exits 2 with the reason.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

import paramiko
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from collectors.ssh_session import SSHFailure, fetch_host_key, fingerprint, known_hosts_name, load_known_hosts
from core.cli import CliError
from core.config import Config
from core.i18n.cli import COMMAND_HELP
from core.i18n.ssh import T
from db.models import Host, HostRole, Node
from db.session import transaction
from security import audit

CLI_ACTOR = "cli"
CLI_ORIGIN = "本机命令行"
ROLE_CHOICES = ", ".join(r.value for r in HostRole)


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``hosts`` and its operations on the top-level parser."""
    h = sub.add_parser("hosts", help=COMMAND_HELP["hosts"])
    hsub = h.add_subparsers(dest="hosts_cmd", required=True, metavar="操作")
    a = hsub.add_parser("add", help="登记或更新一台远程主机（私钥只登记路径，不入库）")
    a.add_argument("name", metavar="名称", help="主机名称（唯一）")
    a.add_argument("--address", required=True, metavar="地址", help="IP 地址或域名")
    a.add_argument("--port", type=int, default=22, metavar="端口", help="SSH 端口（默认 22）")
    a.add_argument("--user", required=True, metavar="用户", help="SSH 登录用户")
    a.add_argument("--key", required=True, metavar="私钥",
                   help="私钥文件：绝对路径，或 [collectors] ssh_key_dir 下的文件名")
    a.add_argument("--role", default="other", metavar="角色", help=f"主机角色：{ROLE_CHOICES}（默认 other）")
    a.add_argument("--node", default=None, metavar="区划", help="所属节点的行政区划代码（默认本节点）")
    a.add_argument("--disabled", action="store_true", help="登记但暂不采集")
    hsub.add_parser("list", help="列出已登记的主机及其主机密钥是否已信任")
    t = hsub.add_parser("trust", help="首次信任：获取主机密钥、显示 SHA256 指纹、登记到 known_hosts 并审计")
    t.add_argument("name", metavar="名称", help="已登记的主机名称")
    t.add_argument("--fingerprint", metavar="指纹", help="预期指纹（SHA256:…）；与主机提供的不符则拒绝")
    t.add_argument("--replace", action="store_true", help="替换已登记的不同主机密钥（如主机重装后）")


def run(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import prepare_database

    sessions = prepare_database(config)
    if args.hosts_cmd == "add":
        return add_host(sessions, config, args.name, address=args.address, port=args.port, user=args.user,
                        key=args.key, role=args.role, node=args.node or config.node.code,
                        enabled=not args.disabled)
    if args.hosts_cmd == "list":
        return list_hosts(sessions, config)
    return trust_host(sessions, config, args.name, expected=args.fingerprint, replace=args.replace)


def add_host(sessions: sessionmaker[Session], config: Config, name: str, *, address: str, port: int, user: str,
             key: str, role: str, node: str, enabled: bool = True, out: TextIO = sys.stdout) -> int:
    """Create or update remote host ``name``; audited. Raises :class:`CliError` naming the bad argument."""
    name, address, user, key = name.strip(), address.strip(), user.strip(), key.strip()
    for label, value in (("名称", name), ("--address", address), ("--user", user), ("--key", key)):
        if not value or (any(ch.isspace() for ch in value) and label != "--key"):
            raise CliError(f"{label}：不能为空或含空白字符（“{value}”）")
    if not 0 < port < 65536:
        raise CliError(f"--port：应为 1 到 65535 之间的端口，而不是 {port}")
    if role not in {r.value for r in HostRole}:
        raise CliError(f"--role：未知的主机角色“{role}”，应为 {ROLE_CHOICES}")
    if "BEGIN" in key and "PRIVATE KEY" in key:
        raise CliError("--key：应为私钥文件的路径或文件名，不是私钥内容（私钥不入库）")
    with transaction(sessions) as s:
        if s.get(Node, node) is None:
            raise CliError(f"--node：行政区划代码 {node} 未登记")
        host = s.scalars(select(Host).where(Host.name == name)).one_or_none()
        if host is not None and host.local:
            raise CliError(f"名称：主机“{name}”已登记为本机，不能改为远程主机")
        created = host is None
        if host is None:
            host = Host(name=name, local=False)
            s.add(host)
        host.address, host.ssh_port, host.ssh_user, host.ssh_key_path = address, port, user, key
        host.role, host.node_code, host.enabled = HostRole(role), node, enabled
        s.flush()
        audit.record(s, CLI_ACTOR, "host.add" if created else "host.update", "host", name,
                     summary=f"{'登记' if created else '更新'}远程主机“{name}”（{address}:{port}，用户 {user}）",
                     scope_code=node, remote_addr=CLI_ORIGIN,
                     detail={"address": address, "port": port, "user": user, "key_ref": key, "role": role})
    print(f"已{'登记' if created else '更新'}远程主机“{name}”（{address}:{port}）；首次采集前请运行 "
          f"app.py hosts trust {name}", file=out, flush=True)
    return 0


def list_hosts(sessions: sessionmaker[Session], config: Config, out: TextIO = sys.stdout) -> int:
    keys = load_known_hosts(Path(config.collectors.ssh_known_hosts))
    print(T["list_header"], file=out)
    with sessions() as s:
        for h in s.scalars(select(Host).order_by(Host.name)):
            trusted = (T["list_local"] if h.local else
                       T["list_trusted"] if keys.lookup(known_hosts_name(h.address, h.ssh_port)) else
                       T["list_untrusted"])
            print(f"{h.name}\t{h.address}\t{h.ssh_port}\t{h.ssh_user or '-'}\t{h.role}\t{h.node_code}\t{trusted}",
                  file=out)
    return 0


def _write_known_hosts(path: Path, keys: paramiko.HostKeys) -> None:
    """Replace ``path`` atomically (a reader never sees half a file); readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    keys.save(str(tmp))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def trust_host(sessions: sessionmaker[Session], config: Config, name: str, *, expected: str | None = None,
               replace: bool = False, out: TextIO = sys.stdout) -> int:
    """Trust on first use for registered host ``name``: 0 when written or already so; :class:`CliError` (2)
    when the host is unknown or local, unreachable, the fingerprint is not ``expected``, or another key is
    trusted for it and ``replace`` is False."""
    with sessions() as s:
        host = s.scalars(select(Host).where(Host.name == name)).one_or_none()
        if host is None:
            raise CliError(T["trust_unknown_host"].format(host=name))
        if host.local:
            raise CliError(T["trust_local_host"].format(host=name))
        address, port, node = host.address, host.ssh_port, host.node_code
    try:
        key = fetch_host_key(address, port, float(config.collectors.ssh_connect_timeout))
    except SSHFailure as exc:
        raise CliError(exc.reason) from None
    fp = fingerprint(key)
    print(T["trust_fetched"].format(host=name, where=f"{address}:{port}", key_type=key.get_name(), fingerprint=fp),
          file=out, flush=True)
    if expected is not None and expected.strip() != fp:
        raise CliError(T["trust_mismatch"].format(host=name, fingerprint=fp, expected=expected.strip()))
    path = Path(config.collectors.ssh_known_hosts)
    keys = load_known_hosts(path)
    entry = known_hosts_name(address, port)
    held = keys.lookup(entry)
    old = sorted(fingerprint(k) for k in (held or {}).values())
    if old == [fp]:
        print(T["trust_same"].format(host=name), file=out, flush=True)
        return 0
    if old and not replace:
        raise CliError(T["trust_conflict"].format(host=name, old="、".join(old)))
    if old:
        del keys[entry]
    keys.add(entry, key.get_name(), key)
    summary = (T["trust_replace_summary"].format(host=name, old="、".join(old), fingerprint=fp) if old
               else T["trust_summary"].format(host=name, fingerprint=fp))
    with transaction(sessions) as s:  # the audit entry commits only after the file is in place
        _write_known_hosts(path, keys)
        audit.record(s, CLI_ACTOR, "host.trust_replace" if old else "host.trust", "host", name, summary=summary,
                     scope_code=node, remote_addr=CLI_ORIGIN,
                     detail={"address": address, "port": port, "key_type": key.get_name(), "fingerprint": fp,
                             "replaced": old, "known_hosts": str(path)})
    print(T["trust_written"].format(path=path), file=out, flush=True)
    return 0
