"""Import and export of the site and column registry as CSV or XLSX.

Files (header names in English or Chinese, see docs/registry.md):

- sites: ``site_code,name,url,level,node_code`` + optional ``organizer,enabled,hosts,services`` (the hosts and
  services serving the site; a file with such a column sets exactly those of each of its sites, db/impact.py)
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
from db import impact
from db.models import Column, Host, Node, Site
from db.registry_rows import (
    DEPENDENCY_FIELDS,
    ColumnRow,
    RowError,
    SiteRow,
    parse_columns,
    parse_links,
    parse_sites,
)
from db.tabular import Table, TableFileError, read_table, table_format, write_table

__all__ = ["ImportReport", "LinkReport", "RegistryImportError", "RowError", "TableFileError", "apply_rows",
           "export_columns", "export_sites", "import_columns", "import_links", "import_registry", "import_sites"]

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
    outcomes: list[str] = []
    for row in rows:
        defaults = {"enabled": True} if "enabled" not in row.given else {}
        outcomes.append(_upsert(session, existing.get(row.code), _site_values(row), {"code": row.code, **defaults},
                                Site, dry_run))
    session.flush()
    outcomes = _apply_dependencies(session, rows, outcomes, dry_run)
    counts = {k: outcomes.count(k) for k in ("created", "updated", "unchanged")}
    return ImportReport(**counts, dry_run=dry_run)


def _apply_dependencies(session: Session, rows: list[SiteRow], outcomes: list[str], dry_run: bool) -> list[str]:
    """Replace the hosts / services of each row whose file has those columns; a site whose dependencies
    changed and nothing else counts as updated."""
    if not any(f in row.given for row in rows for f in DEPENDENCY_FIELDS):
        return outcomes
    ids = {code: id_ for code, id_ in session.execute(select(Site.code, Site.id))}
    now = impact.current(session, [ids[r.code] for r in rows if r.code in ids])
    out = list(outcomes)
    for i, row in enumerate(rows):
        site_id = ids.get(row.code)
        for field, kind in DEPENDENCY_FIELDS.items():
            if field not in row.given:
                continue
            names: tuple[str, ...] = getattr(row, field)
            if site_id is not None and now.get((site_id, kind), ()) == tuple(sorted(names)):
                continue
            if out[i] == "unchanged":
                out[i] = "updated"
            if not dry_run and site_id is not None:
                impact.replace(session, site_id, kind, names)
    return out


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
        site_rows, site_errors = parse_sites(_read(sites), node_levels, set(session.scalars(select(Host.name))))
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


@dataclass(frozen=True)
class LinkReport:
    sites: int  # (site, kind) pairs the file sets
    changed: int  # of which differed from what was recorded
    dry_run: bool = False

    def __str__(self) -> str:
        return T.LINK_REPORT.format(sites=self.sites, changed=self.changed) + (T.REPORT_DRY_RUN if self.dry_run else "")


def import_links(session: Session, path: Path, *, dry_run: bool = False) -> LinkReport:
    """Import a mapping file (``site_code,kind,name``: one host or service serving a site per row). For every
    site and kind the file names, the file's names become exactly that site's dependencies of that kind; others
    stay. Validated whole first; raises :class:`RegistryImportError` (nothing written) on any bad row."""
    table = _read(path)
    sites = dict(session.execute(select(Site.code, Site.id)).all())
    rows, errors = parse_links(table, _node_levels(session), set(sites), set(session.scalars(select(Host.name))))
    if errors:
        raise RegistryImportError(errors, str(path))
    wanted: dict[tuple[int, str], list[str]] = {}
    for r in rows:
        wanted.setdefault((sites[r.site_code], r.kind), []).append(r.name)
    now = impact.current(session, {sid for sid, _ in wanted})
    changed = [k for k, names in wanted.items() if now.get(k, ()) != tuple(sorted(set(names)))]
    if not dry_run:
        for sid, kind in changed:
            impact.replace(session, sid, kind, wanted[(sid, kind)])
    log.info("registry.links", pairs=len(wanted), changed=len(changed), dry_run=dry_run)
    return LinkReport(len(wanted), len(changed), dry_run)


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
