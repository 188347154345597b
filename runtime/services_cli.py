"""``app.py services ...``: the platform services a node watches (docs/services.md).

- ``services add --name … --kind … --address … [--node …] [--credentials env:VAR|file:NAME] [--option k=v …]``:
  register a service; a credentials reference only, a literal password is refused;
- ``services list``: the registered services;
- ``services remove NAME`` / ``enable NAME`` / ``disable NAME``.

Changes are audited (actor ``cli``, from 本机命令行); a refusal writes nothing and exits 2 with the reason.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from collectors.services import check_address, check_ref, parse_options
from core.cli import CliError
from core.config import Config
from core.i18n.cli import COMMAND_HELP
from core.i18n.services import KIND_LABELS, T
from db.models import Node
from db.models_services import SERVICE_KINDS, Service
from db.session import transaction
from security import audit

CLI_ACTOR = "cli"
CLI_ORIGIN = "本机命令行"


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``services`` and its operations on the top-level parser."""
    p = sub.add_parser("services", help=COMMAND_HELP["services"])
    ssub = p.add_subparsers(dest="services_cmd", required=True, metavar="操作")
    a = ssub.add_parser("add", help="登记一项平台服务（凭据只登记引用，不入库）")
    a.add_argument("--name", required=True, metavar="名称", help="服务名称（唯一）")
    a.add_argument("--kind", required=True, metavar="类型", help=f"服务类型：{'、'.join(SERVICE_KINDS)}")
    a.add_argument("--address", required=True, metavar="地址",
                   help="主机:端口（postgresql、mysql、redis、tcp），或网址（http；nginx 为 stub_status 的网址）")
    a.add_argument("--node", default=None, metavar="区划", help="所属节点的行政区划代码（默认本节点）")
    a.add_argument("--credentials", default=None, metavar="凭据引用",
                   help="env:环境变量名 或 file:文件名（位于 [collectors] secrets_dir）；不接受明文密码")
    a.add_argument("--option", action="append", default=[], metavar="键=值", help="类型专属选项，可重复")
    a.add_argument("--disabled", action="store_true", help="登记但暂不采集")
    ssub.add_parser("list", help="列出已登记的平台服务")
    for op, text in (("remove", "删除一项平台服务"), ("enable", "启用一项平台服务"), ("disable", "停用一项平台服务")):
        o = ssub.add_parser(op, help=text)
        o.add_argument("name", metavar="名称", help="已登记的服务名称")


def run(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import prepare_database

    cmd = args.services_cmd
    if cmd == "add":  # the arguments are checked before the database is touched
        service = checked_service(args.name, args.kind, args.address, args.credentials, args.option)
        return add_service(prepare_database(config), service, args.node or config.node.code,
                           enabled=not args.disabled)
    sessions = prepare_database(config)
    if cmd == "list":
        return list_services(sessions)
    if cmd == "remove":
        return remove_service(sessions, args.name)
    return set_enabled(sessions, args.name, cmd == "enable")


def checked_service(name: str, kind: str, address: str, credentials: str | None,
                    options: list[str]) -> Service:
    """An unsaved :class:`Service` from command-line texts; :class:`CliError` naming the bad argument."""
    name, kind, address = name.strip(), kind.strip(), address.strip()
    if not name or len(name) > 128 or any(ch.isspace() for ch in name):
        raise CliError(f"--name：不能为空、含空白字符或超过 128 个字符（“{name}”）")
    if kind not in SERVICE_KINDS:
        raise CliError("--kind：" + T["kind_unknown"].format(kind=kind, kinds="、".join(SERVICE_KINDS)))
    try:
        check_address(kind, address)
    except ValueError as exc:
        raise CliError(f"--address：{exc}") from None
    ref = (credentials or "").strip() or None
    if ref is not None:
        try:
            check_ref(ref)
        except ValueError as exc:
            raise CliError(f"--credentials：{exc}") from None
    try:
        parsed = parse_options(kind, options)
    except ValueError as exc:
        raise CliError(f"--option：{exc}") from None
    return Service(name=name, kind=kind, address=address, credentials_ref=ref, options=parsed)


def add_service(sessions: sessionmaker[Session], service: Service, node: str, *, enabled: bool = True,
                out: TextIO = sys.stdout) -> int:
    """Save ``service`` (from :func:`checked_service`) under ``node``; audited, all or nothing."""
    with transaction(sessions) as s:
        if s.get(Node, node) is None:
            raise CliError("--node：" + T["unknown_node"].format(node=node))
        if s.scalars(select(Service.id).where(Service.name == service.name)).first() is not None:
            raise CliError("--name：" + T["exists"].format(name=service.name))
        service.node_code, service.enabled = node, enabled
        s.add(service)
        s.flush()
        audit.record(s, CLI_ACTOR, "service.add", "service", service.name,
                     summary=T["add_summary"].format(name=service.name, kind=service.kind, address=service.address),
                     scope_code=node, remote_addr=CLI_ORIGIN,
                     detail={"kind": service.kind, "address": service.address,
                             "credentials_ref": service.credentials_ref, "options": service.options})
    print(T["added"].format(name=service.name, kind=KIND_LABELS[service.kind], address=service.address, node=node),
          file=out, flush=True)
    return 0


def list_services(sessions: sessionmaker[Session], out: TextIO = sys.stdout) -> int:
    with sessions() as s:
        rows = s.scalars(select(Service).order_by(Service.node_code, Service.kind, Service.name)).all()
        if not rows:
            print(T["list_empty"], file=out)
            return 0
        print(T["list_header"], file=out)
        for r in rows:
            state = T["state_enabled"] if r.enabled else T["state_disabled"]
            options = json.dumps(r.options or {}, ensure_ascii=False) if r.options else "-"
            print("\t".join([r.name, KIND_LABELS.get(r.kind, r.kind), r.address, r.node_code,
                             r.credentials_ref or "-", state, options]), file=out)
    return 0


def _get(s: Session, name: str) -> Service:
    service = s.scalars(select(Service).where(Service.name == name)).one_or_none()
    if service is None:
        raise CliError(T["unknown_service"].format(name=name))
    return service


def remove_service(sessions: sessionmaker[Session], name: str, out: TextIO = sys.stdout) -> int:
    with transaction(sessions) as s:
        service = _get(s, name)
        node = service.node_code
        s.delete(service)
        audit.record(s, CLI_ACTOR, "service.remove", "service", name, summary=T["remove_summary"].format(name=name),
                     scope_code=node, remote_addr=CLI_ORIGIN, detail={"kind": service.kind, "address": service.address})
    print(T["removed"].format(name=name), file=out, flush=True)
    return 0


def set_enabled(sessions: sessionmaker[Session], name: str, enabled: bool, out: TextIO = sys.stdout) -> int:
    with transaction(sessions) as s:
        service = _get(s, name)
        if service.enabled == enabled:
            state = T["state_enabled"] if enabled else T["state_disabled"]
            print(T["unchanged"].format(name=name, state=state), file=out, flush=True)
            return 0
        service.enabled = enabled
        audit.record(s, CLI_ACTOR, "service.enable" if enabled else "service.disable", "service", name,
                     summary=T["enable_summary" if enabled else "disable_summary"].format(name=name),
                     scope_code=service.node_code, remote_addr=CLI_ORIGIN)
    print(T["enabled" if enabled else "disabled"].format(name=name), file=out, flush=True)
    return 0
