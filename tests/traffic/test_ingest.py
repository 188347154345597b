"""Ingesting log files: rotation and gzip never count twice, a day's visitors stay distinct across files,
a broken file writes nothing, sites are found by --site, file name or virtual host."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models_traffic import SiteTrafficDaily, TrafficIngestLedger
from db.session import transaction
from tests.collectors.support import seed_registry
from traffic.ingest import Ingestor, UnknownSite
from traffic.logfiles import log_files

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
D1, D2 = date(2026, 12, 7), date(2026, 12, 8)


def line(ip: str = "10.0.0.1", day: int = 7, path: str = "/", status: int = 200, ua: str = BROWSER,
         vhost: str = "") -> str:
    return (f'{vhost + " " if vhost else ""}{ip} - - [{day:02d}/Dec/2026:10:00:00 +0800] "GET {path} HTTP/1.1" '
            f'{status} 100 "-" "{ua}"\n')


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, factory = migrated_db
    with transaction(factory) as s:
        seed_registry(s, {"P1": "https://www.hunan.gov.cn/", "C1": "http://changsha.gov.cn"})
    yield factory


def days(sessions: sessionmaker[Session], code: str = "P1") -> dict[date, tuple[int, int, int, int]]:
    from db.models import Site

    with sessions() as s:
        sid = s.scalars(select(Site.id).where(Site.code == code)).one()
        return {r.day: (r.pv, r.uv, r.bot_hits, r.bad_lines)
                for r in s.scalars(select(SiteTrafficDaily).where(SiteTrafficDaily.site_id == sid))}


def test_rotation_growth_and_gzip_never_count_twice(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(line() + line("10.0.0.2") + "not a log line\n" + line(ua="Baiduspider") + line(path="/a.css"))
    ing = Ingestor(sessions, site_code="P1")
    first = ing.ingest_file(log)
    assert (first.state, first.lines, first.pv, first.bot_hits, first.bad_lines) == ("done", 5, 2, 1, 1)
    assert any(f"{log}:3:" in m for m in first.messages)
    assert days(sessions) == {D1: (2, 2, 1, 1)}
    assert Ingestor(sessions, site_code="P1").ingest_file(log).state == "unchanged"
    # nginx appends: one more visitor of day 1, a returning one, day 2, and a line still being written
    with log.open("a") as fh:
        fh.write(line("10.0.0.3") + line("10.0.0.1") + line(day=8) + line("10.0.0.9")[:30])
    second = Ingestor(sessions, site_code="P1").ingest_file(log)
    assert (second.state, second.lines, second.pv) == ("done", 3, 3)
    assert days(sessions) == {D1: (4, 3, 1, 1), D2: (1, 1, 0, 0)}
    # the line is finished, then logrotate renames and compresses; nginx starts a new file
    with log.open("a") as fh:
        fh.write(line("10.0.0.9")[30:])
    rotated = tmp_path / "access.log.1.gz"
    with gzip.open(rotated, "wb") as gz:
        gz.write(log.read_bytes())
    log.unlink()
    log.write_text(line("10.0.0.1", day=8) + line("10.0.0.7", day=8))
    assert log_files([tmp_path]) == [rotated, log]
    outcomes = Ingestor(sessions, site_code="P1").ingest(log_files([tmp_path]))
    assert [(o.state, o.lines) for o in outcomes] == [("done", 1), ("done", 2)]
    assert "从其后继续" in outcomes[0].messages[0]
    assert days(sessions) == {D1: (5, 4, 1, 1), D2: (3, 2, 0, 0)}  # 10.0.0.1 once on day 2 in two files
    again = Ingestor(sessions, site_code="P1").ingest(log_files([tmp_path]))
    assert [o.state for o in again] == ["unchanged", "unchanged"]
    assert days(sessions) == {D1: (5, 4, 1, 1), D2: (3, 2, 0, 0)}
    with sessions() as s:
        assert s.scalar(select(TrafficIngestLedger.offset).where(TrafficIngestLedger.path == str(rotated))) == \
            len(gzip.decompress(rotated.read_bytes()))


def test_a_broken_gzip_writes_nothing_and_a_truncated_copy_is_refused(sessions: sessionmaker[Session],
                                                                      tmp_path: Path) -> None:
    body = "".join(line(f"10.0.{i // 250}.{i % 250}") for i in range(2000)).encode()
    broken = tmp_path / "access.log.2.gz"
    broken.write_bytes(gzip.compress(body)[:-200])
    out = Ingestor(sessions, site_code="P1").ingest_file(broken)
    assert out.state == "failed" and "未计入任何数据" in out.messages[0]
    assert days(sessions) == {}
    with sessions() as s:
        assert s.scalars(select(TrafficIngestLedger)).all() == []
    whole = tmp_path / "access.log"
    whole.write_bytes(body)
    assert Ingestor(sessions, site_code="P1").ingest_file(whole).pv == 2000
    copy = tmp_path / "copy.log"
    copy.write_bytes(body[: len(body) // 2])
    refused = Ingestor(sessions, site_code="P1").ingest_file(copy)
    assert refused.state == "failed" and "截断" in refused.messages[0]
    assert days(sessions) == {D1: (2000, 2000, 0, 0)}


def test_sites_by_file_name_and_by_virtual_host(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    named = tmp_path / "changsha.gov.cn.access.log"
    named.write_text(line() + line("10.0.0.2"))
    assert Ingestor(sessions).ingest_file(named).pv == 2
    assert days(sessions, "C1") == {D1: (2, 2, 0, 0)}
    anon = tmp_path / "other.log"
    anon.write_text(line())
    out = Ingestor(sessions).ingest_file(anon)
    assert out.state == "failed" and "--site" in out.messages[0]
    vhosts = tmp_path / "vhosts.log"
    vhosts.write_text(line(vhost="hunan.gov.cn:443") + line("10.0.0.5", vhost="www.hunan.gov.cn:80")
                      + line(vhost="www.changsha.gov.cn:443") + line(vhost="evil.example:80") + line())
    out = Ingestor(sessions, fmt="vhost_combined").ingest_file(vhosts)
    assert (out.pv, out.unattributed, out.bad_lines) == (3, 1, 1)
    assert days(sessions) == {D1: (2, 2, 0, 0)}
    # 10.0.0.1 was already a visitor of day 1; the bad line goes where the last attributed line went
    assert days(sessions, "C1") == {D1: (3, 2, 0, 1)}


def test_unknown_site_and_empty_file(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with pytest.raises(UnknownSite, match="X9"):
        Ingestor(sessions, site_code="X9")
    empty = tmp_path / "access.log"
    empty.write_text("")
    assert Ingestor(sessions, site_code="P1").ingest_file(empty).state == "empty"
    partial = tmp_path / "partial.log"
    partial.write_text(line()[:-1])  # no newline yet: nginx may still be writing it
    assert Ingestor(sessions, site_code="P1").ingest_file(partial).state == "empty"
    os.utime(partial)
    assert days(sessions) == {}


def test_another_file_that_only_starts_with_the_same_line_is_its_own(sessions: sessionmaker[Session],
                                                                       tmp_path: Path) -> None:
    # a monitor asks for / at the same second on two sites' servers: both logs start with the same line
    probe = line("10.9.9.9", ua="Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0")
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text(probe + "".join(line(f"10.0.1.{i}") for i in range(60)))
    b.write_text(probe + line("10.0.2.1"))
    assert Ingestor(sessions, site_code="P1").ingest_file(a).pv == 61
    assert Ingestor(sessions, site_code="C1").ingest_file(b).pv == 2
    assert [o.state for o in Ingestor(sessions, site_code="P1").ingest([a, b])] == ["unchanged", "unchanged"]
    assert days(sessions) == {D1: (61, 61, 0, 0)}
    assert days(sessions, "C1") == {D1: (2, 2, 0, 0)}


def test_binary_junk_is_bad_lines_in_bounded_pieces(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    junk = tmp_path / "junk.log"
    junk.write_bytes(line().encode() + os.urandom(300_000).replace(b"\n", b"x") + b"\n" + line("10.0.0.2").encode())
    out = Ingestor(sessions, site_code="P1").ingest_file(junk)
    assert (out.state, out.pv) == ("done", 2)
    assert out.bad_lines == 5  # 300,001 bytes in pieces of 64 KiB
    assert Ingestor(sessions, site_code="P1").ingest_file(junk).state == "unchanged"


class _Racing(Ingestor):
    """An ingest that another process overtakes: while it reads, a second ingest of the same file finishes."""

    def _read_lines(self, *args: Any, **kw: Any) -> None:
        super()._read_lines(*args, **kw)
        assert Ingestor(self.sessions, site_code="P1").ingest_file(args[0]).state == "done"


def test_two_concurrent_ingests_of_one_file_count_it_once(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(line() + line("10.0.0.2"))
    first = _Racing(sessions, site_code="P1").ingest_file(log)  # both new: the ledger's unique identity
    assert first.state == "failed" and "另一个导入进程" in first.messages[0]
    assert days(sessions) == {D1: (2, 2, 0, 0)}
    with log.open("a") as fh:
        fh.write(line("10.0.0.3"))
    second = _Racing(sessions, site_code="P1").ingest_file(log)  # both resume: the row's offset moved
    assert second.state == "failed" and "另一个导入进程" in second.messages[-1]
    assert days(sessions) == {D1: (3, 3, 0, 0)}
