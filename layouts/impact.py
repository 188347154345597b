"""Dependency facts, built from plain values (no queries): the sites a host serves, what serves a site, the
sites a host or service fault affects — each a fact cell whose names link across (site → host → back)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from dash import dcc, html

from core.i18n.screens_infra import TIMP
from layouts.hosts import host_href

MAX_LISTED = 4  # names a fact lists before "等 N 个"


def site_href(code: str) -> str:
    return f"/site/{quote(code, safe='')}"


def _fact(label: str, value: Any, cls: str) -> html.Div:
    return html.Div([html.Div(label, className="fact-label"), html.Div(value, className=f"fact-value {cls}")],
                    className="fact")


def _listed(items: list[Any], total: int) -> list[Any]:
    out: list[Any] = []
    for i, item in enumerate(items[:MAX_LISTED]):
        out += ([TIMP.SEP] if i else []) + [item]
    if total > MAX_LISTED:
        out.append(TIMP.MORE.format(n=total))
    return out


def served_sites_fact(sites: Sequence[tuple[str, str]]) -> html.Div:
    """承载网站 on a host page: the sites it serves, each a link to its site page; 未登记 when none is recorded."""
    if not sites:
        return _fact(TIMP.SERVES, TIMP.NONE_RECORDED, "muted impact-sites")
    links = [dcc.Link(name, href=site_href(code), className="impact-link") for code, name in sites]
    return _fact(TIMP.SERVES, _listed(links, len(sites)), "impact-sites")


def _target_items(targets: Mapping[str, Sequence[str]]) -> list[Any]:
    items: list[Any] = [dcc.Link(h, href=host_href(h), className="impact-link") for h in targets.get("host", ())]
    return items + [TIMP.SERVICE.format(name=s) for s in targets.get("service", ())]


def site_targets_fact(targets: Mapping[str, Sequence[str]]) -> html.Div:
    """依赖主机/服务 as a fact cell: the site's hosts (links to their host pages) and services (by name)."""
    items = _target_items(targets)
    if not items:
        return _fact(TIMP.DEPENDS, TIMP.NONE_RECORDED, "muted impact-targets")
    return _fact(TIMP.DEPENDS, _listed(items, len(items)), "impact-targets")


def site_targets_head(targets: Mapping[str, Sequence[str]]) -> html.Div:
    """The same in a site page's head line (its facts panel is full): 依赖主机/服务 web-01、服务 cms."""
    items = _target_items(targets)
    value = _listed(items, len(items)) if items else [TIMP.NONE_RECORDED]
    return html.Div([html.Span(TIMP.DEPENDS, className="impact-head-label"), *value],
                    className="impact-head" + ("" if items else " muted"), id="site-targets")


def affected_sites_fact(sites: Sequence[tuple[str, str]]) -> html.Div:
    """影响网站 in a host or service alert's detail: every affected site (the console has room), linked."""
    if not sites:
        return _fact(TIMP.AFFECTED, TIMP.AFFECTED_NONE, "muted impact-affected")
    links: list[Any] = []
    for i, (code, name) in enumerate(sites):
        links += ([TIMP.SEP] if i else []) + [dcc.Link(name, href=site_href(code), className="impact-link")]
    return _fact(TIMP.AFFECTED, [TIMP.COUNT.format(n=len(sites)), *links], "impact-affected")
