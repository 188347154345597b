"""Verification persisted on SQLite and PostgreSQL: decisions surviving and lapsing across runs, the scoped
queue, manual entries, sign-off and 签核后已变更, audit of every action and of refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.severity import Severity
from db.models_operations import FindingDecision, ManualEntry
from db.models_security import AuditEntry
from inspection.base import CheckResult, FindingDraft
from inspection.findings import save_result
from operations import verify_store as vs
from operations.access import Actor
from operations.decisions import DecisionStatus
from operations.errors import VerifyError, VerifyScopeError
from operations.sheets import SheetState
from tests.operations.world import CHANGSHA, FURONG, PROVINCE, T0, ZHUZHOU, finding, seed

Factory = sessionmaker[Session]


def _rerun(s: Session, site_id: int, evidence: dict[str, object], at: datetime) -> None:
    """A successful run of the check that finds the same stale column with ``evidence``."""
    d = FindingDraft(check="column_freshness", kind="column_stale", location="http://127.0.0.1:1/news",
                     severity=Severity.MEDIUM, detail="栏目超期未更新", evidence=evidence)
    save_result(s, site_id, CheckResult(check="column_freshness", site_code="4301000001", as_of=at, findings=(d,)), at)
    s.commit()


def test_dismissal_survives_reruns_while_evidence_is_unchanged_and_lapses_when_it_changes(
        migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        f = finding(s, ids["4301000001"], "http://127.0.0.1:1/news", {"days": 20, "probes_counted": 3})
        s.commit()
        assert [i.status for i in vs.queue(s, CHANGSHA)] == [DecisionStatus.UNDECIDED]
        vs.decide(s, f.id, CHANGSHA, T0, "dismissed", "exempt_column", "栏目已撤并")
        assert vs.queue(s, CHANGSHA) == []
        _rerun(s, ids["4301000001"], {"days": 20, "probes_counted": 9}, T0 + timedelta(days=1))  # same evidence
        assert vs.queue(s, CHANGSHA) == []
        [item] = vs.queue(s, CHANGSHA, include_decided=True)
        assert item.status is DecisionStatus.DISMISSED and item.reason == "exempt_column"
        _rerun(s, ids["4301000001"], {"days": 35}, T0 + timedelta(days=2))  # evidence changed
        [item] = vs.queue(s, CHANGSHA)
        assert item.status is DecisionStatus.LAPSED and item.decided_by == "changsha"
        s.refresh(f)
        assert vs.decision_statuses(s, [f]) == {f.id: DecisionStatus.LAPSED}
        vs.decide(s, f.id, PROVINCE, T0 + timedelta(days=2), "dismissed", "false_positive")
        assert vs.decision_statuses(s, [f]) == {f.id: DecisionStatus.DISMISSED}
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "verify.dismiss")
                            .order_by(AuditEntry.id)).all()
        assert [(e.actor, e.object_id, e.scope_code) for e in entries] == [("changsha", str(f.id), "430100"),
                                                                            ("sheng", str(f.id), "430100")]
        assert "豁免栏目" in entries[0].summary


def test_queue_and_decisions_are_scoped(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        cs = finding(s, ids["4301000001"], "http://127.0.0.1:1/a")
        fr = finding(s, ids["4301020001"], "http://127.0.0.1:2/a")
        zz = finding(s, ids["4302000001"], "http://127.0.0.1:3/a")
        s.commit()
        assert {i.finding_id for i in vs.queue(s, PROVINCE)} == {cs.id, fr.id, zz.id}
        assert {i.finding_id for i in vs.queue(s, CHANGSHA)} == {cs.id, fr.id}  # the city and its county
        assert {i.finding_id for i in vs.queue(s, FURONG)} == {fr.id}
        assert {i.finding_id for i in vs.queue(s, PROVINCE, region="430200")} == {zz.id}
        with pytest.raises(VerifyScopeError, match="不在您的管辖范围"):
            vs.queue(s, CHANGSHA, region="430200")
        with pytest.raises(VerifyScopeError, match="4302000001"):
            vs.decide(s, zz.id, CHANGSHA, T0, "confirmed")
        assert s.scalars(select(FindingDecision)).all() == []
        denied = s.scalars(select(AuditEntry).where(AuditEntry.action == "verify.confirm.denied")).one()
        assert denied.actor == "changsha" and denied.object_id == str(zz.id)
        with pytest.raises(VerifyError, match="问题 #9999 不存在"):
            vs.decide(s, 9999, PROVINCE, T0, "confirmed")


def test_entries_signoff_and_changes_after_it(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        f = finding(s, ids["4301000001"], "http://127.0.0.1:1/a", at=T0)
        s.commit()
        e1 = vs.add_entry(s, CHANGSHA, T0, "4301000001", "2026q4", "deduction", "4.2", "2.5", "空白栏目",
                          "http://127.0.0.1:1/shot.png")
        vs.add_entry(s, CHANGSHA, T0, "4301000001", "2026Q4", "bonus", "b1", 3, "政务服务创新")
        assert vs.sheet_status(s, CHANGSHA, "4301000001", "2026Q4").state is SheetState.UNSIGNED
        vs.sign_off(s, CHANGSHA, T0 + timedelta(hours=1), "4301000001", "2026Q4", "首次签核")
        st = vs.sheet_status(s, CHANGSHA, "4301000001", "2026Q4")
        assert (st.state, st.signed_by, st.changes) == (SheetState.SIGNED, "changsha", [])
        vs.decide(s, f.id, PROVINCE, T0 + timedelta(hours=2), "dismissed", "false_positive")
        vs.withdraw_entry(s, PROVINCE, T0 + timedelta(hours=3), e1.id, "重复录入")
        st = vs.sheet_status(s, CHANGSHA, "4301000001", "2026Q4")
        assert st.state is SheetState.CHANGED
        assert [(c.actor, c.what) for c in st.changes] == [("sheng", f"已排除问题 #{f.id}（误报）"),
                                                           ("sheng", f"撤回人工扣分 #{e1.id}")]
        assert vs.sheet_status(s, CHANGSHA, "4301000001", "2027Q1").state is SheetState.UNSIGNED
        facts = vs.manual_facts(s, ids["4301000001"], "2026Q4")
        assert [(d["item"], d["points"]) for d in facts["bonus"]] == [("b1", 3.0)]
        assert facts["deductions"] == []  # the withdrawn one is not scored
        assert [e.withdrawn_by for e in vs.list_entries(s, CHANGSHA, "4301000001", "2026Q4")] == ["sheng", None]
        actions = [a for (a,) in s.execute(select(AuditEntry.action).order_by(AuditEntry.id))]
        assert actions == ["verify.entry.add", "verify.entry.add", "verify.signoff", "verify.dismiss",
                           "verify.entry.withdraw"]


def test_bad_entry_and_foreign_site_save_nothing(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        seed(s)
        s.commit()
        with pytest.raises(VerifyError, match="不超过 30 分"):
            vs.add_entry(s, PROVINCE, T0, "4301000001", "2026Q4", "bonus", "b1", 31, "x")
        with pytest.raises(VerifyScopeError):
            vs.add_entry(s, ZHUZHOU, T0, "4301000001", "2026Q4", "deduction", "4.2", 1, "x")
        with pytest.raises(VerifyScopeError):
            vs.sign_off(s, FURONG, T0, "4301000001", "2026Q4")
        with pytest.raises(VerifyError, match="站点 nope 不存在"):
            vs.sign_off(s, PROVINCE, T0, "nope", "2026Q4")
        assert s.scalars(select(ManualEntry)).all() == []
        assert {a for (a,) in s.execute(select(AuditEntry.action))} == {"verify.entry.add.denied",
                                                                        "verify.signoff.denied"}


def test_only_verifying_roles_decide(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        f = finding(s, ids["4301000001"], "http://127.0.0.1:1/a")
        s.commit()
        with pytest.raises(VerifyScopeError, match="角色“编辑”无权"):
            vs.decide(s, f.id, Actor("e", "430100", None, "editor"), T0, "confirmed")
        with pytest.raises(VerifyScopeError, match="角色“领导（只读）”无权"):
            vs.sign_off(s, Actor("m", "430000", None, "manager"), T0, "4301000001", "2026Q4")
        vs.decide(s, f.id, Actor("p", "430000", None, "province_admin"), T0, "confirmed")
        assert [i.status for i in vs.queue(s, Actor("m", "430000", None, "manager"), include_decided=True)] == [
            DecisionStatus.CONFIRMED]  # reading needs no verifying role


def test_periods_not_begun_are_refused(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        seed(s)
        s.commit()
        with pytest.raises(VerifyError, match="周期 2027Q1 尚未开始（2027-01-01 起）"):
            vs.add_entry(s, PROVINCE, T0, "4301000001", "2027Q1", "deduction", "4.2", 1, "x")
        with pytest.raises(VerifyError, match="尚未开始"):
            vs.sign_off(s, PROVINCE, T0, "4301000001", "2062Q4")
        vs.sign_off(s, PROVINCE, T0.replace(month=9, day=30, hour=17), "4301000001", "2026Q4")  # 01:00 Beijing
