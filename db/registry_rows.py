"""Pure validation of registry import rows: table in, typed rows or every problem out.

No database here: callers pass what the database knows (node levels, existing site codes).
Every row is checked and every problem reported as a :class:`RowError`; nothing is half-accepted.
Every field has a length limit, and no cell may hold a control character (a NUL ends a PostgreSQL
insert in a traceback and cannot be written to XLSX; a line break or a bidirectional override in a
site name misleads whoever reads it); a cell refused for either is not checked further, so its
content is never echoed back whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from core.i18n import registry as T
from core.i18n.common import COLUMN_KIND, NODE_LEVEL, SITE_LEVEL
from db.models import ColumnKind, NodeLevel, SiteLevel
from db.tabular import Table


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet ``line`` (header = 1), the ``column`` as written in the file, ``reason``."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return T.ROW_ERROR.format(line=self.line, column=self.column, reason=self.reason)


@dataclass(frozen=True)
class Field:
    name: str
    aliases: tuple[str, ...]
    required: bool
    limit: int | None = None


MAX_TARGET_NAME = 128  # characters of a host's or service's name in a dependency
SITE_FIELDS = (
    Field("site_code", ("标识码", "网站标识码", "政府网站标识码", "code"), True, 16),
    Field("name", ("网站名称", "名称", "site_name"), True, 128),
    Field("url", ("网址", "网站地址", "首页地址", "site_url"), True, 512),
    Field("level", ("级别", "网站级别"), True, 64),
    Field("node_code", ("行政区划代码", "区划代码", "所属区划"), True, 6),
    Field("organizer", ("主办单位",), False, 128),
    Field("enabled", ("启用", "是否启用"), False, 16),
    # The hosts and services that serve the site (db/models_impact.py): names separated by 、 , ; or spaces.
    Field("hosts", ("主机", "服务器", "host"), False, 1024),
    Field("services", ("服务", "依赖服务", "service"), False, 1024),
)
DEPENDENCY_FIELDS = {"hosts": "host", "services": "service"}  # import column -> site_dependency.target_kind
NAME_SPLIT = re.compile(r"[,，、;；\s]+")
COLUMN_FIELDS = (
    Field("site_code", ("标识码", "网站标识码", "政府网站标识码"), True, 16),
    Field("column_name", ("栏目名称", "栏目", "name"), True, 128),
    Field("kind", ("栏目类型", "类型"), True, 64),
    Field("url", ("栏目地址", "栏目网址", "网址"), True, 512),
    Field("item_selector", ("条目选择器", "列表选择器"), False, 256),
    Field("date_selector", ("日期选择器",), False, 256),
    Field("first_level", ("一级栏目", "是否一级栏目"), False, 16),
)
LINK_FIELDS = (  # a mapping file (``app.py registry link``): one dependency per row
    Field("site_code", ("标识码", "网站标识码", "政府网站标识码"), True, 16),
    Field("kind", ("类型", "依赖类型"), True, 16),
    Field("name", ("名称", "主机或服务", "target"), True, MAX_TARGET_NAME),
)
LINK_KIND = {"host": "host", "主机": "host", "服务器": "host", "service": "service", "服务": "service"}
# C0 and C1 controls (NUL, tab, line breaks, DEL …), lone surrogates, and the bidirectional embeddings,
# overrides and isolates that can make a name read differently from what it is.
REFUSED_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
MAX_HEADER = 64  # characters of a header cell
# Which node level each site level belongs to: a city portal hangs on a city node, and so on.
SITE_LEVEL_NODE = {
    SiteLevel.PROVINCIAL_PORTAL: NodeLevel.PROVINCE, SiteLevel.PROVINCIAL_DEPARTMENT: NodeLevel.PROVINCE,
    SiteLevel.CITY_PORTAL: NodeLevel.CITY, SiteLevel.CITY_DEPARTMENT: NodeLevel.CITY,
    SiteLevel.COUNTY_PORTAL: NodeLevel.COUNTY,
}
_TRUE = {"true", "1", "yes", "y", "是", "启用", "√"}
_FALSE = {"false", "0", "no", "n", "否", "停用", "禁用", "×"}


@dataclass(frozen=True)
class SiteRow:
    line: int
    code: str
    name: str
    url: str
    level: SiteLevel
    node_code: str
    organizer: str | None
    enabled: bool
    given: frozenset[str]  # optional fields whose column is in the file; others stay untouched on update
    hosts: tuple[str, ...] = ()  # with "hosts" in given: exactly the hosts serving it (none when the cell is empty)
    services: tuple[str, ...] = ()  # likewise the services, by name


@dataclass(frozen=True)
class LinkRow:
    line: int
    site_code: str
    kind: str  # host / service
    name: str


@dataclass(frozen=True)
class ColumnRow:
    line: int
    site_code: str
    name: str
    kind: ColumnKind
    url: str
    item_selector: str | None
    date_selector: str | None
    first_level: bool
    given: frozenset[str]


def _shown(value: str, limit: int = 40) -> str:
    """``value`` as an error message may quote it: cut to ``limit``, control characters as spaces."""
    return REFUSED_CHARS.sub(" ", value[:limit]) + ("…" if len(value) > limit else "")


def _norm(header: str) -> str:
    return header.strip().lstrip("*＊").rstrip("*＊").replace(" ", "").lower()


def map_header(header: list[str], fields: tuple[Field, ...]) -> tuple[dict[str, int], dict[str, str], list[RowError]]:
    """(field → cell index, field → header as written, errors) for a header row."""
    lookup = {_norm(a): f.name for f in fields for a in (f.name, *f.aliases)}
    index: dict[str, int] = {}
    written: dict[str, str] = {}
    errors: list[RowError] = []
    known = "、".join(f.name for f in fields)
    for i, h in enumerate(header):
        name = lookup.get(_norm(h))
        if name is None:
            errors.append(RowError(1, _shown(h, MAX_HEADER) or T.EXTRA_CELL_COLUMN.format(index=i + 1),
                                   T.UNKNOWN_HEADER.format(header=_shown(h, MAX_HEADER), known=known)))
        elif name in index:
            errors.append(RowError(1, h, T.DUPLICATE_HEADER.format(other=written[name])))
        else:
            index[name], written[name] = i, h
    for f in fields:
        if f.required and f.name not in index:
            errors.append(RowError(1, f.name, T.MISSING_HEADER.format(aliases="、".join((f.name, *f.aliases)))))
    return index, written, errors


def _choice(value: str, enum: type[StrEnum], labels: Mapping[str, str]) -> StrEnum | None:
    by_label = {label: key for key, label in labels.items()}
    key = by_label.get(value, value.lower())
    return enum(key) if key in {m.value for m in enum} else None


def _allowed(labels: Mapping[str, str]) -> str:
    return "、".join(f"{k}（{v}）" for k, v in labels.items())


def _bool(value: str) -> bool | None:
    v = value.lower()
    return True if v in _TRUE else False if v in _FALSE else None


def is_valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


class _RowReader:
    """Cells of one row by field name, collecting errors instead of raising."""

    def __init__(self, line: int, cells: list[str], index: dict[str, int], written: dict[str, str],
                 fields: tuple[Field, ...], errors: list[RowError]) -> None:
        self.line, self.cells, self.index, self.written, self.errors = line, cells, index, written, errors
        self.fields = {f.name: f for f in fields}

    def err(self, field: str, reason: str) -> None:
        self.errors.append(RowError(self.line, self.written.get(field, field), reason))

    def get(self, field: str) -> str:
        """The cell's value; "" (after recording why) when it is too long or holds a control character."""
        i = self.index.get(field)
        value = self.cells[i] if i is not None and i < len(self.cells) else ""
        spec = self.fields[field]
        if spec.required and not value:
            self.err(field, T.REQUIRED)
        elif spec.limit is not None and len(value) > spec.limit:
            self.err(field, T.TOO_LONG.format(length=len(value), limit=spec.limit))
            return ""
        elif bad := REFUSED_CHARS.search(value):
            self.err(field, T.CONTROL_CHAR.format(code=ord(bad.group())))
            return ""
        return value

    def url(self, field: str) -> str:
        value = self.get(field)
        if value and not is_valid_url(value):
            self.err(field, T.BAD_URL.format(value=value))
        return value

    def flag(self, field: str) -> bool:
        value = self.get(field)
        parsed = _bool(value) if value else True  # blank means the default: enabled / first level
        if parsed is None:
            self.err(field, T.BAD_BOOL.format(value=value))
        return bool(parsed)

    def site_code(self, field: str, node_levels: Mapping[str, str]) -> tuple[str, bool]:
        """(value, well-formed with a known division)."""
        value = self.get(field)
        if value and not (len(value) == 10 and value.isdigit()):
            self.err(field, T.BAD_SITE_CODE.format(value=value))
        elif value and value[:6] not in node_levels:
            self.err(field, T.UNKNOWN_DIVISION.format(division=value[:6]))
        else:
            return value, bool(value)
        return value, False

    def names(self, field: str, known: Set[str] | None = None) -> tuple[str, ...]:
        """The names listed in a cell (split on 、 , ; and spaces, duplicates dropped, order kept); a name longer
        than :data:`MAX_TARGET_NAME`, or not in ``known`` when given, is an error naming it."""
        out: list[str] = []
        for name in NAME_SPLIT.split(self.get(field)):
            if not name or name in out:
                continue
            if len(name) > MAX_TARGET_NAME:
                self.err(field, T.TOO_LONG.format(length=len(name), limit=MAX_TARGET_NAME))
            elif known is not None and name not in known:
                self.err(field, T.UNKNOWN_HOST.format(value=_shown(name)))
            else:
                out.append(name)
        return tuple(out)

    def extra_cells(self, width: int) -> None:
        for i, value in enumerate(self.cells[width:], start=width + 1):
            if value:
                self.errors.append(RowError(self.line, T.EXTRA_CELL_COLUMN.format(index=i),
                                            T.EXTRA_CELL.format(value=_shown(value))))


