"""The audit log's queries and exports (审计日志, /audit): filter, count, one page, every row as CSV/XLSX.

Read-only except :func:`record_export`, which audits an export. Every query is confined to the viewer's
region: a city viewer sees its city's entries only (asking for another region raises
:class:`AuditFilterError`). Dates are days in the display zone; storage stays UTC.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import Session

from core.cli import zone_label
from core.i18n.security import (
    AUDIT_ACTION_GROUPS,
    AUDIT_ACTION_LABELS,
    AUDIT_ACTORS,
    AUDIT_OBJECT_LABELS,
    action_label,
    actor_label,
    object_label,
)
from db.models_security import AuditEntry
from db.tabular import escape_csv_cell
from layouts.frames import AuditRow
from security import audit
from security.scope import PROVINCE_CODE

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000  # rows one export may hold; more is refused (narrow the filter)
GROUP_PREFIX = "group:"
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8",
                  "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FILTER_KEYS = ("actor", "action", "object", "region", "start", "end")


class AuditFilterError(ValueError):
    """A filter value is malformed or outside the viewer's region; the message is Chinese and names it."""


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""  # an action code, "group:<key>" (AUDIT_ACTION_GROUPS), or "" for all
    object: str = ""  # object type (code or Chinese name) or id, substring; "#12" is id 12 exactly
    region: str = ""  # "" all the viewer may see, 430000 the province's own entries, or a city code
    start: date | None = None  # first day (display zone), inclusive
    end: date | None = None  # last day (display zone), inclusive

    def query_string(self) -> str:
        """The filter as URL query arguments (what the export links and a bookmark carry)."""
        values = {k: ("" if v is None else str(v)) for k, v in asdict(self).items()}
        return urlencode({k: v for k, v in values.items() if v})


