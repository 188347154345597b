"""Rectification notices persisted on SQLite and PostgreSQL: the whole loop (create → issue → answer → the next
run confirms or reopens), overdue derived from time, escalation, scope and audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models_operations import RectificationEvent, RectificationNotice
from db.models_security import AuditEntry
from operations import notice_store as ns
from operations.access import Actor
from operations.errors import VerifyError, VerifyScopeError, VerifyTransitionError
from operations.notices import NoticeState, ProblemState
from tests.operations.world import CHANGSHA, FURONG, PROVINCE, T0, ZHUZHOU, finding, seed

Factory = sessionmaker[Session]
SYSTEM = Actor("system", "430000")
DEADLINE = date(2026, 11, 20)


def test_the_whole_loop(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        a = finding(s, ids["4301020001"], "http://127.0.0.1:2/a")
        b = finding(s, ids["4301020001"], "http://127.0.0.1:2/b")
        s.commit()
        n = ns.create_notice(s, CHANGSHA, T0, "4301020001", [a.id, b.id], DEADLINE, "请按期整改")
        assert (n.state, n.addressee, n.version) == ("draft", "芙蓉区人民政府办公室", 1)
        with pytest.raises(VerifyTransitionError, match="草稿"):
            ns.answer_problem(s, FURONG, T0, n.id, a.id, "已整改")
        with pytest.raises(VerifyTransitionError, match="第 7 版"):
            ns.issue_notice(s, CHANGSHA, T0, n.id, version=7)
        ns.issue_notice(s, CHANGSHA, T0, n.id, version=1)
        with pytest.raises(VerifyError, match="已在未关闭的整改通知"):
            ns.create_notice(s, PROVINCE, T0, "4301020001", [a.id], DEADLINE)
        # the county's own user answers one problem, then the other
        n = ns.answer_problem(s, FURONG, T0 + timedelta(hours=1), n.id, a.id, "栏目已更新", "http://127.0.0.1:2/a")
        assert n.state == NoticeState.PARTIALLY_ANSWERED
        n = ns.answer_problem(s, FURONG, T0 + timedelta(hours=2), n.id, b.id, "已补充内容")
        assert n.state == NoticeState.ANSWERED
        # the next run: a is gone, b is still there
        a.resolved_at = T0 + timedelta(hours=3)
        b.last_seen = T0 + timedelta(hours=3)
        s.commit()
        judged = ns.follow_up(s, T0 + timedelta(hours=3), SYSTEM)
        assert {(j.finding_id, j.state) for j in judged} == {(a.id, ProblemState.FIXED), (b.id, ProblemState.FAILED)}
        [view] = ns.list_notices(s, FURONG, T0 + timedelta(hours=3))
        assert (view.state, view.state_label, view.fixed, view.problems) == (NoticeState.REOPENED, "整改未通过", 1, 2)
        # answered again, then fixed: closed
        ns.answer_problem(s, FURONG, T0 + timedelta(hours=4), n.id, b.id, "重新整改")
        b.resolved_at = T0 + timedelta(hours=5)
        s.commit()
        ns.follow_up(s, T0 + timedelta(hours=5), SYSTEM)
        row = s.get(RectificationNotice, n.id)
        assert row is not None and row.state == NoticeState.CLOSED and row.closed_at is not None
        kinds = [k for (k,) in s.execute(select(RectificationEvent.kind).order_by(RectificationEvent.id))]
        assert kinds == ["created", "issued", "answered", "answered", "problem_fixed", "problem_failed", "answered",
                         "problem_fixed", "closed"]
        actors = {(a_, act) for (a_, act) in s.execute(select(AuditEntry.actor, AuditEntry.action))}
        assert ("changsha", "notice.issue") in actors and ("furong", "notice.answer") in actors
        assert ("system", "notice.problem.failed") in actors


def test_overdue_is_derived_and_escalates(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        a = finding(s, ids["4301000001"], "http://127.0.0.1:1/a")
        s.commit()
        n = ns.create_notice(s, PROVINCE, T0, "4301000001", [a.id], DEADLINE)
        ns.issue_notice(s, PROVINCE, T0, n.id)
        on_time = T0.replace(day=20, hour=15)
        assert [v.overdue for v in ns.list_notices(s, PROVINCE, on_time)] == [False]
        assert ns.escalate_overdue(s, on_time, SYSTEM) == []
        late = T0.replace(day=21, hour=1)
        [v] = ns.list_notices(s, CHANGSHA, late, overdue_only=True)
        assert v.state_label == "已下发（已逾期）"
        assert ns.escalate_overdue(s, late, SYSTEM) == [n.id]
        assert ns.escalate_overdue(s, late + timedelta(days=1), SYSTEM) == []  # once a week
        assert ns.escalate_overdue(s, late + timedelta(days=7), SYSTEM) == [n.id]
        row = s.get(RectificationNotice, n.id)
        assert row is not None and row.escalations == 2
        summaries = [x for (x,) in s.execute(select(AuditEntry.summary).where(AuditEntry.action == "notice.escalate"))]
        assert summaries[0] == f"整改通知 #{n.id}（4301000001）逾期 1 天，第 1 次升级"


def test_scope_and_bad_input(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        cs = finding(s, ids["4301000001"], "http://127.0.0.1:1/a")
        zz = finding(s, ids["4302000001"], "http://127.0.0.1:3/a")
        s.commit()
        with pytest.raises(VerifyScopeError):
            ns.create_notice(s, CHANGSHA, T0, "4302000001", [zz.id], DEADLINE)
        with pytest.raises(VerifyError, match="没有主办单位"):
            ns.create_notice(s, PROVINCE, T0, "4302000001", [zz.id], DEADLINE)
        with pytest.raises(VerifyError, match="不属于站点"):
            ns.create_notice(s, PROVINCE, T0, "4301000001", [zz.id], DEADLINE)
        with pytest.raises(VerifyError, match="早于今天"):
            ns.create_notice(s, PROVINCE, T0, "4301000001", [cs.id], date(2026, 11, 1))
        n = ns.create_notice(s, CHANGSHA, T0, "4301000001", [cs.id], DEADLINE)
        ns.issue_notice(s, CHANGSHA, T0, n.id)
        with pytest.raises(VerifyScopeError):
            ns.answer_problem(s, ZHUZHOU, T0, n.id, cs.id, "x")
        with pytest.raises(VerifyScopeError):
            ns.answer_problem(s, FURONG, T0, n.id, cs.id, "x")  # a county does not manage its city's site
        assert [v.id for v in ns.list_notices(s, ZHUZHOU, T0)] == []
        assert [v.id for v in ns.list_notices(s, PROVINCE, T0)] == [n.id]
        denied = {a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.action.like("%.denied")))}
        assert denied == {"notice.create.denied", "notice.answer.denied"}


def test_after_site_run_judges_only_that_site_and_is_idempotent(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    with factory() as s:
        ids = seed(s)
        a = finding(s, ids["4301000001"], "http://127.0.0.1:1/a")
        b = finding(s, ids["4301020001"], "http://127.0.0.1:2/a")
        s.commit()
        n1 = ns.create_notice(s, PROVINCE, T0, "4301000001", [a.id], DEADLINE)
        n2 = ns.create_notice(s, PROVINCE, T0, "4301020001", [b.id], DEADLINE)
        ns.issue_notice(s, PROVINCE, T0, n1.id)
        ns.issue_notice(s, PROVINCE, T0, n2.id)
        a.resolved_at = b.resolved_at = T0 + timedelta(hours=1)
        s.commit()
    now = T0 + timedelta(hours=1)
    judged, escalated = ns.after_site_run(factory, "4301000001", now)
    assert [(j.notice_id, j.state) for j in judged] == [(n1.id, ProblemState.FIXED)] and escalated == []
    assert ns.after_site_run(factory, "4301000001", now) == ([], [])  # idempotent
    assert ns.after_site_run(factory, "nope", now) == ([], [])
    with factory() as s:
        states = {v.id: v.state for v in ns.list_notices(s, PROVINCE, now)}
        assert states == {n1.id: NoticeState.CLOSED, n2.id: NoticeState.ISSUED}  # the other site waits for its run
        actor = s.scalar(select(AuditEntry.actor).where(AuditEntry.action == "notice.problem.fixed"))
        assert actor == "system"


def test_roles_decide_who_verifies_and_who_answers(migrated_db: tuple[str, Factory]) -> None:
    _, factory = migrated_db
    editor = Actor("cs_editor", "430100", "127.0.0.1", "editor")
    oncall = Actor("cs_oncall", "430100", "127.0.0.1", "oncall")
    admin = Actor("cs_admin", "430100", "127.0.0.1", "city_admin")
    with factory() as s:
        ids = seed(s)
        a = finding(s, ids["4301000001"], "http://127.0.0.1:1/a")
        s.commit()
        for who in (editor, oncall):
            with pytest.raises(VerifyScopeError, match="无权人工核验与下发整改通知"):
                ns.create_notice(s, who, T0, "4301000001", [a.id], DEADLINE)
        n = ns.create_notice(s, admin, T0, "4301000001", [a.id], DEADLINE)
        ns.issue_notice(s, admin, T0, n.id)
        with pytest.raises(VerifyScopeError, match="角色“值班员”无权答复整改通知"):
            ns.answer_problem(s, oncall, T0, n.id, a.id, "x")
        assert ns.answer_problem(s, editor, T0, n.id, a.id, "已改").state == NoticeState.ANSWERED
        summaries = [x for (x,) in s.execute(select(AuditEntry.summary).where(AuditEntry.action.like("%.denied")))]
        assert len(summaries) == 3 and all("无此权限" in x for x in summaries)
