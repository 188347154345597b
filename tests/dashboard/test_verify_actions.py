"""The verification page's actions (dashboard/verify_actions.py) on SQLite and PostgreSQL: every action succeeds
for whoever may and is audited; every refusal (no login, a kiosk wall, a role without the permission, another
city, bad input, a stale row) is a Chinese message and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from dashboard import verify_actions as va
from db.models_operations import FindingDecision, ManualEntry, RectificationNotice, ScoreSignoff
from db.models_security import AuditEntry, Role
from inspection.indicators import load_indicators
from operations import verify_store
from operations.sheets import SheetState
from security.auth import Principal
from tests.operations.world import CHANGSHA, T0, finding, seed

NOW = T0 + timedelta(days=3)
PROV = Principal(actor="sheng", scope_code="430000", role=Role.PROVINCE_ADMIN, user_id=1)
CS_ADMIN = Principal(actor="changsha", scope_code="430100", role=Role.CITY_ADMIN, user_id=2)
ZZ_ADMIN = Principal(actor="zhuzhou", scope_code="430200", role=Role.CITY_ADMIN, user_id=3)
CS_EDITOR = Principal(actor="cs_editor", scope_code="430100", role=Role.EDITOR, user_id=4)
ZZ_EDITOR = Principal(actor="zz_editor", scope_code="430200", role=Role.EDITOR, user_id=5)
CS_ONCALL = Principal(actor="cs_oncall", scope_code="430100", role=Role.ONCALL, user_id=6)
KIOSK = Principal.of_kiosk("wall", "430000")
CS_SITE, ZZ_SITE = "4301000001", "4302000001"


class World:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        with sessions() as s:
            ids = seed(s)
            self.cs = [finding(s, ids[CS_SITE], f"https://127.0.0.1/cs/{n}").id for n in range(3)]
            self.zz = finding(s, ids[ZZ_SITE], "https://127.0.0.1/zz/0").id
            s.commit()


@pytest.fixture
def world(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[World]:
    _, sessions = migrated_db
    yield World(sessions)


def _counts(sessions: sessionmaker[Session]) -> tuple[int, ...]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0
                     for m in (FindingDecision, ManualEntry, ScoreSignoff, RectificationNotice, AuditEntry))


def _audit(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _refused(w: World, call: object, *texts: str) -> None:
    """Run ``call`` (a thunk); it must fail with each of ``texts`` in its message and write nothing."""
    before = _counts(w.sessions)
    out = call()  # type: ignore[operator]
    assert not out.ok, out
    for t in texts:
        assert t in out.message, out.message
    assert _counts(w.sessions) == before


def test_code_choices_come_from_the_indicator_table() -> None:
    table = load_indicators()
    deductions = va.code_choices("deduction", table)
    assert ("news", "动态要闻", "6") in deductions and len(deductions) == len(table.indicators)
    assert ("innovation", "创新发展（集约化、智能化等创新应用）", "10") in va.code_choices("bonus", table)
    assert va.code_choices("other", table) == []


def test_confirm_and_dismiss(world: World) -> None:
    w, f0, f1 = world, world.cs[0], world.cs[1]
    out = va.perform_confirm(w.sessions, CS_ADMIN, f0, "确有此问题", NOW, remote_addr="127.0.0.1")
    assert out.ok and out.message == f"已确认问题 #{f0}"
    out = va.perform_dismiss(w.sessions, CS_ADMIN, str(f1), "false_positive", "", NOW)
    assert out.ok and out.message == f"已排除问题 #{f1}（误报）"
    [a] = _audit(w.sessions, "verify.dismiss")
    assert a.actor == "changsha" and a.scope_code == "430100" and "误报" in a.summary
    assert _audit(w.sessions, "verify.confirm")[0].remote_addr == "127.0.0.1"
    with w.sessions() as s:
        assert verify_store.queue(s, CHANGSHA) and {i.finding_id for i in verify_store.queue(s, CHANGSHA)} == {
            w.cs[2]}

    _refused(w, lambda: va.perform_dismiss(w.sessions, CS_ADMIN, w.cs[2], "other", " ", NOW), "说明")
    _refused(w, lambda: va.perform_dismiss(w.sessions, CS_ADMIN, w.cs[2], "bogus", "x", NOW), "请选择排除理由")
    _refused(w, lambda: va.perform_dismiss(w.sessions, CS_ADMIN, w.cs[2], ["false_positive"], "x", NOW),
             "请选择排除理由")
    _refused(w, lambda: va.perform_confirm(w.sessions, CS_ADMIN, w.zz, "", NOW), "其他地区")  # another city
    _refused(w, lambda: va.perform_confirm(w.sessions, ZZ_ADMIN, w.cs[2], "", NOW), "其他地区")
    _refused(w, lambda: va.perform_confirm(w.sessions, CS_ONCALL, w.cs[2], "", NOW), "人工核验")
    _refused(w, lambda: va.perform_confirm(w.sessions, CS_EDITOR, w.cs[2], "", NOW), "人工核验")
    _refused(w, lambda: va.perform_confirm(w.sessions, KIOSK, w.cs[2], "", NOW), "只读")
    _refused(w, lambda: va.perform_confirm(w.sessions, None, w.cs[2], "", NOW), "请先登录")
    _refused(w, lambda: va.perform_confirm(w.sessions, CS_ADMIN, 10**30, "", NOW), "不存在")
    _refused(w, lambda: va.perform_confirm(w.sessions, CS_ADMIN, 999_999, "", NOW), "不存在")


def test_a_resolved_finding_is_a_stale_row(world: World) -> None:
    from db.models import Finding

    with world.sessions() as s:
        f = s.get(Finding, world.cs[0])
        assert f is not None
        f.resolved_at = NOW - timedelta(hours=1)
        s.commit()
    _refused(world, lambda: va.perform_confirm(world.sessions, CS_ADMIN, world.cs[0], "", NOW), "已消除", "刷新")


def test_entries_withdraw_and_sign_off(world: World) -> None:
    w = world
    add = dict(site_code=CS_SITE, period="2026Q4", kind="deduction", code="news", points="2", note="要闻栏目更新慢",
               evidence="https://127.0.0.1/shot.png", now=NOW)
    out = va.perform_add_entry(w.sessions, CS_ADMIN, **add)  # type: ignore[arg-type]
    assert out.ok and "人工扣分" in out.message and "news 2 分" in out.message
    out = va.perform_add_entry(w.sessions, PROV, **{**add, "kind": "bonus", "code": "innovation", "points": 3.5})  # type: ignore[arg-type]
    assert out.ok and "加分项" in out.message
    assert [a.actor for a in _audit(w.sessions, "verify.entry.add")] == ["changsha", "sheng"]
    for bad, text in ((dict(code="4.2"), "不在指标表"), (dict(kind="bonus", code="news"), "不在指标表"),
                      (dict(kind="x"), "请选择条目类型"), (dict(points="abc"), "不是数字"),
                      (dict(points=0), "超出范围"),
                      (dict(note=" "), "说明"), (dict(period="2026Q9"), "格式不对"), (dict(period=""), "请填写周期"),
                      (dict(site_code=""), "请选择站点"), (dict(site_code="nope"), "不存在"),
                      (dict(period="2031Q1"), "尚未开始")):
        _refused(w, lambda bad=bad: va.perform_add_entry(w.sessions, CS_ADMIN, **{**add, **bad}), text)  # type: ignore[misc, arg-type]
    _refused(w, lambda: va.perform_add_entry(w.sessions, ZZ_ADMIN, **add), "其他地区")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_add_entry(w.sessions, CS_EDITOR, **add), "人工核验")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_add_entry(w.sessions, KIOSK, **add), "只读")  # type: ignore[arg-type]

    out = va.perform_sign_off(w.sessions, CS_ADMIN, site_code=CS_SITE, period="2026Q4", note="复核无误",
                              now=NOW + timedelta(hours=1))
    assert out.ok and out.message == f"{CS_SITE} 2026Q4 评分表已签核"
    assert len(_audit(w.sessions, "verify.signoff")) == 1
    _refused(w, lambda: va.perform_sign_off(w.sessions, ZZ_ADMIN, site_code=CS_SITE, period="2026Q4", note="",
                                            now=NOW), "其他地区")
    _refused(w, lambda: va.perform_sign_off(w.sessions, CS_ADMIN, site_code=CS_SITE, period="Q4", note="",
                                            now=NOW), "格式不对")

    with w.sessions() as s:
        first = verify_store.list_entries(s, CHANGSHA, CS_SITE, "2026Q4")[0].id
        assert verify_store.sheet_status(s, CHANGSHA, CS_SITE, "2026Q4").state is SheetState.SIGNED
    _refused(w, lambda: va.perform_withdraw_entry(w.sessions, CS_ADMIN, first, " ", NOW), "撤回说明")
    _refused(w, lambda: va.perform_withdraw_entry(w.sessions, ZZ_ADMIN, first, "错录", NOW), "其他地区")
    out = va.perform_withdraw_entry(w.sessions, CS_ADMIN, str(first), "错录", NOW + timedelta(hours=2))
    assert out.ok and out.message == f"已撤回人工条目 #{first}"
    _refused(w, lambda: va.perform_withdraw_entry(w.sessions, CS_ADMIN, first, "再撤", NOW), "已撤回")
    _refused(w, lambda: va.perform_withdraw_entry(w.sessions, CS_ADMIN, 999_999, "x", NOW), "不存在")
    assert len(_audit(w.sessions, "verify.entry.withdraw")) == 1
    with w.sessions() as s:
        st = verify_store.sheet_status(s, CHANGSHA, CS_SITE, "2026Q4")
    assert st.state is SheetState.CHANGED and [c.what for c in st.changes] == [f"撤回人工扣分 #{first}"]


def test_notices_create_issue_answer(world: World) -> None:
    w = world
    deadline = (NOW + timedelta(days=10)).date().isoformat()
    create = dict(site_code=CS_SITE, finding_ids=[w.cs[0], str(w.cs[1])], deadline=deadline, note="请按期整改", now=NOW)
    _refused(w, lambda: va.perform_create_notice(w.sessions, CS_ADMIN, **{**create, "finding_ids": []}),  # type: ignore[arg-type]
             "请选择")
    _refused(w, lambda: va.perform_create_notice(w.sessions, CS_ADMIN, **{**create, "deadline": "下周"}),  # type: ignore[arg-type]
             "下周", "不是有效日期")
    _refused(w, lambda: va.perform_create_notice(w.sessions, CS_ADMIN, **{**create, "finding_ids": [w.zz]}),  # type: ignore[arg-type]
             "不属于站点")
    _refused(w, lambda: va.perform_create_notice(w.sessions, PROV, **{**create, "site_code": ZZ_SITE,  # type: ignore[arg-type]
                                                                      "finding_ids": [w.zz]}), "主办单位")
    _refused(w, lambda: va.perform_create_notice(w.sessions, ZZ_ADMIN, **create), "其他地区")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_create_notice(w.sessions, CS_EDITOR, **create), "人工核验")  # type: ignore[arg-type]
    out = va.perform_create_notice(w.sessions, CS_ADMIN, **create)  # type: ignore[arg-type]
    assert out.ok and "2 个问题" in out.message and "长沙市人民政府办公厅" in out.message
    with w.sessions() as s:
        notice = s.scalars(select(RectificationNotice)).one()
        nid, version = notice.id, notice.version
    assert len(_audit(w.sessions, "notice.create")) == 1

    _refused(w, lambda: va.perform_issue_notice(w.sessions, CS_ADMIN, nid, version + 1, NOW), "已被他人修改")
    _refused(w, lambda: va.perform_issue_notice(w.sessions, CS_EDITOR, nid, version, NOW), "人工核验")
    _refused(w, lambda: va.perform_issue_notice(w.sessions, ZZ_ADMIN, nid, version, NOW), "其他地区")
    out = va.perform_issue_notice(w.sessions, CS_ADMIN, str(nid), str(version), NOW)
    assert out.ok and out.message == f"已下发整改通知 #{nid}"
    _refused(w, lambda: va.perform_issue_notice(w.sessions, CS_ADMIN, nid, version, NOW), "已被他人修改")  # stale
    _refused(w, lambda: va.perform_issue_notice(w.sessions, CS_ADMIN, nid, version + 1, NOW), "不能下发")  # issued
    with w.sessions() as s:
        version = s.get(RectificationNotice, nid).version  # type: ignore[union-attr]

    answer = dict(notice_id=nid, finding_id=w.cs[0], text="已更新栏目", evidence="", version=version,
                  now=NOW + timedelta(hours=3))
    _refused(w, lambda: va.perform_answer(w.sessions, CS_EDITOR, **{**answer, "text": " "}), "请填写")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_answer(w.sessions, CS_EDITOR, **{**answer, "finding_id": None}), "请选择")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_answer(w.sessions, CS_EDITOR, **{**answer, "finding_id": w.cs[2]}), "不在整改通知")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_answer(w.sessions, ZZ_EDITOR, **answer), "其他地区")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_answer(w.sessions, CS_ONCALL, **answer), "答复整改通知")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_answer(w.sessions, None, **answer), "请先登录")  # type: ignore[arg-type]
    _refused(w, lambda: va.perform_answer(w.sessions, CS_EDITOR, **{**answer, "version": version + 5}), "刷新")  # type: ignore[arg-type]
    out = va.perform_answer(w.sessions, CS_EDITOR, **answer)  # type: ignore[arg-type]
    assert out.ok and out.message == f"已答复整改通知 #{nid} 的问题 #{w.cs[0]}；通知现为“部分答复”"
    [a] = _audit(w.sessions, "notice.answer")
    assert a.actor == "cs_editor" and a.scope_code == "430100"
