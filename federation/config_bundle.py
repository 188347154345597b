"""What the province sends a city node: its configuration bundle (docs/federation.md, "Configuration pulled
from the province").

A bundle is one JSON object::

    {"format": 1, "version": "<sha256 of the content>", "generated_at": "…Z", "node": "430100",
     "sites":   {"header": [...SITE_HEADER],   "rows": [[...], ...]},   # the registry's export rows
     "columns": {"header": [...COLUMN_HEADER], "rows": [[...], ...]},
     "rules": [{"name": "sites.yaml", "text": "…"}, ...],                  # every *.yaml of [alerts] rules_dir
     "receivers": "…" | null,                                            # the text of [alerts] receivers_file
     "roster": [{"scope_code", "tier", "username", "starts_at", "ends_at"}, ...],
     "services": [{"name", "kind", "address", "node_code", "credentials_ref", "options", "enabled"}, ...],
     "accounts": {"header": [...ACCOUNT_HEADER], "rows": [[...], ...]}}   # new-media accounts

Sites and columns travel in the registry's own export shape (``db.registry_io.SITE_HEADER``/``COLUMN_HEADER``),
so the city checks them with the very validation a registry import uses. Services (the platform services the
city node watches, db.models_services) travel as the registry rows: a ``credentials_ref`` names where the
city keeps the secret (``env:``/``file:``), never the secret itself. ``version`` hashes everything but
``version`` and ``generated_at``: the same configuration gives the same version, so a city can tell nothing
changed. New-media accounts travel in the account import's shape (``db.media_rows.ACCOUNT_FIELDS``), checked
with its validation; a credential travels as its reference, like a service's. Building reads only; nothing
here writes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts.receivers import MAX_FILE_BYTES as MAX_RECEIVERS_BYTES
from alerts.rules import MAX_FILE_BYTES as MAX_RULE_BYTES
from alerts.rules import expand_paths
from db.media_rows import ACCOUNT_HEADER
from db.models import Column, NewMediaAccount, Node, Site
from db.models_alerts import DutyShift
from db.models_services import Service
from db.registry_io import COLUMN_HEADER, SITE_HEADER

FORMAT = 1
PATH = "/api/v1/federation/config"  # where the province serves it (api/federation.py)
VOLATILE = ("version", "generated_at")  # what the version does not cover
ROSTER_KEYS = ("scope_code", "tier", "username", "starts_at", "ends_at")
SERVICE_KEYS = ("name", "kind", "address", "node_code", "credentials_ref", "options", "enabled")


def iso(value: datetime) -> str:
    """A UTC instant as the bundle writes it: ``2026-11-27T08:00:00Z``."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def content_version(bundle: dict[str, Any]) -> str:
    """The SHA-256 (hex) of ``bundle`` without its volatile keys, over canonical JSON."""
    content = {k: v for k, v in bundle.items() if k not in VOLATILE}
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def city_regions(session: Session, city: str) -> list[str]:
    """The node codes a city node is responsible for: the city and its counties, sorted."""
    return sorted(session.scalars(select(Node.code).where(or_(Node.code == city, Node.parent_code == city))))


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _sites(session: Session, regions: list[str]) -> list[list[str]]:
    sites = session.scalars(select(Site).where(Site.node_code.in_(regions)).order_by(Site.code))
    return [[s.code, s.name, s.url, s.level.value, s.node_code, s.organizer or "", _flag(s.enabled)] for s in sites]


def _columns(session: Session, regions: list[str]) -> list[list[str]]:
    rows = session.execute(select(Column, Site.code).join(Site).where(Site.node_code.in_(regions))
                           .order_by(Site.code, Column.name)).all()
    return [[code, c.name, c.kind.value, c.url, c.item_selector or "", c.date_selector or "", _flag(c.first_level)]
            for c, code in rows]


def _roster(session: Session, regions: list[str]) -> list[dict[str, Any]]:
    shifts = session.scalars(select(DutyShift).where(DutyShift.scope_code.in_(regions)).order_by(
        DutyShift.scope_code, DutyShift.tier, DutyShift.starts_at, DutyShift.username, DutyShift.id))
    return [{"scope_code": s.scope_code, "tier": s.tier, "username": s.username, "starts_at": iso(s.starts_at),
             "ends_at": iso(s.ends_at)} for s in shifts]


def _services(session: Session, regions: list[str]) -> list[dict[str, Any]]:
    """The platform services registered for the city's regions (never a mirror of another node's), by name."""
    rows = session.scalars(select(Service).where(Service.node_code.in_(regions), Service.origin_node.is_(None))
                           .order_by(Service.name))
    return [{"name": r.name, "kind": r.kind, "address": r.address, "node_code": r.node_code,
             "credentials_ref": r.credentials_ref, "options": dict(r.options or {}), "enabled": bool(r.enabled)}
            for r in rows]


def _accounts(session: Session, regions: list[str]) -> list[list[str]]:
    """The new-media accounts registered for the city's regions, in the account import's columns."""
    rows = session.execute(select(NewMediaAccount, Site.code).outerjoin(Site, NewMediaAccount.site_id == Site.id)
                           .where(NewMediaAccount.node_code.in_(regions))
                           .order_by(NewMediaAccount.platform, NewMediaAccount.account_id)).all()
    return [[a.platform.value, a.account_id, a.name, a.node_code, a.organizer or "", site or "", a.profile_url or "",
             a.credential_ref or "", _flag(a.enabled)] for a, site in rows]


def _rules(rules_dir: Path) -> list[dict[str, str]]:
    """Name and text of each ``*.yaml``/``*.yml`` in ``rules_dir`` (as the rule loader lists them; none when it
    is not a directory). A file past
    the rule loader's size limit is sent anyway: the city refuses the bundle naming it, as its own loader would."""
    if not rules_dir.is_dir():
        return []
    return [{"name": f.name, "text": f.read_bytes()[:MAX_RULE_BYTES + 1].decode("utf-8", "replace")}
            for f in expand_paths([rules_dir]) if f.is_file()]


def _receivers(path: Path) -> str | None:
    if not path.is_file():
        return None
    return path.read_bytes()[:MAX_RECEIVERS_BYTES + 1].decode("utf-8", "replace")


def build_bundle(session: Session, city: str, *, rules_dir: Path, receivers_file: Path,
                 now: datetime) -> dict[str, Any]:
    """The bundle for city node ``city`` (a city's code): its sites and their columns (the city's and its
    counties'), the rule files of ``rules_dir``, the text of ``receivers_file`` (null when absent), the
    duty shifts, the platform services and the new-media accounts of its regions. Raises OSError when a rule
    or receivers file exists but cannot be read."""
    regions = city_regions(session, city)
    bundle: dict[str, Any] = {
        "format": FORMAT,
        "node": city,
        "sites": {"header": list(SITE_HEADER), "rows": _sites(session, regions)},
        "columns": {"header": list(COLUMN_HEADER), "rows": _columns(session, regions)},
        "rules": _rules(rules_dir),
        "receivers": _receivers(receivers_file),
        "roster": _roster(session, regions),
        "services": _services(session, regions),
        "accounts": {"header": list(ACCOUNT_HEADER), "rows": _accounts(session, regions)},
    }
    return {"version": content_version(bundle), "generated_at": iso(now), **bundle}
