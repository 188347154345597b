"""Web traffic of the sites from their access logs (traffic/, docs/traffic.md).

- :class:`SiteTrafficDaily`: per site and day (the date as written in the log), page views, unique visitors,
  bot hits and bad lines;
- :class:`SiteTrafficVisitors`: the day's visitor keys (sorted little-endian uint64, 8 bytes a visitor), so a
  day spread over several files or runs is counted once per visitor, and a month or year can be counted
  distinct too;
- :class:`TrafficIngestLedger`: every file ingested, identified by the hash of its first line, of its first
  4 KiB and of all it had read (``offset`` bytes of its uncompressed text), so the same file, or the same file
  rotated, renamed, grown or gzipped, never counts a line twice.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, utcnow
from db.types import UTCDateTime


class SiteTrafficDaily(Base):
    __tablename__ = "site_traffic_daily"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    pv: Mapped[int] = mapped_column(BigInteger, default=0)
    uv: Mapped[int] = mapped_column(BigInteger, default=0)
    bot_hits: Mapped[int] = mapped_column(BigInteger, default=0)
    bad_lines: Mapped[int] = mapped_column(BigInteger, default=0)


class SiteTrafficVisitors(Base):
    __tablename__ = "site_traffic_visitors"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    keys: Mapped[bytes] = mapped_column(LargeBinary)


class TrafficIngestLedger(Base):
    __tablename__ = "traffic_ingest_ledger"
    # two files never share a first line and first 4 KiB (traffic/ingest.py refuses such a copy): the
    # constraint stops two concurrent first ingests of one file
    __table_args__ = (UniqueConstraint("first_line_sha256", "head_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_line_sha256: Mapped[str] = mapped_column(String(64))
    prefix_sha256: Mapped[str] = mapped_column(String(64))  # of the first ``offset`` bytes
    head_sha256: Mapped[str] = mapped_column(String(64))  # of the first min(offset, 4 KiB) bytes
    offset: Mapped[int] = mapped_column(BigInteger)  # uncompressed bytes read, up to the last whole line
    lines: Mapped[int] = mapped_column(BigInteger)
    bad_lines: Mapped[int] = mapped_column(BigInteger)
    unattributed: Mapped[int] = mapped_column(BigInteger)  # lines of a host that is no site of ours
    path: Mapped[str] = mapped_column(String(1024))  # as last ingested (the file may be renamed since)
    inode: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(BigInteger)  # on disk (compressed for .gz) when last ingested
    site_code: Mapped[str | None] = mapped_column(String(16))  # --site, when it was given
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