def _parse(table: Table, fields: tuple[Field, ...],
           build: Callable[[_RowReader, frozenset[str]], object | None]) -> tuple[list, list[RowError]]:
    index, written, errors = map_header(table.header, fields)
    if errors:
        return [], errors  # without a sound header, cell errors would only be noise
    given = frozenset(f.name for f in fields if not f.required and f.name in index)
    out = []
    for line, cells in table.rows:
        reader = _RowReader(line, cells, index, written, fields, errors)
        reader.extra_cells(len(table.header))
        before = len(errors)
        row = build(reader, given)
        if row is not None and len(errors) == before:
            out.append(row)
    return out, errors


def parse_sites(table: Table, node_levels: Mapping[str, str],
                known_hosts: Set[str] | None = None) -> tuple[list[SiteRow], list[RowError]]:
    """Typed site rows and every problem found; ``node_levels`` maps known node codes to their level,
    ``known_hosts`` the registered host names a ``hosts`` cell may name (None: not checked)."""
    first_line: dict[str, int] = {}

    def build(r: _RowReader, given: frozenset[str]) -> SiteRow | None:
        code, _ = r.site_code("site_code", node_levels)
        if code and code in first_line:
            r.err("site_code", T.DUPLICATE_SITE.format(value=code, first=first_line[code]))
        elif code:
            first_line[code] = r.line
        name, url = r.get("name"), r.url("url")
        raw_level = r.get("level")
        level = _choice(raw_level, SiteLevel, SITE_LEVEL) if raw_level else None
        if raw_level and level is None:
            r.err("level", T.UNKNOWN_LEVEL.format(value=raw_level, allowed=_allowed(SITE_LEVEL)))
        node_code = r.get("node_code")
        if node_code and not (len(node_code) == 6 and node_code.isdigit()):
            r.err("node_code", T.BAD_NODE_CODE.format(value=node_code))
        elif node_code and node_code not in node_levels:
            r.err("node_code", T.UNKNOWN_NODE.format(value=node_code))
        elif node_code and level is not None and SITE_LEVEL_NODE[SiteLevel(level)] != node_levels[node_code]:
            r.err("level", T.LEVEL_NODE_MISMATCH.format(level=SITE_LEVEL[level], node=node_code,
                                                         node_level=NODE_LEVEL[node_levels[node_code]]))
        organizer = r.get("organizer") or None
        enabled = r.flag("enabled")
        hosts = r.names("hosts", known_hosts) if "hosts" in given else ()
        services = r.names("services") if "services" in given else ()
        if level is None:
            return None
        return SiteRow(r.line, code, name, url, SiteLevel(level), node_code, organizer, enabled, given, hosts,
                       services)

    return _parse(table, SITE_FIELDS, build)