def _day(value: str, what: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise AuditFilterError(f"{what} {text!r}：格式应为 YYYY-MM-DD，例如 2026-12-06") from None


def parse_filter(values: Mapping[str, Any], viewer_scope: str, region_names: Mapping[str, str]) -> AuditFilter:
    """An :class:`AuditFilter` from query arguments or form values; raises :class:`AuditFilterError`."""
    def get(key: str) -> str:
        v = values.get(key)
        return "" if v is None else str(v).strip()

    action = get("action")
    if action.startswith(GROUP_PREFIX) and action[len(GROUP_PREFIX):] not in AUDIT_ACTION_GROUPS:
        raise AuditFilterError(f"操作 {action!r}：未知的操作类别")
    region = get("region")
    if region and region != PROVINCE_CODE and region not in region_names:
        raise AuditFilterError(f"地区 {region!r}：未知的地区编码")
    if region and viewer_scope != PROVINCE_CODE and region != viewer_scope:
        raise AuditFilterError(f"地区 {region}：无权查看其他地区的审计记录")  # names nothing of that region
    start, end = _day(get("start"), "起始日期"), _day(get("end"), "结束日期")
    if start and end and start > end:
        raise AuditFilterError(f"起始日期 {start} 晚于结束日期 {end}")
    return AuditFilter(actor=get("actor"), action=action, object=get("object"), region=region, start=start,
                       end=end)


def _action_condition(action: str) -> ColumnElement[bool] | None:
    if not action:
        return None
    if action.startswith(GROUP_PREFIX):
        _label, prefixes = AUDIT_ACTION_GROUPS[action[len(GROUP_PREFIX):]]
        return or_(*[or_(AuditEntry.action == p, AuditEntry.action.startswith(f"{p}.", autoescape=True))
                     for p in prefixes])
    # A Chinese name typed in (a bookmark, an old link) means the codes carrying it.
    codes = [c for c, label in AUDIT_ACTION_LABELS.items() if label == action] or [action]
    return AuditEntry.action.in_(codes)


def _object_condition(text: str) -> ColumnElement[bool] | None:
    if text.startswith("#"):  # "#12": that id exactly
        return AuditEntry.object_id == text[1:].strip() if text[1:].strip() else None
    if not text:
        return None
    types = [code for code, label in AUDIT_OBJECT_LABELS.items() if text in label]
    return or_(AuditEntry.object_type.contains(text, autoescape=True),
               AuditEntry.object_id.contains(text, autoescape=True),
               AuditEntry.object_type.in_(types) if types else false())


def _actor_condition(text: str) -> ColumnElement[bool] | None:
    if not text:
        return None
    codes = [code for code, label in AUDIT_ACTORS.items() if label.startswith(text)]
    kiosk = text.removeprefix("大屏").strip()
    return or_(AuditEntry.actor.startswith(text, autoescape=True),
               AuditEntry.actor.in_(codes) if codes else false(),
               AuditEntry.actor.startswith(f"kiosk:{kiosk}", autoescape=True) if text.startswith("大屏") else false())


def conditions(f: AuditFilter, viewer_scope: str, tz: tzinfo) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``f`` for a viewer scoped to ``viewer_scope`` (a city sees only its own)."""
    out: list[ColumnElement[bool]] = []
    if viewer_scope != PROVINCE_CODE:
        out.append(AuditEntry.scope_code == viewer_scope)
    elif f.region:
        out.append(AuditEntry.scope_code == f.region)
    for cond in (_actor_condition(f.actor), _action_condition(f.action), _object_condition(f.object)):
        if cond is not None:
            out.append(cond)
    if f.start:
        out.append(AuditEntry.at >= datetime.combine(f.start, time(), tzinfo=tz).astimezone(UTC))
    if f.end:
        out.append(AuditEntry.at < datetime.combine(f.end + timedelta(days=1), time(), tzinfo=tz).astimezone(UTC))
    return out


def count(session: Session, f: AuditFilter, viewer_scope: str, tz: tzinfo) -> int:
    where = conditions(f, viewer_scope, tz)
    return int(session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0)


def entries(session: Session, f: AuditFilter, viewer_scope: str, tz: tzinfo, *, offset: int = 0,
            limit: int = PAGE_SIZE) -> list[AuditEntry]:
    """Newest first, ``limit`` entries from ``offset``."""
    q = (select(AuditEntry).where(*conditions(f, viewer_scope, tz))
         .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset).limit(limit))
    return list(session.scalars(q))


def pages(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def clamp_page(page: int | None, total: int, size: int = PAGE_SIZE) -> int:
    """``page`` (1-based) kept within 1..pages(total)."""
    return min(max(int(page or 1), 1), pages(total, size))


def _summary(e: AuditEntry) -> str:
    """The entry's summary as stored, except for older entries: the engine now writes "告警 #12（…）", but
    entries written before it named the rule's internal code ("告警 site_down（…）"); those legacy rows are
    shown with the alert's number instead."""
    text = e.summary or ""
    if e.object_type == "alert" and text.startswith("告警 ") and "（" in text:
        name = text[3:text.index("（")]
        if name and name.isascii() and " " not in name:
            return f"告警 #{e.object_id}{text[text.index('（'):]}"
    return text


def rows(found: Sequence[AuditEntry], tz: tzinfo, region_names: Mapping[str, str]) -> list[AuditRow]:
    """Entries as people read them (times in ``tz``)."""
    out = []
    for e in found:
        at = e.at if e.at.tzinfo is not None else e.at.replace(tzinfo=UTC)
        region = "" if e.scope_code is None else region_names.get(e.scope_code, e.scope_code)
        out.append(AuditRow(id=e.id, at=at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                            actor=actor_label(e.actor), action=action_label(e.action), action_code=e.action,
                            object_type=object_label(e.object_type), object_id=str(e.object_id), region=region,
                            remote_addr=e.remote_addr or "", summary=_summary(e)))
    return out


def region_names(cities: Mapping[str, str]) -> dict[str, str]:
    """Scope code → name for the region column and filter: 省本级 and the cities."""
    return {PROVINCE_CODE: "省本级", **cities}


# --- exports ---

def export_header(tz: tzinfo) -> list[str]:
    return [f"时间（{zone_label(tz)}）", "操作人", "操作", "对象类型", "对象编号", "地区", "来源地址", "说明"]


def _export_cells(r: AuditRow) -> list[str]:
    return [r.at, r.actor, r.action, r.object_type, r.object_id, r.region, r.remote_addr, r.summary]


def _xlsx_text(value: str) -> str:
    """An audit entry may quote anything a person typed: a control character an XLSX cannot hold is
    shown as U+FFFD instead of failing the whole export (the CSV export keeps it exactly)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def to_csv(found: Sequence[AuditRow], tz: tzinfo) -> bytes:
    """UTF-8 with a BOM (so Excel opens the Chinese right), CRLF line ends, formula triggers escaped
    (``db.tabular.escape_csv_cell``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(export_header(tz))
    w.writerows([escape_csv_cell(c) for c in _export_cells(r)] for r in found)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(found: Sequence[AuditRow], tz: tzinfo) -> bytes:
    """One sheet 审计日志, header row frozen, every cell text (never a formula, whatever it starts with)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = "审计日志"
    ws.append(export_header(tz))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in found:
        ws.append([_xlsx_text(c) for c in _export_cells(r)])
        for cell in ws[ws.max_row]:
            cell.data_type = "s"  # openpyxl stores a value starting with "=" as a formula otherwise
    for col, width in zip("ABCDEFGH", (20, 16, 24, 12, 12, 10, 16, 60), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def describe(f: AuditFilter, names: Mapping[str, str]) -> str:
    """The filter in Chinese for the export's own audit entry (无筛选 when empty)."""
    parts = []
    if f.actor:
        parts.append(f"操作人 {f.actor}")
    if f.action:
        group = f.action[len(GROUP_PREFIX):] if f.action.startswith(GROUP_PREFIX) else None
        parts.append(f"操作 {AUDIT_ACTION_GROUPS[group][0] if group else action_label(f.action)}")
    if f.object:
        parts.append(f"对象 {f.object}")
    if f.region:
        parts.append(f"地区 {names.get(f.region, f.region)}")
    if f.start or f.end:
        parts.append(f"日期 {f.start or '…'} 至 {f.end or '…'}")
    return "，".join(parts) or "无筛选"


def record_export(session: Session, *, actor: str, scope_code: str, remote_addr: str | None, fmt: str,
                  n: int, f: AuditFilter, names: Mapping[str, str], now: datetime) -> None:
    """Audit an export (who, how many rows, which filter) in the caller's transaction."""
    audit.record(session, actor, "audit.export", "audit", fmt, at=now, scope_code=scope_code,
                 remote_addr=remote_addr, summary=f"导出审计日志 {n} 条（{fmt.upper()}）；筛选：{describe(f, names)}",
                 detail={"format": fmt, "rows": n, "filter": {k: str(v) for k, v in asdict(f).items() if v}})


__all__ = ["EXPORT_FORMATS", "EXPORT_LIMIT", "FILTER_KEYS", "GROUP_PREFIX", "PAGE_SIZE", "AuditFilter",
           "AuditFilterError", "AuditRow", "clamp_page", "conditions", "count", "describe", "entries",
           "export_header", "pages", "parse_filter", "record_export", "region_names", "rows", "to_csv", "to_xlsx"]
