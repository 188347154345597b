"""The /verify notice list's alert column (dashboard/verify_data.notice_alerts): an overdue notice's own open
alert, by state and severity; a resolved one or a city's mirrored alert (another node's notice ids) is not shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from alerts.engine import AlertEngine
from alerts.rules import load_rule_files
from dashboard import verify_data as vd
from db.models_alerts import Alert
from operations import notice_store as ns
from tests.operations.world import FURONG, PROVINCE, T0, finding, seed
from tsdb.sqlite_store import SQLiteMetricStore

RULE_FILE = Path(__file__).resolve().parents[2] / "data" / "alerts" / "rules" / "rectification.yaml"
LATE = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)


def test_an_overdue_notice_shows_its_alert(migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        f = finding(s, ids["4301020001"], "http://127.0.0.1:2/a")
        s.commit()
        n = ns.create_notice(s, PROVINCE, T0, "4301020001", [f.id], date(2026, 11, 20))
        ns.issue_notice(s, PROVINCE, T0, n.id)
        notice_id, finding_id = n.id, f.id
    engine = AlertEngine(factory, SQLiteMetricStore(tmp_path / "m.db"), load_rule_files([RULE_FILE]))
    engine.evaluate(LATE)
    with factory() as s:
        assert vd.notice_alerts(s, [notice_id, 999]) == {notice_id: "告警中·严重"}
        assert vd.notice_alerts(s, []) == {}
        s.execute(update(Alert).values(origin_node="430100"))  # as if mirrored from a city node
        assert vd.notice_alerts(s, [notice_id]) == {}
        s.rollback()
        ns.answer_problem(s, FURONG, LATE, notice_id, finding_id, "已整改")
    engine.evaluate(LATE + timedelta(hours=1))
    with factory() as s:
        assert vd.notice_alerts(s, [notice_id]) == {}