def parse_columns(table: Table, node_levels: Mapping[str, str],
                  known_sites: Set[str]) -> tuple[list[ColumnRow], list[RowError]]:
    """Typed column rows and every problem; ``known_sites`` = site codes in the database or this import."""
    first_line: dict[tuple[str, str], int] = {}

    def build(r: _RowReader, given: frozenset[str]) -> ColumnRow | None:
        site_code, well_formed = r.site_code("site_code", node_levels)
        if well_formed and site_code not in known_sites:
            r.err("site_code", T.UNKNOWN_SITE.format(value=site_code))
        name = r.get("column_name")
        key = (site_code, name)
        if site_code and name and key in first_line:
            r.err("column_name", T.DUPLICATE_COLUMN.format(site=site_code, value=name, first=first_line[key]))
        elif site_code and name:
            first_line[key] = r.line
        raw_kind = r.get("kind")
        kind = _choice(raw_kind, ColumnKind, COLUMN_KIND) if raw_kind else None
        if raw_kind and kind is None:
            r.err("kind", T.UNKNOWN_KIND.format(value=raw_kind, allowed=_allowed(COLUMN_KIND)))
        url = r.url("url")
        item_selector = r.get("item_selector") or None
        date_selector = r.get("date_selector") or None
        first_level = r.flag("first_level")
        if kind is None:
            return None
        return ColumnRow(r.line, site_code, name, ColumnKind(kind), url, item_selector, date_selector,
                         first_level, given)

    return _parse(table, COLUMN_FIELDS, build)


