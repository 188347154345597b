"""Which registered sites and hosts a node serves: all of them for the province (or one machine for
everything), its own city's (the city's and its counties') for a city node."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select, true

from core.config import NodeConfig
from db.models import Host, Node, Site


def sites_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Site` selecting the sites ``node`` collects, inspects and alerts on."""
    if node.role != "city":
        return true()
    return Site.node_code.in_(select(Node.code).where(or_(Node.code == node.code, Node.parent_code == node.code)))


def hosts_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Host` selecting the hosts ``node`` collects (same regions as :func:`sites_served`);
    never a host mirrored from a city node (``origin_node``): that city collects it."""
    own = Host.origin_node.is_(None)
    if node.role != "city":
        return own
    return and_(own, Host.node_code.in_(select(Node.code).where(or_(Node.code == node.code,
                                                                    Node.parent_code == node.code))))
