"""Reads of the site ↔ host/service dependencies for the screens (uncached: small indexed reads).

The host page lists the sites a host serves, the site page what serves the site, an open host or service
alert the sites its fault affects — each computed when shown (alerts/impact.py), from db/impact.py rows.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session, sessionmaker

from alerts.impact import affected_sites, fault_targets, served_by
from db.impact import dependencies


def host_sites(sessions: sessionmaker[Session], host: str) -> list[tuple[str, str]]:
    """(code, name) of the enabled sites ``host`` serves, by code."""
    with sessions() as s:
        rows = dependencies(s, kind="host", names=[host])
    return sorted({(r.site_code, r.site_name) for r in rows})


def site_targets(sessions: sessionmaker[Session], site_code: str) -> dict[str, list[str]]:
    """What serves one site: ``{"host": [...], "service": [...]}`` (kinds it has), names sorted."""
    with sessions() as s:
        return served_by(dependencies(s, site_code=site_code), site_code)


def alert_affected(session: Session, labels: Mapping[str, str]) -> list[tuple[str, str]] | None:
    """(code, name) of the sites an alert's host or service fault affects; None for an alert about neither."""
    targets = fault_targets(labels)
    if not targets:
        return None
    rows = [r for kind, name in targets for r in dependencies(session, kind=kind, names=[name])]
    codes = set(affected_sites(rows, targets))
    return sorted({(r.site_code, r.site_name) for r in rows if r.site_code in codes})