def parse_links(table: Table, node_levels: Mapping[str, str], known_sites: Set[str],
                known_hosts: Set[str]) -> tuple[list[LinkRow], list[RowError]]:
    """Typed dependency rows of a mapping file and every problem: an unknown site or host, an unknown kind,
    a row given twice. ``known_sites``/``known_hosts``: the codes and names registered."""
    first_line: dict[tuple[str, str, str], int] = {}

    def build(r: _RowReader, _given: frozenset[str]) -> LinkRow | None:
        site_code, well_formed = r.site_code("site_code", node_levels)
        if well_formed and site_code not in known_sites:
            r.err("site_code", T.UNKNOWN_SITE_LINK.format(value=site_code))
        raw_kind = r.get("kind")
        kind = LINK_KIND.get(raw_kind.lower()) if raw_kind else None
        if raw_kind and kind is None:
            r.err("kind", T.UNKNOWN_LINK_KIND.format(value=_shown(raw_kind)))
        name = r.get("name")
        if kind == "host" and name and name not in known_hosts:
            r.err("name", T.UNKNOWN_HOST.format(value=_shown(name)))
        key = (site_code, kind or "", name)
        if site_code and kind and name and key in first_line:
            r.err("name", T.DUPLICATE_LINK.format(first=first_line[key]))
        elif site_code and kind and name:
            first_line[key] = r.line
        return LinkRow(r.line, site_code, kind, name) if kind is not None else None

    return _parse(table, LINK_FIELDS, build)
