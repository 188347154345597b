"""The REST reads (sites, hosts, alerts, open findings), each row judged by the token's scope with the same
judgement the screens use (security.scope.covers / can_see). Returns JSON-ready dicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from alerts.states import OPEN_STATES
from db.models import Host, Node, Site
from db.models_alerts import Alert
from inspection.findings import open_findings
from security.scope import Owner, can_see, city_prefilter, covers, node_of


def _site(s: Site) -> dict[str, Any]:
    return {"code": s.code, "name": s.name, "url": s.url, "level": s.level.value, "node_code": s.node_code,
            "city_code": s.node.city_code, "organizer": s.organizer, "enabled": s.enabled}


def sites(session: Session, scope: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The registered sites of ``scope`` by code: (at most ``limit`` rows, whether more exist)."""
    rows = session.scalars(select(Site).options(joinedload(Site.node)).order_by(Site.code)).all()
    seen = [_site(s) for s in rows if covers(scope, Owner(s.node.city_code, s.node_code))]
    return seen[:limit], len(seen) > limit


def site(session: Session, scope: str, code: str) -> dict[str, Any] | None:
    """One site by code, or None when there is none in ``scope`` (a missing and a foreign site look alike)."""
    s = session.scalar(select(Site).options(joinedload(Site.node)).where(Site.code == code))
    return _site(s) if s is not None and covers(scope, Owner(s.node.city_code, s.node_code)) else None


def hosts(session: Session, scope: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The registered hosts of ``scope`` by name (no SSH user or key path)."""
    rows = session.scalars(select(Host).order_by(Host.name)).all()
    nodes = {n.code: n for n in session.scalars(select(Node))}
    seen = [{"name": h.name, "address": h.address, "node_code": h.node_code,
             "city_code": nodes[h.node_code].city_code, "role": h.role.value, "local": h.local,
             "enabled": h.enabled}
            for h in rows if covers(scope, Owner(nodes[h.node_code].city_code, h.node_code))]
    return seen[:limit], len(seen) > limit


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def alerts(session: Session, scope: str, open_only: bool, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Alerts of ``scope``, newest first: the open ones, or all with ``open_only`` False."""
    q = select(Alert).order_by(Alert.started_at.desc(), Alert.id.desc())
    if open_only:
        q = q.where(Alert.state.in_(list(OPEN_STATES)))
    city = city_prefilter(scope)
    if city is not None:
        q = q.where(Alert.city_code == city)
    out: list[dict[str, Any]] = []
    for a in session.scalars(q.execution_options(yield_per=500)):  # judged row by row, read in batches
        if not can_see(scope, a.city_code, node_of(a.labels)):
            continue
        out.append({"id": a.id, "rule": a.rule, "severity": a.severity.value, "state": a.state.value,
                    "labels": dict(a.labels), "summary": a.summary, "value": a.value, "city_code": a.city_code,
                    "started_at": _iso(a.started_at), "fired_at": _iso(a.fired_at),
                    "acknowledged_at": _iso(a.acknowledged_at), "resolved_at": _iso(a.resolved_at)})
        if len(out) > limit:
            break
    return out[:limit], len(out) > limit


def findings(session: Session, scope: str, site_code: str | None, check: str | None,
             limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Open findings of ``scope``'s sites, worst first."""
    views = open_findings(session, [site_code] if site_code else None, [check] if check else None)
    seen = [{"id": v.id, "node_code": v.node_code, **v.as_dict()} for v in views
            if covers(scope, Owner(v.city_code, v.node_code))]
    return seen[:limit], len(seen) > limit
