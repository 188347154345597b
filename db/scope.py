"""Which registered sites a node serves: every site for the province (or one machine for everything), its
own city's sites (the city's and its counties') for a city node."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from core.config import NodeConfig
from db.models import Node, Site


def sites_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Site` selecting the sites ``node`` collects, inspects and alerts on."""
    if node.role != "city":
        return true()
    return Site.node_code.in_(select(Node.code).where(or_(Node.code == node.code, Node.parent_code == node.code)))
