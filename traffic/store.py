"""Traffic in the database: merging a file's tallies into the daily rows, and the ingestion ledger.

The caller holds one transaction per file: the day rows, the visitor keys and the ledger row change together
or not at all (traffic/ingest.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import urlsplit

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Site
from db.models_traffic import SiteTrafficDaily, SiteTrafficVisitors, TrafficIngestLedger
from traffic.aggregate import DayTally

KEY_DTYPE = np.dtype("<u8")


def site_hosts(s: Session) -> dict[str, str]:
    """host name → site code of every registered site (from its URL); ``www.`` and the bare name both."""
    hosts: dict[str, str] = {}
    for code, url in s.execute(select(Site.code, Site.url)):
        host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
        if host:
            hosts[host] = code
            alias = host[4:] if host.startswith("www.") else f"www.{host}"
            hosts.setdefault(alias, code)
    return hosts


def site_ids(s: Session, codes: set[str]) -> dict[str, int]:
    return {code: sid for sid, code in s.execute(select(Site.id, Site.code).where(Site.code.in_(codes)))}


def keys_array(keys: set[int]) -> np.ndarray:
    return np.unique(np.fromiter(keys, dtype=KEY_DTYPE, count=len(keys)))


def merge_days(s: Session, days: Mapping[tuple[str, date], DayTally]) -> None:
    """Add a file's tallies to the stored days: counts add up, visitors are united (never counted twice)."""
    ids = site_ids(s, {code for code, _ in days})
    for (code, day), tally in sorted(days.items()):
        sid = ids[code]
        row = s.scalars(select(SiteTrafficDaily).where(SiteTrafficDaily.site_id == sid,
                                                       SiteTrafficDaily.day == day)).one_or_none()
        if row is None:
            row = SiteTrafficDaily(site_id=sid, day=day, pv=0, uv=0, bot_hits=0, bad_lines=0)
            s.add(row)
        row.pv += tally.pv
        row.bot_hits += tally.bot_hits
        row.bad_lines += tally.bad_lines
        if not tally.visitors:
            continue
        vis = s.scalars(select(SiteTrafficVisitors).where(SiteTrafficVisitors.site_id == sid,
                                                          SiteTrafficVisitors.day == day)).one_or_none()
        new = keys_array(tally.visitors)
        if vis is None:
            s.add(SiteTrafficVisitors(site_id=sid, day=day, keys=new.tobytes()))
            row.uv = len(new)
        else:
            united = np.union1d(np.frombuffer(vis.keys, dtype=KEY_DTYPE), new)
            vis.keys = united.tobytes()
            row.uv = len(united)
    s.flush()


def ledger_candidates(s: Session, first_line_sha256: str) -> list[TrafficIngestLedger]:
    """Ledger rows of files that began with the same line, the longest read first."""
    return list(s.scalars(select(TrafficIngestLedger)
                          .where(TrafficIngestLedger.first_line_sha256 == first_line_sha256)
                          .order_by(TrafficIngestLedger.offset.desc())))
