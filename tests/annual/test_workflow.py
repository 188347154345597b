"""The report's state machine on SQLite and PostgreSQL: guarded, versioned and audited moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from annual.fill import Figure
from annual.template import Template, load_template
from annual.workflow import TransitionError, allowed_actions, fill_report, find, move, set_field
from db.models import Site
from db.models_annual import AnnualReport, ReportState
from db.models_security import AuditEntry
from db.session import transaction
from tests.collectors.support import seed_registry

NOW = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def sessions(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, factory = migrated_db
    with transaction(factory) as s:
        seed_registry(s, {"X1": "https://x1.example.gov.cn/"})
    yield factory


def _figures(t: Template) -> dict[str, Figure]:
    return {src.text: Figure(None, "测试：未取得") for src in t.sources}


def _site(s: Session) -> Site:
    return s.scalars(select(Site).options(joinedload(Site.node)).where(Site.code == "X1")).one()


def test_the_whole_way_with_refusals(sessions: sessionmaker[Session]) -> None:
    t = load_template()
    with transaction(sessions) as s:
        site = _site(s)
        r = fill_report(s, site, 2026, t, _figures(t), "filler", NOW)
        assert (r.state, r.version, r.template_version) == (ReportState.DRAFT, 1, t.version)
        assert all(v["status"] == "missing" for v in r.values.values())
        with pytest.raises(TransitionError, match="以下字段未能取得，提交前须手工填报：网站名称"):
            move(s, r, site, "submit", "filler", NOW, t)
        for action, zh in (("review", "审核通过"), ("publish", "发布")):
            with pytest.raises(TransitionError, match=f"当前状态为“草稿”，不能{zh}"):
                move(s, r, site, action, "x", NOW, t)
        with pytest.raises(ValueError, match="应为非负整数"):
            set_field(s, r, site, t, "pv", "很多", "filler", NOW)
        with pytest.raises(ValueError, match="没有字段 nope"):
            set_field(s, r, site, t, "nope", "1", "filler", NOW)
        for f in t.fields:
            text = {"int": "1", "bool": "是", "date": "2027-01-09", "text": "某值"}.get(f.type) or f.choices[0]
            if f.source.kind != "sum":
                set_field(s, r, site, t, f.key, text, "filler", NOW)
        assert r.values["info_total"] == {
            "status": "auto", "value": 3, "source": "sum:info_overview,info_news,info_catalog",
            "note": "由 概况类信息更新量、政务动态信息更新量、信息公开目录信息更新量 相加"}
        assert r.values["pv"]["status"] == "manual" and r.values["pv"]["by"] == "filler"
        move(s, r, site, "submit", "filler", NOW, t)
        assert r.state is ReportState.SUBMITTED and r.submitted_by == "filler"
        with pytest.raises(TransitionError, match="不能修改字段"):
            set_field(s, r, site, t, "pv", "2", "filler", NOW)
        with pytest.raises(TransitionError, match="不能重新自动填报"):
            fill_report(s, site, 2026, t, _figures(t), "filler", NOW)
        with pytest.raises(TransitionError, match="审核人不能是提交人本人"):
            move(s, r, site, "review", "filler", NOW, t)
        with pytest.raises(TransitionError, match="退回须说明原因"):
            move(s, r, site, "return", "boss", NOW, t, "  ")
        move(s, r, site, "return", "boss", NOW, t, "访问量与统计报表不符")
        assert (r.state, r.return_reason) == (ReportState.RETURNED, "访问量与统计报表不符")
        assert set(allowed_actions(r.state)) == {"submit"}
        set_field(s, r, site, t, "pv", "2", "filler", NOW)
        again = fill_report(s, site, 2026, t, _figures(t), "filler", NOW)  # manual values survive a re-fill
        assert again.values["pv"]["value"] == 2 and again.values["site_name"]["value"] == "某值"
        move(s, r, site, "submit", "filler", NOW, t)
        assert r.return_reason is None
        move(s, r, site, "review", "boss", NOW, t)
        assert (r.state, r.reviewer) == (ReportState.REVIEWED, "boss")
        move(s, r, site, "publish", "boss", NOW, t)
        assert r.state is ReportState.PUBLISHED and r.published_at is not None
        for action in ("submit", "review", "return", "publish"):
            with pytest.raises(TransitionError, match="当前状态为“已发布”"):
                move(s, r, site, action, "boss", NOW, t, "理由")
        final_version = r.version
    with transaction(sessions) as s:  # a change made on a copy read before another change is refused
        site = _site(s)
        other = fill_report(s, site, 2025, t, _figures(t), "a", NOW)
        set_field(s, other, site, t, "pv", "5", "a", NOW)
        s.execute(update(AnnualReport).where(AnnualReport.id == other.id)  # another writer, meanwhile
                  .values(version=AnnualReport.version + 1).execution_options(synchronize_session=False))
        with pytest.raises(TransitionError, match="已被他人修改"):
            set_field(s, other, site, t, "pv", "6", "b", NOW)
    with sessions() as s:
        r2 = find(s, _site(s).id, 2026)
        assert r2 is not None and r2.state is ReportState.PUBLISHED and r2.version == final_version
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(
            AuditEntry.object_type == "annual_report", AuditEntry.object_id == str(r2.id)).order_by(AuditEntry.id))]
        assert actions[0] == "annual_report.fill" and actions[-3:] == [
            "annual_report.submit", "annual_report.review", "annual_report.publish"]
        assert "annual_report.return" in actions
        scopes = set(s.scalars(select(AuditEntry.scope_code).where(AuditEntry.object_type == "annual_report")))
        assert scopes == {"430100"}  # the county site's city
