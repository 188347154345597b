"""Import and export of the site and column registry as CSV or XLSX.

Files (header names in English or Chinese, see docs/registry.md):

- sites: ``site_code,name,url,level,node_code`` + optional ``organizer,enabled``
- columns: ``site_code,column_name,kind,url`` + optional ``item_selector,date_selector,first_level``

Every row is validated before anything is written; any problem raises :class:`RegistryImportError`
carrying every :class:`RowError` and the session is left untouched. Imports are idempotent: rows are
matched by site code (columns by site code + column name), changed values are updated, and the
:class:`ImportReport` counts created / updated / unchanged. Writes are flushed into the caller's
session; the caller commits (use ``db.session.transaction`` so a failure rolls everything back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import registry as T
from core.logging import get_logger
from db.models import Column, Node, Site
from db.registry_rows import ColumnRow, RowError, SiteRow, parse_columns, parse_sites
from db.tabular import Table, TableFileError, read_table, table_format, write_table

__all__ = ["ImportReport", "RegistryImportError", "RowError", "TableFileError", "apply_rows", "export_columns",
           "export_sites", "import_columns", "import_registry", "import_sites"]

log = get_logger(__name__)
SITE_HEADER = ("site_code", "name", "url", "level", "node_code", "organizer", "enabled")
COLUMN_HEADER = ("site_code", "column_name", "kind", "url", "item_selector", "date_selector", "first_level")


MAX_LISTED = 200  # errors the message lists; ``errors`` keeps them all


class RegistryImportError(ValueError):
    """An import file has bad rows; ``errors`` lists every one (the message the first
    :data:`MAX_LISTED`). Nothing was written."""

    def __init__(self, errors: Sequence[RowError], source: str = "") -> None:
        self.errors = list(errors)
        self.source = source
        head = T.IMPORT_FAILED.format(source=f"{source} " if source else "", count=len(self.errors))
        lines = [head, *(str(e) for e in self.errors[:MAX_LISTED])]
        if len(self.errors) > MAX_LISTED:
            lines.append(T.MORE_ERRORS.format(count=len(self.errors) - MAX_LISTED))
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    dry_run: bool = False

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        text = T.REPORT.format(created=self.created, updated=self.updated, unchanged=self.unchanged)
        return text + (T.REPORT_DRY_RUN if self.dry_run else "")


def _read(path: Path) -> Table:
    try:
        return read_table(path)
    except TableFileError as exc:
        raise RegistryImportError([RowError(1, path.name, str(exc))], str(path)) from None


def _node_levels(session: Session) -> dict[str, str]:
    return {code: level.value for code, level in session.execute(select(Node.code, Node.level))}


def _site_values(row: SiteRow) -> dict[str, object]:
    values: dict[str, object] = {"name": row.name, "url": row.url, "level": row.level, "node_code": row.node_code}
    if "organizer" in row.given:
        values["organizer"] = row.organizer
    if "enabled" in row.given:
        values["enabled"] = row.enabled
    return values


def _column_values(row: ColumnRow) -> dict[str, object]:
    values: dict[str, object] = {"kind": row.kind, "url": row.url}
    for optional in ("item_selector", "date_selector", "first_level"):
        if optional in row.given:
            values[optional] = getattr(row, optional)
    return values


def _upsert(session: Session, existing: object | None, values: dict[str, object], create: dict[str, object],
            model: type, dry_run: bool) -> str:
    """'created', 'updated' or 'unchanged'; writes only when not a dry run."""
    if existing is None:
        if not dry_run:
            session.add(model(**create, **values))
        return "created"
    changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
    if not changed:
        return "unchanged"
    if not dry_run:
        for k, v in changed.items():
            setattr(existing, k, v)
    return "updated"


def _apply_sites(session: Session, rows: list[SiteRow], dry_run: bool) -> ImportReport:
    existing = {s.code: s for s in session.scalars(select(Site))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        defaults = {"enabled": True} if "enabled" not in row.given else {}
        outcome = _upsert(session, existing.get(row.code), _site_values(row), {"code": row.code, **defaults},
                          Site, dry_run)
        counts[outcome] += 1
    session.flush()
    return ImportReport(**counts, dry_run=dry_run)


def _apply_columns(session: Session, rows: list[ColumnRow], dry_run: bool) -> ImportReport:
    site_ids = {code: id_ for code, id_ in session.execute(select(Site.code, Site.id))}
    existing = {(code, c.name): c for c, code in session.execute(select(Column, Site.code).join(Site))}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        # In a dry run a column of a site from the same import has no site id yet; it would be created.
        site_id = site_ids.get(row.site_code)
        defaults = {"first_level": True} if "first_level" not in row.given else {}
        outcome = _upsert(session, existing.get((row.site_code, row.name)), _column_values(row),
                          {"site_id": site_id, "name": row.name, **defaults}, Column, dry_run)
        counts[outcome] += 1
    session.flush()
    return ImportReport(**counts, dry_run=dry_run)


def import_registry(session: Session, *, sites: Path | None = None, columns: Path | None = None,
                    dry_run: bool = False) -> tuple[ImportReport | None, ImportReport | None]:
    """Import a sites file and/or a columns file as one unit; columns may name sites from the sites file.

    Both files are validated before either is written. Returns (sites report, columns report), None
    for a file not given. Raises :class:`RegistryImportError` with the errors of both files.
    """
    node_levels = _node_levels(session)
    errors: list[RowError] = []
    sources: list[str] = []
    site_rows: list[SiteRow] = []
    column_rows: list[ColumnRow] = []
    if sites is not None:
        site_rows, site_errors = parse_sites(_read(sites), node_levels)
        errors += site_errors
        sources.append(str(sites))
    if columns is not None:
        known = set(session.scalars(select(Site.code))) | {r.code for r in site_rows}
        column_rows, column_errors = parse_columns(_read(columns), node_levels, known)
        errors += column_errors
        sources.append(str(columns))
    if errors:
        raise RegistryImportError(errors, "、".join(sources))
    site_report = _apply_sites(session, site_rows, dry_run) if sites is not None else None
    column_report = _apply_columns(session, column_rows, dry_run) if columns is not None else None
    log.info("registry.import", sites=str(site_report or ""), columns=str(column_report or ""), dry_run=dry_run)
    return site_report, column_report


def apply_rows(session: Session, sites: list[SiteRow],
               columns: list[ColumnRow]) -> tuple[ImportReport, ImportReport]:
    """Upsert rows already validated (``db.registry_rows.parse_sites``/``parse_columns``) exactly as an import
    does: (sites report, columns report). Flushed into the caller's session; the caller commits. Used by a
    city node applying the registry rows the province sent it (federation/config_pull.py)."""
    return _apply_sites(session, sites, False), _apply_columns(session, columns, False)


def import_sites(session: Session, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Import a sites file (.csv/.xlsx); see the module docstring. Raises :class:`RegistryImportError`."""
    report, _ = import_registry(session, sites=path, dry_run=dry_run)
    assert report is not None
    return report


def import_columns(session: Session, path: Path, *, dry_run: bool = False) -> ImportReport:
    """Import a columns file whose sites are already registered. Raises :class:`RegistryImportError`."""
    _, report = import_registry(session, columns=path, dry_run=dry_run)
    assert report is not None
    return report


def _flag(value: bool) -> str:
    return "true" if value else "false"


def export_sites(session: Session, path: Path) -> int:
    """Write every site to ``path`` (.csv/.xlsx, sorted by site code); returns the row count."""
    table_format(path)
    sites = session.scalars(select(Site).order_by(Site.code))
    return write_table(path, SITE_HEADER, ((s.code, s.name, s.url, s.level.value, s.node_code, s.organizer or "",
                                            _flag(s.enabled)) for s in sites))


def export_columns(session: Session, path: Path) -> int:
    """Write every column to ``path`` (.csv/.xlsx, by site code then column name); returns the row count."""
    table_format(path)
    rows = session.execute(select(Column, Site.code).join(Site).order_by(Site.code, Column.name)).all()
    return write_table(path, COLUMN_HEADER, ((code, c.name, c.kind.value, c.url, c.item_selector or "",
                                              c.date_selector or "", _flag(c.first_level)) for c, code in rows))
