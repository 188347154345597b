"""``score run`` persisted on SQLite and PostgreSQL: an open period's snapshot replaced on each run, the first
run after close freezing it, later runs refused, ``--rescore`` adding a revision with history kept; dismissed
findings and manual entries in the stored result; the region scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.severity import Severity
from db.models import CheckRun, Finding, RunStatus
from db.models_operations import ScoreSnapshot
from inspection.findings import fingerprint
from inspection.indicators import DEFAULT_FILE, load_indicators
from inspection.rules import load_rules
from newmedia.rules import MediaRules
from operations import score_store as ss
from operations import verify_store as vs
from operations.errors import VerifyError
from operations.periods import parse
from tests.operations.world import CHANGSHA, PROVINCE, seed

Factory = sessionmaker[Session]
TABLE = load_indicators()
RULES = load_rules(DEFAULT_FILE.parent / "rules.toml").veto
Q4 = parse("2026Q4")
OPEN_NOW = datetime(2026, 12, 7, 4, tzinfo=UTC)
CLOSED_NOW = datetime(2027, 1, 3, 4, tzinfo=UTC)


def _finding(s: Session, site_id: int, check: str, kind: str, at: datetime) -> Finding:
    f = Finding(site_id=site_id, check=check, kind=kind, location=f"http://127.0.0.1:1/{kind}",
                fingerprint=fingerprint(check, kind, kind), severity=Severity.MEDIUM, detail="问题", evidence={},
                veto=False, first_seen=at, last_seen=at, reopen_count=0)
    s.add(f)
    s.flush()
    return f


def _run(s: Session, now: datetime, **kw: object) -> ss.RunSummary:
    return ss.run_period(s, PROVINCE, Q4, now, TABLE, RULES, MediaRules(), **kw)  # type: ignore[arg-type]


def _rows(s: Session, code_id: int) -> list[tuple[int, bool, float | None]]:
    rows = s.scalars(select(ScoreSnapshot).where(ScoreSnapshot.site_id == code_id).order_by(ScoreSnapshot.revision))
    return [(r.revision, r.frozen, r.result.get("score")) for r in rows]


def test_snapshot_lifecycle(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        cs = ids["4301000001"]
        t = datetime(2026, 11, 1, tzinfo=UTC)
        search = _finding(s, cs, "site_functions", "search_missing", t)
        ipv6 = _finding(s, cs, "site_functions", "ipv6_missing", t)
        for sid in ids.values():
            for check in ("site_functions", "availability", "homepage_update", "column_freshness", "content_errors",
                          "defacement", "page_tampering", "interaction", "service_guides"):
                s.add(CheckRun(site_id=sid, check=check, as_of=t, started_at=t, finished_at=t, status=RunStatus.OK,
                               findings=0))
        s.commit()
        first = _run(s, OPEN_NOW)
        assert (first.sites, first.closed, str(first.as_of)) == (3, False, "2026-12-07")
        assert _rows(s, cs) == [(1, False, 94.0)]  # 100 − 4 (search) − 2 (IPv6)
        snap = s.scalar(select(ScoreSnapshot).where(ScoreSnapshot.site_id == cs))
        assert snap is not None and snap.indicator_version == TABLE.version
        lines = {ln["rule"]: ln["source"] for i in snap.result["indicators"] for ln in i["lines"]}
        assert lines == {"search_missing": f"finding:{search.id}", "ipv6_missing": f"finding:{ipv6.id}"}

        # open period: an inspector dismisses one finding and adds an entry; the run replaces revision 1
        vs.decide(s, search.id, CHANGSHA, OPEN_NOW, "dismissed", "false_positive")
        entry = vs.add_entry(s, CHANGSHA, OPEN_NOW, "4301000001", "2026Q4", "deduction", "news", 1.5, "要闻错字")
        _run(s, OPEN_NOW + timedelta(days=1))
        assert _rows(s, cs) == [(1, False, 96.5)]
        snap = s.scalar(select(ScoreSnapshot).where(ScoreSnapshot.site_id == cs))
        assert snap is not None and snap.sources["dismissed"] == [search.id]
        assert {ln["source"] for i in snap.result["indicators"] for ln in i["lines"]} == {f"finding:{ipv6.id}",
                                                                                          f"entry:{entry.id}"}
        # closed: the first run freezes, later runs are refused, --rescore adds a revision
        closed = _run(s, CLOSED_NOW)
        assert closed.closed and str(closed.as_of) == "2026-12-31"
        assert _rows(s, cs) == [(1, True, 96.5)]
        s.add(Finding(site_id=cs, check="site_functions", kind="correction_missing", location="x",
                      fingerprint="f" * 40, severity=Severity.LOW, detail="无纠错", evidence={}, veto=False,
                      first_seen=t, last_seen=t, reopen_count=0))
        s.commit()
        with pytest.raises(VerifyError, match="已冻结"):
            _run(s, CLOSED_NOW + timedelta(days=1))
        assert _rows(s, cs) == [(1, True, 96.5)]  # nothing written by the refused run
        _run(s, CLOSED_NOW + timedelta(days=1), rescore=True)
        assert _rows(s, cs) == [(1, True, 96.5), (2, True, 94.5)]
        history = ss.snapshots(s, PROVINCE, site_code="4301000001", history=True)
        assert [(v.revision, v.current) for v in history] == [(1, False), (2, True)]
        assert [v.revision for v in ss.snapshots(s, PROVINCE, period="2026Q4")] == [2, 2, 2]  # every site re-scored


def test_region_scope_and_refusals(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        seed(s)
        s.commit()
        summary = ss.run_period(s, CHANGSHA, Q4, OPEN_NOW, TABLE, RULES, MediaRules())
        assert summary.sites == 2 and summary.undetermined == 2  # no check has run: not judged
        assert s.scalar(select(func.count()).select_from(ScoreSnapshot)) == 2
        assert [v.site_code for v in ss.snapshots(s, CHANGSHA, period="2026Q4")] == ["4301000001", "4301020001"]
        with pytest.raises(VerifyError, match="尚未开始"):
            ss.run_period(s, PROVINCE, parse("2027Q2"), OPEN_NOW, TABLE, RULES, MediaRules())
        with pytest.raises(VerifyError, match="没有这个网站"):
            ss.run_period(s, CHANGSHA, Q4, OPEN_NOW, TABLE, RULES, MediaRules(), site_code="4302000001")


def test_an_entry_the_table_refuses_leaves_that_site_unscored(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        s.commit()
        vs.add_entry(s, CHANGSHA, OPEN_NOW, "4301000001", "2026Q4", "deduction", "4.2", 1, "按旧编码录入")
        summary = _run(s, OPEN_NOW)
        assert summary.sites == 3 and len(summary.refused) == 1 and "4301000001" in summary.refused[0]
        assert "没有这个扣分指标 '4.2'" in summary.refused[0]
        assert _rows(s, ids["4301000001"]) == [(1, False, None)]
        assert _rows(s, ids["4302000001"])[0][2] == 100
