"""Import and listing of the new-media account registry (CSV/XLSX, see docs/new-media.md).

Like the site registry (:mod:`db.registry_io`): every row is validated before anything is written; any
problem raises :class:`db.registry_io.RegistryImportError` with every row error, and the session is left
untouched. Rows are matched by (platform, account id); the report counts created / updated / unchanged.
Writes are flushed into the caller's session; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.logging import get_logger
from db.media_rows import AccountRow, parse_accounts
from db.models import NewMediaAccount, Node, Platform, Site
from db.models_media import NewMediaState
from db.registry_io import ImportReport, RegistryImportError, _read, _upsert

__all__ = ["AccountListing", "apply_account_rows", "import_accounts", "list_accounts"]

log = get_logger(__name__)


def _values(row: AccountRow, site_ids: dict[str, int]) -> dict[str, object]:
    values: dict[str, object] = {"name": row.name, "node_code": row.node_code}
    for field, attr in (("organizer", "organizer"), ("url", "profile_url"), ("credential", "credential_ref"),
                        ("enabled", "enabled")):
        if field in row.given:
            values[attr] = getattr(row, field)
    if "site_code" in row.given:
        values["site_id"] = site_ids.get(row.site_code) if row.site_code else None
    return values


def import_accounts(session: Session, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Import an accounts file (.csv/.xlsx). Raises :class:`RegistryImportError`; nothing written then."""
    node_levels = {code: level.value for code, level in session.execute(select(Node.code, Node.level))}
    site_ids = {code: id_ for code, id_ in session.execute(select(Site.code, Site.id))}
    rows, errors = parse_accounts(_read(path), node_levels, set(site_ids))
    if errors:
        raise RegistryImportError(errors, str(path))
    report = apply_account_rows(session, rows, dry_run=dry_run)
    log.info("media.import", report=str(report), dry_run=dry_run)
    return report


def apply_account_rows(session: Session, rows: list[AccountRow], *, dry_run: bool = False) -> ImportReport:
    """Upsert validated account rows by (platform, account id); their site codes must be registered."""
    site_ids = {code: id_ for code, id_ in session.execute(select(Site.code, Site.id))}
    existing = {(a.platform.value, a.account_id): a for a in session.scalars(select(NewMediaAccount))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        defaults = {"enabled": True} if "enabled" not in row.given else {}
        outcome = _upsert(session, existing.get((row.platform.value, row.account_id)), _values(row, site_ids),
                          {"platform": row.platform, "account_id": row.account_id, **defaults},
                          NewMediaAccount, dry_run)
        counts[outcome] += 1
    session.flush()
    return ImportReport(**counts, dry_run=dry_run)


@dataclass(frozen=True)
class AccountListing:
    """One registered account with its latest known activity (``state`` None: never collected)."""

    id: int
    platform: Platform
    account_id: str
    name: str
    node_code: str
    organizer: str | None
    enabled: bool
    profile_url: str | None
    has_credential: bool
    state: NewMediaState | None


def list_accounts(session: Session, node_codes: set[str] | None = None) -> list[AccountListing]:
    """Every registered account (of ``node_codes`` when given), by platform then account id, with its state.
    The states are detached copies, safe after the session closes."""
    q = select(NewMediaAccount, NewMediaState).outerjoin(NewMediaState, NewMediaState.account_id == NewMediaAccount.id)
    if node_codes is not None:
        q = q.where(NewMediaAccount.node_code.in_(node_codes))
    out = []
    for a, st in session.execute(q.order_by(NewMediaAccount.platform, NewMediaAccount.account_id)):
        if st is not None:
            session.expunge(st)
        out.append(AccountListing(a.id, a.platform, a.account_id, a.name, a.node_code, a.organizer, a.enabled,
                                  a.profile_url, bool(a.credential_ref), st))
    return out


def latest_collected(listings: list[AccountListing]) -> datetime | None:
    """The newest observation among ``listings``; None when none was ever collected."""
    times = [x.state.collected_at for x in listings if x.state is not None]
    return max(times) if times else None
