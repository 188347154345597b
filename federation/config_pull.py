"""A city node's configuration, pulled from the province the way Zabbix active proxies do (docs/federation.md,
"Configuration pulled from the province").

:func:`pull` asks the province for the city's bundle (``GET /api/v1/federation/config``), judges it whole
before changing anything (federation/bundle_check.py), keeps it as the cache (``<cache_dir>/config.json``,
written atomically) and applies it: the sites and columns and the duty roster in one database transaction,
the platform services of the city's regions in the same transaction, then the rule files and the receivers
file into ``<cache_dir>``, where the city's alerting reads them
(:func:`with_pulled_alert_files`). :func:`start_from_cache` applies the cached bundle when the province cannot
be reached. A bundle whose version is the one already applied changes nothing.

What lives in ``<cache_dir>``:

- ``config.json``: the last bundle received that passed every check (what a city starts from offline);
- ``applied.json``: the version applied last, with the site codes, columns and service names it listed (see
  :func:`_apply`);
- ``rules`` → ``rules-<version>-<ns>/``: a symbolic link swapped in one rename, so the alerting never sees half
  a set of rule files; ``receivers.toml``: the receivers file, replaced in one rename;
- ``.lock``: held while pulling or applying, so ``app.py federation pull`` and the running node never
  apply at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from core.i18n import federation as T
from core.logging import get_logger
from db.media_io import apply_account_rows
from db.models import Column, NewMediaAccount, Site
from db.models_alerts import DutyShift
from db.models_services import Service
from db.registry_io import apply_rows
from db.session import transaction
from federation.bundle_check import (
    RECEIVERS_NAME,
    RULES_NAME,
    BundleError,
    CheckedBundle,
    Shift,
    check_bundle,
    check_identity,
    stage_alert_files,
)
from federation.client import ProvinceClient, ProvinceRefused, ProvinceUnreachable
from federation.config_bundle import PATH

log = get_logger(__name__)
CACHE_NAME = "config.json"
APPLIED_NAME = "applied.json"


@dataclass(frozen=True)
class Counts:
    """What one application changed."""

    sites_created: int = 0
    sites_updated: int = 0
    sites_withdrawn: int = 0
    columns_created: int = 0
    columns_updated: int = 0
    columns_removed: int = 0
    rules: int = 0
    receivers: bool = False
    roster_added: int = 0
    roster_removed: int = 0
    services_created: int = 0
    services_updated: int = 0
    services_withdrawn: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0
    accounts_withdrawn: int = 0

    @property
    def database_changed(self) -> bool:
        return any((self.sites_created, self.sites_updated, self.sites_withdrawn, self.columns_created,
                    self.columns_updated, self.columns_removed, self.roster_added, self.roster_removed,
                    self.services_created, self.services_updated, self.services_withdrawn,
                    self.accounts_created, self.accounts_updated, self.accounts_withdrawn))


@dataclass(frozen=True)
class PullOutcome:
    """How a pull or a start from the cache ended. ``status``: ``applied`` (from the province), ``unchanged``
    (the province's version is the one applied), ``from_cache`` (the province unreachable, the cache applied),
    ``cache_unchanged`` (unreachable, the cache is what is applied already), ``no_config`` (unreachable and
    no cache: the node runs on what its database holds). ``reason``: why the province was not used."""

    status: str
    version: str = ""
    reason: str = ""
    counts: Counts = field(default_factory=Counts)

    @property
    def changed(self) -> bool:
        return self.status in ("applied", "from_cache")

    def text(self) -> str:
        """The outcome in Chinese, for the operator."""
        c = self.counts
        words = {**c.__dict__, "receivers": T.RECEIVERS_YES if c.receivers else T.RECEIVERS_NO}
        v = self.version[:12]
        return {"applied": lambda: T.APPLIED.format(version=v, **words),
                "from_cache": lambda: T.FROM_CACHE.format(version=v, reason=self.reason, **words),
                "unchanged": lambda: T.UNCHANGED.format(version=v),
                "cache_unchanged": lambda: T.CACHE_UNCHANGED.format(version=v, reason=self.reason),
                "no_config": lambda: T.NO_CONFIG.format(reason=self.reason)}[self.status]()


def linked(config: Config) -> bool:
    """Whether this node pulls its configuration: a city with ``[node] province_url`` (and its token file)."""
    return config.node.role == "city" and bool(config.node.province_url and config.node.token_file)


def cache_dir(config: Config) -> Path:
    return config.resolve_path(config.federation.cache_dir)


def with_pulled_alert_files(config: Config) -> Config:
    """``config`` with ``[alerts] rules_dir`` and ``receivers_file`` pointing at the pulled copies
    (``<cache_dir>/rules``, ``<cache_dir>/receivers.toml``) on a linked city that has applied a bundle at least
    once; otherwise ``config`` unchanged (a city that never reached the province and has no cache alerts with
    its own files). runtime/roles.py builds the alert service and the rules page from what this returns."""
    if not linked(config):
        return config
    base = cache_dir(config)
    if not (base / RULES_NAME).is_symlink():
        return config
    return replace(config, alerts=replace(config.alerts, rules_dir=str(base / RULES_NAME),
                                          receivers_file=str(base / RECEIVERS_NAME)))


# ---- files -----------------------------------------------------------------------------------------------

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename (temporary file beside it, fsync, os.replace, fsync of
    the folder): a reader sees the old or the new content, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@contextmanager
def _locked(base: Path) -> Iterator[None]:
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _applied(base: Path) -> dict[str, Any]:
    """The record of the last application (empty when none, or unreadable: then nothing is withdrawn)."""
    try:
        data = _read_json(base / APPLIED_NAME)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _swap_alert_files(base: Path, stage: Path, version: str, has_receivers: bool) -> None:
    """Put the staged rule folder and receivers file in place, each in one rename."""
    # A fresh name each time: the folder the link points at now is never touched while it is in use, even
    # when the same version is applied again (after a failure before applied.json was written).
    target = f"rules-{version[:16]}-{time.time_ns()}"
    link = base / RULES_NAME
    if link.exists() and not link.is_symlink():
        raise BundleError(f"{link} 是普通目录：请移走它，拉取的规则文件以符号链接放在这里")
    os.rename(stage / RULES_NAME, base / target)
    tmp_link = base / f".{RULES_NAME}.{os.getpid()}.tmp"
    tmp_link.unlink(missing_ok=True)
    os.symlink(target, tmp_link)
    os.replace(tmp_link, link)
    if has_receivers:
        staged = stage / RECEIVERS_NAME
        with open(staged, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(staged, base / RECEIVERS_NAME)
    else:
        (base / RECEIVERS_NAME).unlink(missing_ok=True)
    _fsync_dir(base)
    for old in base.glob("rules-*"):
        if old.name != target:
            shutil.rmtree(old, ignore_errors=True)


# ---- the database ----------------------------------------------------------------------------------------

def _withdraw(session: Session, bundle: CheckedBundle, before: dict[str, Any]) -> tuple[int, int]:
    """(sites disabled, columns deleted) that the province listed last time and no longer does.

    Only what came from the province is withdrawn (``applied.json`` records what the last bundle listed): a
    site the city registered itself is never touched. A withdrawn site is disabled, not deleted: its
    findings, check runs and metrics stay as the record, and the province listing it again enables it. A
    withdrawn column of a site still listed is deleted: no history hangs on a column row.
    """
    now_sites = {s.code for s in bundle.sites}
    gone_sites = sorted(set(before.get("sites", [])) - now_sites)
    withdrawn = 0
    if gone_sites:
        result: Any = session.execute(update(Site).where(Site.code.in_(gone_sites), Site.enabled.is_(True))
                                      .values(enabled=False))
        withdrawn = result.rowcount or 0
    now_columns = {(c.site_code, c.name) for c in bundle.columns}
    gone_columns = {tuple(c) for c in before.get("columns", []) if isinstance(c, list) and len(c) == 2} - now_columns
    removed = 0
    for site_code, name in sorted(gone_columns):
        if site_code in now_sites:
            site_id = select(Site.id).where(Site.code == site_code).scalar_subquery()
            gone: Any = session.execute(delete(Column).where(Column.site_id == site_id, Column.name == name))
            removed += gone.rowcount or 0
    return withdrawn, removed


def _apply_services(session: Session, bundle: CheckedBundle, before: dict[str, Any]) -> tuple[int, int, int]:
    """Make the city's services those the province lists: (created, updated, withdrawn). A bundle without
    services (an older province's) changes none. As with sites, only what came from the province is
    withdrawn (``applied.json``), and by disabling it (its metrics and alerts stay the record); a service
    the city registered itself and the province does not list is left alone. Listed again, it is enabled."""
    if bundle.services is None:
        return 0, 0, 0
    have = {r.name: r for r in session.scalars(select(Service).where(
        Service.name.in_([row.name for row in bundle.services])))}
    created = updated = 0
    for row in bundle.services:
        values = {"kind": row.kind, "address": row.address, "node_code": row.node_code,
                  "credentials_ref": row.credentials_ref, "options": row.options, "enabled": row.enabled,
                  "origin_node": None}
        svc = have.get(row.name)
        if svc is None:
            session.add(Service(name=row.name, **values))
            created += 1
        elif any(getattr(svc, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(svc, k, v)
            updated += 1
    listed = {row.name for row in bundle.services}
    gone = sorted(set(before.get("services", [])) - listed)
    withdrawn = 0
    if gone:
        result: Any = session.execute(update(Service).where(
            Service.name.in_(gone), Service.node_code.in_(bundle.regions), Service.origin_node.is_(None),
            Service.enabled.is_(True)).values(enabled=False))
        withdrawn = result.rowcount or 0
    session.flush()
    return created, updated, withdrawn


def _account_key(platform: str, account_id: str) -> str:
    return f"{platform}:{account_id}"


def _apply_accounts(session: Session, bundle: CheckedBundle, before: dict[str, Any]) -> tuple[int, int, int]:
    """Make the city's new-media accounts those the province lists: (created, updated, withdrawn), as an
    account import does; like services, one the province listed last time and no longer does is disabled
    (its state and findings stay the record), one the city registered itself is left alone. A bundle
    without accounts (an older province's) changes none."""
    if bundle.accounts is None:
        return 0, 0, 0
    session.flush()  # the bundle's sites first: accounts name them
    report = apply_account_rows(session, bundle.accounts)
    listed = {_account_key(r.platform.value, r.account_id) for r in bundle.accounts}
    gone = sorted(set(before.get("accounts", [])) - listed)
    withdrawn = 0
    for key in gone:
        platform, _, account_id = key.partition(":")
        result: Any = session.execute(update(NewMediaAccount).where(
            NewMediaAccount.platform == platform, NewMediaAccount.account_id == account_id,
            NewMediaAccount.node_code.in_(bundle.regions), NewMediaAccount.enabled.is_(True)).values(enabled=False))
        withdrawn += result.rowcount or 0
    session.flush()
    return report.created, report.updated, withdrawn


def _key(s: Shift | DutyShift) -> tuple[str, int, str, Any, Any]:
    return (s.scope_code, s.tier, s.username, s.starts_at, s.ends_at)


def _replace_roster(session: Session, bundle: CheckedBundle) -> tuple[int, int]:
    """Make the city's duty shifts those of the bundle: (added, removed). Shifts present in both keep their
    row (and id); the province's roster is the truth for the city's regions."""
    rows = list(session.scalars(select(DutyShift).where(DutyShift.scope_code.in_(bundle.regions))))
    wanted = {_key(s) for s in bundle.roster}
    have = {_key(r) for r in rows}
    removed = 0
    for r in rows:
        if _key(r) not in wanted:
            session.delete(r)
            removed += 1
    added = 0
    for s in bundle.roster:
        if _key(s) not in have:
            session.add(DutyShift(scope_code=s.scope_code, tier=s.tier, username=s.username,
                                  starts_at=s.starts_at, ends_at=s.ends_at))
            have.add(_key(s))
            added += 1
    session.flush()
    return added, removed


def _apply(bundle: CheckedBundle, sessions: sessionmaker[Session], base: Path, stage: Path | None) -> Counts:
    """Apply a checked bundle: the database in one transaction, then (when ``stage`` holds its staged alert
    files) the alert files and ``applied.json``. A failure before the record is written leaves the old
    record, so the next pull applies the bundle again (every step is idempotent)."""
    before = _applied(base)
    with transaction(sessions) as s:
        site_report, column_report = apply_rows(s, bundle.sites, bundle.columns)
        withdrawn, removed = _withdraw(s, bundle, before)
        added, dropped = _replace_roster(s, bundle)
        services = _apply_services(s, bundle, before)
        accounts = _apply_accounts(s, bundle, before)
    if stage is not None:
        _swap_alert_files(base, stage, bundle.version, bundle.receivers is not None)
        record = {"version": bundle.version, "sites": sorted(s.code for s in bundle.sites),
                  "columns": sorted([c.site_code, c.name] for c in bundle.columns),
                  "services": (sorted(r.name for r in bundle.services) if bundle.services is not None
                               else before.get("services", [])),
                  "accounts": (sorted(_account_key(r.platform.value, r.account_id) for r in bundle.accounts)
                               if bundle.accounts is not None else before.get("accounts", []))}
        write_atomic(base / APPLIED_NAME, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return Counts(site_report.created, site_report.updated, withdrawn, column_report.created, column_report.updated,
                  removed, len(bundle.rules), bundle.receivers is not None, added, dropped, *services, *accounts)


def _check_and_stage(raw: Any, sessions: sessionmaker[Session], city: str, base: Path,
                     stage: bool = True) -> tuple[CheckedBundle, Path | None]:
    with sessions() as s:
        bundle = check_bundle(raw, s, city)
    return bundle, stage_alert_files(bundle, base) if stage else None


def _discard(stage: Path | None) -> None:
    if stage is not None:
        shutil.rmtree(stage, ignore_errors=True)


# ---- pull and start --------------------------------------------------------------------------------------

def pull(client: ProvinceClient, config: Config, sessions: sessionmaker[Session]) -> PullOutcome:
    """Pull the city's bundle and apply it (see the module docstring); returns ``applied`` or ``unchanged``.

    Raises :class:`ProvinceUnreachable`/:class:`ProvinceRefused` from the client, and :class:`BundleError`
    (Chinese, naming what and where) for a bundle refused: then the cache, the database and the alert files
    are as they were."""
    base = cache_dir(config)
    raw = client.get(PATH)
    try:
        _, version = check_identity(raw, config.node.code)
    except BundleError as exc:
        raise BundleError(T.BUNDLE_REFUSED.format(reason=exc)) from None
    with _locked(base):
        if version == _applied(base).get("version") and (base / CACHE_NAME).is_file():
            log.info("federation.config_unchanged", version=version[:12])
            return PullOutcome("unchanged", version)
        try:
            bundle, stage = _check_and_stage(raw, sessions, config.node.code, base)
        except BundleError as exc:
            log.error("federation.config_refused", source="province", reason=str(exc))
            raise BundleError(T.BUNDLE_REFUSED.format(reason=exc)) from None
        try:
            write_atomic(base / CACHE_NAME, json.dumps(raw, ensure_ascii=False).encode("utf-8"))
            counts = _apply(bundle, sessions, base, stage)
        finally:
            _discard(stage)
    outcome = PullOutcome("applied", version, counts=counts)
    log.info("federation.config_applied", source="province", version=version[:12], **counts.__dict__)
    return outcome


def start_from_cache(config: Config, sessions: sessionmaker[Session], reason: str = "") -> PullOutcome:
    """Apply the cached bundle (the province unreachable for ``reason``): ``from_cache`` when that changed the
    database or the alert files, ``cache_unchanged`` when everything already held it, ``no_config`` when
    there is no cache (the node runs on what its database holds, said plainly in the log). Raises
    :class:`BundleError` when the cache is unreadable or refused (nothing changed).

    The database part is applied even when the cache's version is the one applied last (an idempotent
    upsert): the database may have been restored or rebuilt since, and a start must not trust a file over it.
    """
    base = cache_dir(config)
    path = base / CACHE_NAME
    if not path.is_file():
        log.warning("federation.config_none", reason=reason, cache=str(path),
                    detail="no province and no cache: running on what the database holds")
        return PullOutcome("no_config", reason=reason)
    with _locked(base):
        try:
            raw = _read_json(path)
            _, version = check_identity(raw, config.node.code)
            files_current = version == _applied(base).get("version") and (base / RULES_NAME).is_symlink()
            bundle, stage = _check_and_stage(raw, sessions, config.node.code, base, stage=not files_current)
        except (OSError, ValueError) as exc:  # BundleError is a ValueError, as is broken JSON
            log.error("federation.config_refused", source="cache", reason=str(exc))
            raise BundleError(T.CACHE_REFUSED.format(path=path, reason=exc)) from None
        try:
            counts = _apply(bundle, sessions, base, stage)
        finally:
            _discard(stage)
    status = "cache_unchanged" if files_current and not counts.database_changed else "from_cache"
    log.info("federation.config_applied" if status == "from_cache" else "federation.config_cache_unchanged",
             source="cache", version=version[:12], reason=reason, **counts.__dict__)
    return PullOutcome(status, version, reason, counts)


def pull_or_cache(config: Config, sessions: sessionmaker[Session],
                  client: ProvinceClient | None = None) -> PullOutcome:
    """What a city does at start-up and on each round: pull from the province, and when it cannot be reached
    (or refuses the token, or the token file cannot be read) start from the cache. A bundle the province
    sends that is refused raises :class:`BundleError` (the node keeps what it has)."""
    try:
        own = client is None
        client = client or ProvinceClient.from_config(config)
    except ValueError as exc:
        return start_from_cache(config, sessions, str(exc))
    try:
        return pull(client, config, sessions)
    except (ProvinceUnreachable, ProvinceRefused) as exc:
        log.warning("federation.province_unreachable", reason=str(exc))
        return start_from_cache(config, sessions, str(exc))
    finally:
        if own:
            client.close()
