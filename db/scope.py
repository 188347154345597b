"""Which registered sites and hosts a node serves: all of them for one machine for everything; a city node
its own city's (the city's and its counties'); a province node all but those of ``[node] federated_cities``,
which their own city nodes inspect, collect and alert on (docs/federation.md). And which sites its probe
reaches: what it serves, plus the provincial portal on a city, and every site on a province (each node is
one vantage, docs/federation.md "Vantages")."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, not_, or_, select, true

from core.config import NodeConfig
from db.models import Host, NewMediaAccount, Node, Site, SiteLevel
from db.models_services import Service


def _regions(cities: tuple[str, ...] | list[str]) -> Select[str]:
    """Division codes of ``cities`` and their counties (a subquery for ``in_``)."""
    return select(Node.code).where(or_(Node.code.in_(cities), Node.parent_code.in_(cities)))


def sites_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Site` selecting the sites ``node`` inspects and alerts on."""
    if node.role == "city":
        return Site.node_code.in_(_regions([node.code]))
    if node.role == "province" and node.federated_cities:
        return not_(Site.node_code.in_(_regions(node.federated_cities)))
    return true()


def sites_probed(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Site` selecting the sites ``node``'s homepage probe reaches: those it serves;
    on a city node also the provincial portal, so the province sees the portal from every city; on a
    province every site, a federated city's too (one vantage of several). Only the probe reads it."""
    if node.role == "city":
        return or_(sites_served(node), Site.level == SiteLevel.PROVINCIAL_PORTAL)
    return true()


def hosts_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Host` selecting the hosts ``node`` collects (same regions as :func:`sites_served`);
    never a host mirrored from a city node (``origin_node``): that city collects it."""
    own = Host.origin_node.is_(None)
    if node.role == "city":
        return and_(own, Host.node_code.in_(_regions([node.code])))
    if node.role == "province" and node.federated_cities:
        return and_(own, not_(Host.node_code.in_(_regions(node.federated_cities))))
    return own


def services_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`Service` selecting the platform services ``node`` collects (same regions as
    :func:`hosts_served`); never a service mirrored from a city node (``origin_node``)."""
    own = Service.origin_node.is_(None)
    if node.role == "city":
        return and_(own, Service.node_code.in_(_regions([node.code])))
    if node.role == "province" and node.federated_cities:
        return and_(own, not_(Service.node_code.in_(_regions(node.federated_cities))))
    return own


def accounts_served(node: NodeConfig) -> ColumnElement[bool]:
    """A where-clause on :class:`NewMediaAccount` selecting the accounts ``node`` collects and judges (same
    regions as :func:`sites_served`)."""
    if node.role == "city":
        return NewMediaAccount.node_code.in_(_regions([node.code]))
    if node.role == "province" and node.federated_cities:
        return not_(NewMediaAccount.node_code.in_(_regions(node.federated_cities)))
    return true()
