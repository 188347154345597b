"""Host records: the machine this process runs on is registered as a ``local`` host of its node."""

from __future__ import annotations

import socket

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Host, HostRole, Node


class HostRegistryError(ValueError):
    """The local host cannot be registered as asked; the message says why, in Chinese."""


def ensure_local_host(session: Session, node_code: str, name: str | None = None) -> Host:
    """The ``local=True`` host record named ``name`` (default: this machine's hostname) of ``node_code``.

    Creates it when missing and returns the existing one otherwise (re-running changes nothing).
    Raises :class:`HostRegistryError` when the node does not exist, or a host of that name already
    exists as a remote host or under another node. Flushes; the caller commits.
    """
    host_name = (name or socket.gethostname()).strip()
    if not host_name:
        raise HostRegistryError("主机名称为空，无法登记本机")
    if session.get(Node, node_code) is None:
        raise HostRegistryError(f"行政区划代码 {node_code} 不存在，请先导入行政区划节点")
    host = session.scalars(select(Host).where(Host.name == host_name)).one_or_none()
    if host is not None:
        if not host.local:
            raise HostRegistryError(f"主机“{host_name}”已登记为远程主机（{host.address}），不能再登记为本机")
        if host.node_code != node_code:
            raise HostRegistryError(f"本机“{host_name}”已登记在节点 {host.node_code}，不是 {node_code}")
        return host
    host = Host(name=host_name, address="127.0.0.1", node_code=node_code, role=HostRole.OTHER, local=True,
                ssh_port=22, enabled=True)
    session.add(host)
    session.flush()
    return host
