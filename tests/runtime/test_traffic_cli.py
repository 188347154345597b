"""``app.py traffic``: the progress line, refusals in Chinese, and the year table saying how many days it has."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.cli import CliError
from db.session import transaction
from runtime.cli import COMMANDS, build_parser
from runtime.traffic_cli import ProgressLine, ingest, show
from tests.collectors.support import seed_registry

UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, factory = migrated_db
    with transaction(factory) as s:
        seed_registry(s, {"P1": "https://www.hunan.gov.cn/"})
    yield factory


def test_progress_line_every_interval_with_rate_and_bytes() -> None:
    t = [100.0]
    err = io.StringIO()
    p = ProgressLine(4 << 20, err, clock=lambda: t[0], every_s=2.0)
    t[0] = 101.0
    p(1 << 20, 50_000)
    assert err.getvalue() == ""
    t[0] = 102.0
    p(2 << 20, 100_000)
    assert err.getvalue() == "已读 2.0 MB/4.0 MB（50%），100000 行，50000 行/秒\n"


def test_registered_and_refusals(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    assert "traffic" in COMMANDS
    args = build_parser().parse_args(["traffic", "ingest", "a.log", "--site", "P1", "--format", "common"])
    assert (args.traffic_cmd, args.paths, args.site, args.format) == ("ingest", ["a.log"], "P1", "common")
    with pytest.raises(CliError, match="文件不存在"):
        ingest(sessions, [tmp_path / "absent.log"], out=io.StringIO(), err=io.StringIO())
    (tmp_path / "a.log").write_text("")
    with pytest.raises(CliError, match="X9 未登记"):
        ingest(sessions, [tmp_path / "a.log"], site="X9", out=io.StringIO(), err=io.StringIO())
    with pytest.raises(CliError, match="X9 未登记"):
        show(sessions, "X9", 2026, out=io.StringIO())
    (tmp_path / "b.log").write_text(f'1.1.1.1 - - [07/Dec/2026:10:00:00 +0800] "GET / HTTP/1.1" 200 1 "-" "{UA}"\n')
    err = io.StringIO()
    assert ingest(sessions, [tmp_path / "b.log"], out=io.StringIO(), err=err) == 1  # no site for it
    assert "--site" in err.getvalue()


def test_show_a_year_with_the_days_it_has(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    out = io.StringIO()
    show(sessions, "P1", 2026, out=out)
    assert "没有访问日志数据" in out.getvalue()
    log = tmp_path / "access.log"
    log.write_text("".join(f'10.0.0.{i} - - [{d:02d}/{m}/2026:10:00:00 +0800] "GET / HTTP/1.1" 200 1 "-" "{UA}"\n'
                           for d, m in ((1, "Jan"), (2, "Jan"), (3, "Mar")) for i in range(1, 4)))
    assert ingest(sessions, [log], site="P1", out=io.StringIO(), err=io.StringIO()) == 0
    out = io.StringIO()
    show(sessions, "P1", 2026, out=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "测试网站P1（P1）2026 年访问量（独立访客：按日去重后逐日相加）"
    assert "1 月\t2/31\t6\t6\t0\t0" in lines
    assert "2 月\t0/28\t0\t0\t0\t0" in lines
    assert "全年\t3/365\t9\t9\t0\t0" in lines
    assert lines[-1] == "注意：全年仅 3/365 天有日志数据，以上为这些天的合计"
    out = io.StringIO()
    show(sessions, "P1", 2026, "distinct", out=out)
    assert "全年\t3/365\t9\t3\t0\t0" in out.getvalue().splitlines()
