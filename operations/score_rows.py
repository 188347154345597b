"""A period's stored results as report rows: the one place that turns a score snapshot into what the 运营中心
wall ranks, what its score sheet heads with and what the 检查情况通报 (``score export``, the wall's download)
lists, so the three can never disagree on a site's score, grade, city or order.

- :func:`snapshot_row` — one :class:`~operations.score_store.SnapshotView` as a :class:`reports.model.SiteRow`
  (a result the table refused: 无法判定 with its why; a vetoed site: 不合格 with no score);
- :func:`period_rows` — the current rows of a period in the actor's scope, in the bulletin's order;
- :func:`bulletin_bytes` — that period's 检查情况通报 as an .xlsx file's bytes (``None``: no snapshot at all);
  :func:`export_bulletin` — the same, audited, for a download from the wall.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n.common import SITE_LEVEL
from core.i18n.reports import PROVINCE_LEVEL
from core.i18n.scoring import GRADE
from core.region import PROVINCE_CODE
from db.models import Node
from operations import score_store
from operations.access import Actor
from operations.periods import Period
from reports.model import SiteIdentity, SiteRow, site_row, sort_rows
from security import audit


def city_label(city_code: str, city_names: Mapping[str, str]) -> str:
    """The city column of a site: 省本级 for the province's own sites, else the city's name (its code when
    unknown)."""
    return PROVINCE_LEVEL if city_code == PROVINCE_CODE else city_names.get(city_code, city_code)


def identity(v: score_store.SnapshotView, city_names: Mapping[str, str]) -> SiteIdentity:
    return SiteIdentity(v.site_code, v.site_name, SITE_LEVEL.get(v.level, v.level), city_label(v.city_code,
                                                                                               city_names),
                        v.city_code)


def snapshot_row(v: score_store.SnapshotView, city_names: Mapping[str, str]) -> SiteRow:
    """A snapshot as a report row; a result the table refused (no score) is 无法判定 with its why."""
    ident = identity(v, city_names)
    if "refused" in v.result:
        return SiteRow(ident.code, ident.name, ident.type_label, ident.city, ident.city_code, None,
                       GRADE["undetermined"], None, (), tuple(v.result["refused"]), v.indicator_version)
    return site_row(ident, v.result)


def city_names(session: Session) -> dict[str, str]:
    """Division code → name, every node."""
    return {n.code: n.name for n in session.scalars(select(Node))}


def period_rows(session: Session, actor: Actor, period: Period, *, region: str | None = None,
                site_code: str | None = None) -> list[SiteRow]:
    """The current snapshot of every site of the actor's scope (narrowed to ``region`` / ``site_code``) for
    ``period`` as report rows, in the bulletin's order (reports.model.sort_rows)."""
    names = city_names(session)
    views = score_store.snapshots(session, actor, period=period.code, site_code=site_code, region=region)
    return sort_rows(snapshot_row(v, names) for v in views)


def bulletin_bytes(session: Session, actor: Actor, period: Period, *,
                   region: str | None = None) -> tuple[bytes, int] | None:
    """The 检查情况通报 of ``period`` for the actor's scope as (.xlsx bytes, number of sites), written by the
    same code as ``score export --out 通报.xlsx`` (reports.excel.save_bulletin over :func:`period_rows`);
    None when the scope has no snapshot for the period."""
    from reports.excel import save_bulletin

    rows = period_rows(session, actor, period, region=region)
    if not rows:
        return None
    with tempfile.TemporaryDirectory(prefix="govops-bulletin-") as tmp:
        path = Path(tmp) / "bulletin.xlsx"
        save_bulletin(path, period.label, rows)
        return path.read_bytes(), len(rows)


def export_bulletin(session: Session, actor: Actor, period: Period, now: datetime) -> tuple[bytes, int] | None:
    """:func:`bulletin_bytes` for a person downloading it from a screen: the download is audited
    (``score.export``, committed); nothing is written when there is nothing to export."""
    out = bulletin_bytes(session, actor, period)
    if out is None:
        return None
    audit.record(session, actor.username, "score.export", "score_bulletin", f"{actor.scope_code}/{period.code}",
                 at=now, scope_code=actor.scope_code, remote_addr=actor.remote_addr,
                 summary=f"导出 {period.code} 检查情况通报（{out[1]} 个网站）")
    session.commit()
    return out
