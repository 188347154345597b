"""Which registered sites and hosts a node serves: all of them for the province (or one machine for
everything), its own city's (the city's and its counties') for a city node; and which sites its probe
reaches (its own plus, on a city, the provincial portal)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true

from core.config import NodeConfig
from db.models import Host, Node, Site, SiteLevel


def sites_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Site` selecting the sites ``node`` collects, inspects and alerts on."""
    if node.role != "city":
        return true()
    return Site.node_code.in_(select(Node.code).where(or_(Node.code == node.code, Node.parent_code == node.code)))


def sites_probed(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Site` selecting the sites ``node``'s homepage probe reaches: those it serves,
    and on a city node also the provincial portal, so the province sees the portal from every city
    (docs/federation.md, "Vantages"). Only the probe reads it: a city inspects and alerts on its own sites."""
    if node.role != "city":
        return true()
    return or_(sites_served(node), Site.level == SiteLevel.PROVINCIAL_PORTAL)


def hosts_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Host` selecting the hosts ``node`` collects (same regions as :func:`sites_served`)."""
    if node.role != "city":
        return true()
    return Host.node_code.in_(select(Node.code).where(or_(Node.code == node.code, Node.parent_code == node.code)))
