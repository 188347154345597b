"""The database gatherers: the identity check's latest facts as kept with its runs, traffic coverage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from annual import gather
from annual.template import load_template
from db.models import RunStatus, Site
from db.session import transaction
from inspection.findings import record_run
from tests.collectors.support import seed_registry


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, factory = migrated_db
    with transaction(factory) as s:
        seed_registry(s, {"X1": "https://x1.example.gov.cn/"})
    yield factory


def test_identity_reads_the_newest_successful_run_with_facts(sessions: sessionmaker[Session]) -> None:
    t = load_template()
    with transaction(sessions) as s:
        x1 = s.scalars(select(Site).where(Site.code == "X1")).one()
        got = gather.identity_figures(s, x1.id, t.sources)
        assert got["identity.icp"].value is None and "尚未成功运行过" in got["identity.icp"].note
        for day, status, facts in ((1, RunStatus.OK, {"icp": "湘ICP备1号", "psb": "", "found_in": "footer"}),
                                   (2, RunStatus.OK, {"icp": "湘ICP备2号", "psb": "", "found_in": "page"}),
                                   (3, RunStatus.ERROR, None), (4, RunStatus.OK, None)):
            at = datetime(2026, 12, day, tzinfo=UTC)
            record_run(s, x1.id, "identity", as_of=at, started_at=at, finished_at=at, status=status, facts=facts)
        got = gather.identity_figures(s, x1.id, t.sources)
        assert got["identity.icp"].value == "湘ICP备2号"
        assert got["identity.icp"].note == "网站标识检查 2026-12-02 在页面正文读到"
        assert got["identity.psb"].value is None
        assert got["identity.psb"].note == "网站标识检查 2026-12-02 未在页面上读到公安机关备案号"
        tr = gather.traffic_figures(s, x1.id, 2026, t.sources)
        assert tr["traffic.pv"].value is None
        assert tr["traffic.pv"].note == "2026 年没有导入任何访问日志（traffic ingest）"
