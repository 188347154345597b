"""Pure validation of new-media account import rows: table in, typed rows or every problem out.

Same contract as :mod:`db.registry_rows` (whose row reader it shares): every row is checked, every problem
is a :class:`RowError` naming the line and the column as written, nothing is half-accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from core.i18n import media as M
from core.i18n import registry as T
from core.i18n.common import PLATFORM
from db.models import Platform
from db.registry_rows import Field, RowError, _allowed, _choice, _parse, _RowReader
from db.tabular import Table

ACCOUNT_FIELDS = (
    Field("platform", ("平台", "平台类型"), True, 32),
    Field("account_id", ("账号标识", "账号ID", "账号id", "原始ID", "uid", "open_id"), True, 128),
    Field("name", ("账号名称", "名称"), True, 128),
    Field("node_code", ("行政区划代码", "区划代码", "所属区划"), True, 6),
    Field("organizer", ("主办单位", "开办主体"), False, 128),
    Field("site_code", ("网站标识码", "所属网站"), False, 16),
    Field("url", ("账号地址", "主页地址", "profile_url"), False, 512),
    Field("credential", ("凭据引用", "凭据"), False, 256),
    Field("enabled", ("启用", "是否启用"), False, 16),
)
ACCOUNT_HEADER = tuple(f.name for f in ACCOUNT_FIELDS)  # the columns of an export (and of a federation bundle)
CREDENTIAL_SCHEMES = ("env:", "file:")


@dataclass(frozen=True)
class AccountRow:
    line: int
    platform: Platform
    account_id: str
    name: str
    node_code: str
    organizer: str | None
    site_code: str | None
    url: str | None
    credential: str | None
    enabled: bool
    given: frozenset[str]  # optional fields whose column is in the file; others stay untouched on update


def is_credential_ref(value: str) -> bool:
    """Whether ``value`` is a reference (``env:NAME`` / ``file:PATH``) rather than a secret itself."""
    return value.startswith(CREDENTIAL_SCHEMES) and len(value.split(":", 1)[1].strip()) > 0


def parse_accounts(table: Table, node_levels: Mapping[str, str],
                   known_sites: Set[str]) -> tuple[list[AccountRow], list[RowError]]:
    """Typed account rows and every problem; ``known_sites`` = site codes in the database."""
    first_line: dict[tuple[str, str], int] = {}

    def build(r: _RowReader, given: frozenset[str]) -> AccountRow | None:
        raw_platform = r.get("platform")
        platform = _choice(raw_platform, Platform, PLATFORM) if raw_platform else None
        if raw_platform and platform is None:
            r.err("platform", M.BAD_PLATFORM.format(value=raw_platform, allowed=_allowed(PLATFORM)))
        account_id = r.get("account_id")
        if account_id and any(ch.isspace() for ch in account_id):
            r.err("account_id", M.BAD_ACCOUNT_ID.format(value=account_id))
        elif platform is not None and account_id:
            key = (str(platform), account_id)
            if key in first_line:
                r.err("account_id", M.DUPLICATE_ACCOUNT.format(platform=PLATFORM[str(platform)], value=account_id,
                                                               first=first_line[key]))
            else:
                first_line[key] = r.line
        name = r.get("name")
        node_code = r.get("node_code")
        if node_code and not (len(node_code) == 6 and node_code.isdigit()):
            r.err("node_code", T.BAD_NODE_CODE.format(value=node_code))
        elif node_code and node_code not in node_levels:
            r.err("node_code", T.UNKNOWN_NODE.format(value=node_code))
        organizer = r.get("organizer") or None
        site_code = r.get("site_code") or None
        if site_code and site_code not in known_sites:
            r.err("site_code", T.UNKNOWN_SITE.format(value=site_code))
        url = r.url("url") or None
        credential = r.get("credential") or None
        if credential and not is_credential_ref(credential):
            # Never echo what may be a pasted secret: only its first characters.
            r.err("credential", M.BAD_CREDENTIAL.format(value=credential[:4] + "…"))
        enabled = r.flag("enabled")
        if platform is None:
            return None
        return AccountRow(r.line, Platform(platform), account_id, name, node_code, organizer, site_code, url,
                          credential, enabled, given)

    return _parse(table, ACCOUNT_FIELDS, build)
