"""Site dependencies in the database: read them, and replace a site's hosts or services as a whole.

Writes are flushed into the caller's session; the caller commits (all-or-nothing with the rest of an import).
What a fault affects is decided from these rows by the pure :mod:`alerts.impact`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Site
from db.models_impact import SiteDependency


class DependencyRow(NamedTuple):
    site_code: str
    site_name: str
    kind: str  # host / service
    name: str


def dependencies(session: Session, *, site_code: str | None = None, kind: str | None = None,
                 names: Sequence[str] | None = None) -> list[DependencyRow]:
    """Dependencies of enabled sites, optionally of one site or on some targets; by site code, kind, name."""
    q = (select(Site.code, Site.name, SiteDependency.target_kind, SiteDependency.target_name)
         .join(Site, Site.id == SiteDependency.site_id).where(Site.enabled.is_(True)))
    if site_code is not None:
        q = q.where(Site.code == site_code)
    if kind is not None:
        q = q.where(SiteDependency.target_kind == kind)
    if names is not None:
        q = q.where(SiteDependency.target_name.in_(list(names)))
    q = q.order_by(Site.code, SiteDependency.target_kind, SiteDependency.target_name)
    return [DependencyRow(*r) for r in session.execute(q).all()]


def current(session: Session, site_ids: Iterable[int]) -> dict[tuple[int, str], tuple[str, ...]]:
    """(site id, kind) → its target names, sorted, for the given sites."""
    ids = list(site_ids)
    out: dict[tuple[int, str], list[str]] = {}
    if not ids:
        return {}
    for sid, kind, name in session.execute(select(SiteDependency.site_id, SiteDependency.target_kind,
                                                  SiteDependency.target_name).where(SiteDependency.site_id.in_(ids))):
        out.setdefault((sid, kind), []).append(name)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def replace(session: Session, site_id: int, kind: str, names: Iterable[str]) -> None:
    """Make ``names`` exactly the site's dependencies of ``kind`` (flushed, not committed)."""
    session.execute(delete(SiteDependency).where(SiteDependency.site_id == site_id,
                                                 SiteDependency.target_kind == kind))
    session.add_all(SiteDependency(site_id=site_id, target_kind=kind, target_name=n) for n in dict.fromkeys(names))
    session.flush()
