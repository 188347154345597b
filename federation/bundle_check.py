"""A city's judgement of a configuration bundle (federation/config_bundle.py) before anything is changed.

:func:`check_bundle` refuses a bundle whole with :class:`BundleError` (Chinese, naming the key, row or file
at fault) or returns it typed. It reads the city's own database (its division nodes) and writes nothing;
the alert files are judged by :func:`stage_alert_files`, which writes them into a staging folder and loads
them with the alert service's own loaders, so a bundle the alerting would refuse is refused here first.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.receivers import ReceiversError, load_receivers
from alerts.rule_model import RuleFileError
from alerts.rules import load_rule_files
from collectors.services import check_address, check_ref, options_from_json
from core.i18n import federation as T
from db.media_rows import ACCOUNT_HEADER, AccountRow, parse_accounts
from db.models import Node
from db.models_services import SERVICE_KINDS
from db.registry_io import COLUMN_HEADER, SITE_HEADER
from db.registry_rows import ColumnRow, RowError, SiteRow, parse_columns, parse_sites
from db.tabular import Table
from federation.config_bundle import FORMAT, ROSTER_KEYS, SERVICE_KEYS, city_regions, content_version

RULE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.ya?ml")
MAX_LISTED = 20  # row errors a message lists
RECEIVERS_NAME = "receivers.toml"
RULES_NAME = "rules"


class BundleError(ValueError):
    """The bundle is refused whole; the message (Chinese) names what is wrong and where."""


@dataclass(frozen=True)
class Shift:
    scope_code: str
    tier: int
    username: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ServiceRow:
    """A platform service of the city as the province registers it (db.models_services.Service)."""

    name: str
    kind: str
    address: str
    node_code: str
    credentials_ref: str | None
    options: dict[str, Any]
    enabled: bool


@dataclass(frozen=True)
class CheckedBundle:
    """A bundle that passed every check, typed; ``raw`` is the JSON object as received (what the cache keeps)."""

    raw: dict[str, Any]
    version: str
    node: str
    regions: tuple[str, ...]
    sites: list[SiteRow]
    columns: list[ColumnRow]
    rules: list[tuple[str, str]]  # (file name, text)
    receivers: str | None
    roster: list[Shift]
    services: list[ServiceRow] | None = None  # None: a bundle without the key (an older province's)
    accounts: list[AccountRow] | None = None  # likewise


def _kind(value: Any) -> str:
    return {dict: "对象", list: "数组", str: "字符串", int: "整数", float: "数字", bool: "布尔值"}.get(
        type(value), "空值" if value is None else type(value).__name__)


def _need(bundle: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    if key not in bundle:
        raise BundleError(T.MISSING_KEY.format(key=key))
    value = bundle[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise BundleError(T.BAD_KEY.format(key=key, reason=f"应为{what}，而不是{_kind(value)}"))
    return value


def check_identity(raw: Any, city: str) -> tuple[dict[str, Any], str]:
    """(the bundle, its version) when ``raw`` is a bundle of this format for node ``city`` whose version
    matches its content; raises :class:`BundleError`. Cheap: enough to tell an unchanged bundle."""
    if not isinstance(raw, dict):
        raise BundleError(T.NOT_AN_OBJECT.format(kind=_kind(raw)))
    fmt = _need(raw, "format", int, "整数")
    if fmt != FORMAT:
        raise BundleError(T.BAD_FORMAT.format(got=fmt, want=FORMAT))
    node = _need(raw, "node", str, "字符串")
    if node != city:
        raise BundleError(T.WRONG_NODE.format(got=node[:20], want=city))
    version = _need(raw, "version", str, "字符串")
    actual = content_version(raw)
    if version != actual:
        raise BundleError(T.WRONG_VERSION.format(declared=version[:16], actual=actual[:16]))
    _need(raw, "generated_at", str, "字符串")
    return raw, version


def _table(raw: dict[str, Any], key: str, header: tuple[str, ...]) -> Table:
    section = _need(raw, key, dict, "对象（header、rows）")
    head, rows = section.get("header"), section.get("rows")
    if head != list(header):
        raise BundleError(T.BAD_KEY.format(key=f"{key}.header", reason=f"应为 {list(header)}"))
    if not isinstance(rows, list) or not all(isinstance(r, list) and all(isinstance(c, str) for c in r)
                                             for r in rows):
        raise BundleError(T.BAD_KEY.format(key=f"{key}.rows", reason="应为字符串数组的数组"))
    return Table(list(head), [(i, list(r)) for i, r in enumerate(rows, start=2)])  # line 1 is the header


def _refuse_rows(what: str, errors: list[RowError]) -> BundleError:
    listed = "；".join(str(e) for e in errors[:MAX_LISTED])
    more = f"；另有 {len(errors) - MAX_LISTED} 处" if len(errors) > MAX_LISTED else ""
    return BundleError(T.ROWS_REFUSED.format(what=what, errors=listed + more))


def _registry(raw: dict[str, Any], session: Session, city: str,
              regions: tuple[str, ...]) -> tuple[list[SiteRow], list[ColumnRow]]:
    node_levels = {code: level.value for code, level in session.execute(select(Node.code, Node.level))}
    sites, errors = parse_sites(_table(raw, "sites", SITE_HEADER), node_levels)
    if errors:
        raise _refuse_rows(T.WHAT_SITES, errors)
    for s in sites:
        if s.node_code not in regions:
            raise BundleError(T.SITE_OUT_OF_SCOPE.format(code=s.code, node=s.node_code, city=city))
    known = {s.code for s in sites}
    columns, errors = parse_columns(_table(raw, "columns", COLUMN_HEADER), node_levels, known)
    if errors:  # a column of a site the bundle does not list is refused as an unknown site
        raise _refuse_rows(T.WHAT_COLUMNS, errors)
    return sites, columns


def _rules(raw: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, item in enumerate(_need(raw, "rules", list, "数组"), 1):
        if not (isinstance(item, dict) and set(item) == {"name", "text"} and isinstance(item["name"], str)
                and isinstance(item["text"], str)):
            raise BundleError(T.BAD_KEY.format(key=f"rules[{i}]", reason="应为 {\"name\": 文件名, \"text\": 内容}"))
        name = item["name"]
        if not RULE_NAME.fullmatch(name):
            raise BundleError(T.RULE_NAME_BAD.format(name=name[:60]))
        if any(name == n for n, _ in out):
            raise BundleError(T.RULE_NAME_TWICE.format(name=name))
        out.append((name, item["text"]))
    return out


def _instant(value: Any, index: int, key: str) -> datetime:
    try:
        if not isinstance(value, str) or not value.endswith("Z"):
            raise ValueError
        return datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        raise BundleError(T.ROSTER_ROW_BAD.format(index=index, reason=f"{key} 应为 UTC 时间（如 "
                                                                      f"2026-11-27T08:00:00Z）")) from None


def _roster(raw: dict[str, Any], city: str, regions: tuple[str, ...]) -> list[Shift]:
    out: list[Shift] = []
    for i, row in enumerate(_need(raw, "roster", list, "数组"), 1):
        if not isinstance(row, dict) or set(row) != set(ROSTER_KEYS):
            raise BundleError(T.ROSTER_ROW_BAD.format(index=i, reason=f"应为含 {'、'.join(ROSTER_KEYS)} 的对象"))
        scope, tier, user = row["scope_code"], row["tier"], row["username"]
        if scope not in regions:
            raise BundleError(T.ROSTER_OUT_OF_SCOPE.format(index=i, scope=str(scope)[:10], city=city))
        if not isinstance(tier, int) or isinstance(tier, bool) or not 1 <= tier <= 100:
            raise BundleError(T.ROSTER_ROW_BAD.format(index=i, reason="tier 应为 1 到 100 的整数"))
        if not isinstance(user, str) or not user or len(user) > 64:
            raise BundleError(T.ROSTER_ROW_BAD.format(index=i, reason="username 应为 1 到 64 个字符"))
        starts, ends = _instant(row["starts_at"], i, "starts_at"), _instant(row["ends_at"], i, "ends_at")
        if ends <= starts:
            raise BundleError(T.ROSTER_ROW_BAD.format(index=i, reason="ends_at 应晚于 starts_at"))
        out.append(Shift(scope, tier, user, starts, ends))
    return out


def _service(item: Any, index: int, city: str, regions: tuple[str, ...]) -> ServiceRow:
    name = item.get("name") if isinstance(item, dict) else None
    shown = str(name)[:60] if name is not None else "?"

    def bad(reason: str) -> BundleError:
        return BundleError(T.SERVICE_ROW_BAD.format(index=index, name=shown, reason=reason))

    if not isinstance(item, dict) or set(item) != set(SERVICE_KEYS):
        raise bad(f"应为含 {'、'.join(SERVICE_KEYS)} 的对象")
    kind, address, node, ref, options, enabled = (item[k] for k in SERVICE_KEYS[1:])
    if not isinstance(name, str) or not name or len(name) > 128 or any(c.isspace() for c in name):
        raise bad("name 应为 1 到 128 个字符，不含空白")
    if kind not in SERVICE_KINDS:
        raise bad(f"kind 应为 {'、'.join(SERVICE_KINDS)} 之一")
    if not isinstance(node, str) or node not in regions:
        raise BundleError(T.SERVICE_OUT_OF_SCOPE.format(index=index, name=shown, node=str(node)[:10], city=city))
    if not isinstance(enabled, bool):
        raise bad("enabled 应为 true 或 false")
    if ref is not None and not isinstance(ref, str):
        raise bad("credentials_ref 应为字符串或 null")
    try:
        if not isinstance(address, str):
            raise ValueError("address 应为字符串")
        check_address(kind, address)
        if ref:
            check_ref(ref)
        parsed = options_from_json(kind, options)
    except ValueError as exc:
        raise bad(str(exc)) from None
    return ServiceRow(name, kind, address, node, ref or None, parsed, enabled)


def _services(raw: dict[str, Any], city: str, regions: tuple[str, ...]) -> list[ServiceRow] | None:
    if "services" not in raw:
        return None
    out: list[ServiceRow] = []
    seen: set[str] = set()
    for i, item in enumerate(_need(raw, "services", list, "数组"), 1):
        row = _service(item, i, city, regions)
        if row.name in seen:
            raise BundleError(T.SERVICE_TWICE.format(name=row.name))
        seen.add(row.name)
        out.append(row)
    return out


def _accounts(raw: dict[str, Any], session: Session, city: str, regions: tuple[str, ...],
              sites: list[SiteRow]) -> list[AccountRow] | None:
    """The new-media accounts, checked as an account import checks them; an account's site must be one the
    bundle lists. None when the bundle has no accounts (an older province's)."""
    if "accounts" not in raw:
        return None
    node_levels = {code: level.value for code, level in session.execute(select(Node.code, Node.level))}
    rows, errors = parse_accounts(_table(raw, "accounts", ACCOUNT_HEADER), node_levels, {s.code for s in sites})
    if errors:
        raise _refuse_rows(T.WHAT_ACCOUNTS, errors)
    for row in rows:
        if row.node_code not in regions:
            raise BundleError(T.ACCOUNT_OUT_OF_SCOPE.format(platform=row.platform.value, account=row.account_id[:40],
                                                            node=row.node_code, city=city))
    return rows


def check_bundle(raw: Any, session: Session, city: str) -> CheckedBundle:
    """``raw`` typed when every part holds for city node ``city``; raises :class:`BundleError` otherwise."""
    bundle, version = check_identity(raw, city)
    regions = tuple(city_regions(session, city))
    sites, columns = _registry(bundle, session, city, regions)
    receivers = bundle.get("receivers", ...)
    if receivers is ...:
        raise BundleError(T.MISSING_KEY.format(key="receivers"))
    if receivers is not None and not isinstance(receivers, str):
        raise BundleError(T.BAD_KEY.format(key="receivers", reason=f"应为字符串或 null，而不是{_kind(receivers)}"))
    return CheckedBundle(bundle, version, city, regions, sites, columns, _rules(bundle), receivers,
                         _roster(bundle, city, regions), _services(bundle, city, regions),
                         _accounts(bundle, session, city, regions, sites))


def stage_alert_files(bundle: CheckedBundle, parent: Path) -> Path:
    """A new folder under ``parent`` holding ``rules/`` (the rule files) and ``receivers.toml`` (when the
    bundle has one), both loaded with the alert service's loaders; raises :class:`BundleError` (the staging
    folder removed) when either would be refused. The caller moves the staged files into place or removes
    the folder."""
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=parent))
    try:
        rules = stage / RULES_NAME
        rules.mkdir()
        for name, text in bundle.rules:
            (rules / name).write_text(text, encoding="utf-8")
        if bundle.rules:
            try:
                load_rule_files([rules])
            except RuleFileError as exc:
                errors = "；".join(f"{Path(f).name} 第 {line} 行：{reason}"
                                  for f, line, reason in exc.errors[:MAX_LISTED])
                raise BundleError(T.RULES_REFUSED.format(errors=errors)) from None
        if bundle.receivers is not None:
            path = stage / RECEIVERS_NAME
            path.write_text(bundle.receivers, encoding="utf-8")
            try:
                load_receivers(path)
            except ReceiversError as exc:
                raise BundleError(T.RECEIVERS_REFUSED.format(error=str(exc).replace(str(stage) + "/", ""))) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return stage
