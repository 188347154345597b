"""The duty screen's actions (dashboard/oncall_actions.py) on SQLite and PostgreSQL: every action succeeds
for whoever may and is audited; every refusal (role, other city, kiosk, anonymous, bad input) is a Chinese
message and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts import silences
from dashboard import oncall_actions as oa
from db.models_alerts import DutyShift, Handover, Silence
from db.models_security import AuditEntry, Role
from security.auth import Principal
from tests.alerts.oncall_world import CHANGSHA, NOW, PROVINCE, ZHUZHOU, add_alert
from tests.support.oncall_world import CST, H, seed

PROV = Principal(actor="prov_admin", scope_code=PROVINCE, role=Role.PROVINCE_ADMIN, user_id=1)
CS_ADMIN = Principal(actor="cs_admin", scope_code=CHANGSHA, role=Role.CITY_ADMIN, user_id=2)
CS_ONCALL = Principal(actor="cs_oncall", scope_code=CHANGSHA, role=Role.ONCALL, user_id=3)
ZZ_ADMIN = Principal(actor="zz_admin", scope_code=ZHUZHOU, role=Role.CITY_ADMIN, user_id=5)
BOSS = Principal(actor="boss", scope_code=PROVINCE, role=Role.MANAGER, user_id=7)
KIOSK = Principal.of_kiosk("wall", PROVINCE)
LOCAL_NOW = NOW.astimezone(CST)  # the wall's clock runs in 北京时间: forms are typed in it


def _local(hours: float) -> str:
    return (LOCAL_NOW + hours * H).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def db(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, sessions = migrated_db
    seed(sessions)
    yield sessions


def _counts(sessions: sessionmaker[Session]) -> tuple[int, int, int, int]:
    with sessions() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0  # type: ignore[return-value]
                     for m in (DutyShift, Handover, Silence, AuditEntry))


def _audit(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _add(sessions: sessionmaker[Session], p: Principal | None, **kw: object) -> oa.Outcome:
    args: dict[str, object] = {"scope_code": CHANGSHA, "tier": 1, "username": "cs_oncall", "starts_at": _local(-1),
                               "ends_at": _local(7)}
    args.update(kw)
    return oa.perform_add_shift(sessions, p, now=LOCAL_NOW, remote_addr="127.0.0.1", **args)  # type: ignore[arg-type]


def test_parse_time_and_matchers_text() -> None:
    assert oa.parse_time("2026-11-27 17:00", "开始时间", CST) == NOW
    assert oa.parse_time("2026-11-27T17:00", "开始时间", CST) == NOW  # a datetime-local input's value
    assert oa.parse_time("2026-11-27T09:00+00:00", "开始时间", CST) == NOW
    with pytest.raises(oa.InputError, match="结束时间：“明天”不是有效时间"):
        oa.parse_time("明天", "结束时间", CST)
    with pytest.raises(oa.InputError, match="开始时间：请填写时间"):
        oa.parse_time(" ", "开始时间", CST)
    assert oa.parse_matchers_text('rule=site_down, site=~"43(01|02){1,3}.*"，severity!=low') == [
        {"name": "rule", "op": "=", "value": "site_down"}, {"name": "site", "op": "=~", "value": "43(01|02){1,3}.*"},
        {"name": "severity", "op": "!=", "value": "low"}]
    with pytest.raises(oa.InputError, match=r"第 2 个匹配条件“site=~\(43”有误：正则表达式无效"):
        oa.parse_matchers_text("rule=x, site=~(43")
    with pytest.raises(oa.InputError, match="第 1 个匹配条件“site 4301”有误：应写作 名称=值"):
        oa.parse_matchers_text("site 4301")
    with pytest.raises(oa.InputError, match="请填写匹配条件"):
        oa.parse_matchers_text(" , ")
    with pytest.raises(oa.InputError, match="引号没有配对"):
        oa.parse_matchers_text('site="4301')


def test_add_shift_by_city_admin_is_audited(db: sessionmaker[Session]) -> None:
    out = _add(db, CS_ADMIN)
    assert out.ok and out.message.startswith("已添加排班 #") and "cs_oncall 长沙市第 1 级" in out.message
    with db() as s:
        shift = s.scalars(select(DutyShift)).one()
        assert (shift.scope_code, shift.tier, shift.username) == (CHANGSHA, 1, "cs_oncall")
        assert shift.starts_at.replace(tzinfo=shift.starts_at.tzinfo or UTC) == NOW - H  # typed in CST, kept in UTC
    (entry,) = _audit(db, "roster.add_shift")
    assert (entry.actor, entry.scope_code, entry.remote_addr) == ("cs_admin", CHANGSHA, "127.0.0.1")
    assert _add(db, PROV, scope_code=PROVINCE, username="prov_admin", tier="2").ok  # the province's own roster


@pytest.mark.parametrize(("principal", "kw", "message"), [
    (None, {}, "未登录"),
    (KIOSK, {}, "只读"),
    (CS_ONCALL, {}, "管理值班表"),
    (BOSS, {}, "管理值班表"),
    (ZZ_ADMIN, {}, "无权查看其他地区的数据"),  # never naming the region (issue 9)
    (CS_ADMIN, {"scope_code": PROVINCE, "username": "prov_admin"}, "无权查看其他地区的数据"),
    (CS_ADMIN, {"scope_code": ""}, "请选择地区"),
    (CS_ADMIN, {"tier": 4}, "级别须为 1 至 3"),
    (CS_ADMIN, {"tier": "x"}, "级别须为 1 至 3"),
    (CS_ADMIN, {"username": ""}, "请选择值班人"),
    (CS_ADMIN, {"username": "zz_oncall"}, "用户 zz_oncall 不能在长沙市值班"),
    (CS_ADMIN, {"username": "cs_gone"}, "用户 cs_gone 不能在长沙市值班"),
    (CS_ADMIN, {"username": "boss"}, "用户 boss 不能在长沙市值班"),
    (CS_ADMIN, {"starts_at": "昨天"}, "开始时间：“昨天”不是有效时间"),
    (CS_ADMIN, {"ends_at": ""}, "结束时间：请填写时间"),
    (CS_ADMIN, {"ends_at": _local(-1)}, f"结束时间 {_local(-1)} 须晚于开始时间 {_local(-1)}"),
    (CS_ADMIN, {"starts_at": _local(-5), "ends_at": _local(-2)}, "已过"),
    (CS_ADMIN, {"ends_at": _local(24 * 8)}, "不能超过 168 小时"),
])
def test_add_shift_refusals_write_nothing(db: sessionmaker[Session], principal: Principal | None,
                                          kw: dict[str, object], message: str) -> None:
    before = _counts(db)
    out = _add(db, principal, **kw)
    assert not out.ok and message in out.message, out.message
    assert _counts(db) == before


def test_overlapping_shift_names_the_existing_one(db: sessionmaker[Session]) -> None:
    assert _add(db, CS_ADMIN).ok
    before = _counts(db)
    with db() as s:
        first = s.scalars(select(DutyShift.id)).one()
    out = _add(db, CS_ADMIN, starts_at=_local(6), ends_at=_local(10))
    assert not out.ok and out.message == f"cs_oncall 在该地区同一级别已有重叠的排班（#{first}）"
    assert _counts(db) == before
    assert _add(db, CS_ADMIN, starts_at=_local(7), ends_at=_local(15)).ok  # back to back


def test_remove_shift_and_its_refusals(db: sessionmaker[Session]) -> None:
    assert _add(db, CS_ADMIN).ok
    with db() as s:
        sid = s.scalars(select(DutyShift.id)).one()
        s.add(DutyShift(scope_code=CHANGSHA, tier=1, username="cs_oncall2", starts_at=NOW - 9 * H, ends_at=NOW - H))
        s.commit()
        past = s.scalars(select(DutyShift.id).where(DutyShift.username == "cs_oncall2")).one()
    before = _counts(db)
    for p, sid_, message in [(ZZ_ADMIN, sid, "无权查看其他地区"), (CS_ONCALL, sid, "管理值班表"), (KIOSK, sid, "只读"),
                             (None, sid, "未登录"), (CS_ADMIN, past, f"排班 #{past} 已结束"),
                             (CS_ADMIN, 99999, "排班 #99999 不存在")]:
        out = oa.perform_remove_shift(db, p, sid_, LOCAL_NOW)
        assert not out.ok and message in out.message, out.message
    assert _counts(db) == before
    out = oa.perform_remove_shift(db, PROV, sid, LOCAL_NOW, remote_addr="127.0.0.1")
    assert out.ok and out.message == f"已删除排班 #{sid}（cs_oncall）"
    (entry,) = _audit(db, "roster.remove_shift")
    assert (entry.actor, entry.object_id, entry.scope_code) == ("prov_admin", str(sid), CHANGSHA)
    assert "已被他人删除" in oa.perform_remove_shift(db, PROV, sid, LOCAL_NOW).message


def test_handover_passes_on_the_open_alerts(db: sessionmaker[Session]) -> None:
    with db() as s:
        a = add_alert(s, "a", city=CHANGSHA)
        add_alert(s, "z", city=ZHUZHOU)
        s.commit()
    before = _counts(db)
    for p, to, message in [(None, "cs_oncall2", "未登录"), (KIOSK, "cs_oncall2", "只读"),
                           (BOSS, "prov_admin", "交接班"), (CS_ONCALL, "", "请选择接班人"),
                           (CS_ONCALL, "cs_oncall", "接班人不能是自己"),
                           (CS_ONCALL, "zz_oncall", "用户 zz_oncall 不能接班"),
                           (CS_ONCALL, "cs_gone", "用户 cs_gone 不能接班")]:
        out = oa.perform_handover(db, p, to_user=to, note="", now=LOCAL_NOW)
        assert not out.ok and message in out.message, (p, out.message)
    assert _counts(db) == before
    out = oa.perform_handover(db, CS_ONCALL, to_user="cs_oncall2", note=" 芙蓉区网站待厂家恢复 ", now=LOCAL_NOW,
                              remote_addr="127.0.0.1")
    assert out.ok and out.message == "已交班给 cs_oncall2，移交未关闭告警 1 条"
    with db() as s:
        h = s.scalars(select(Handover)).one()
        assert (h.scope_code, h.from_user, h.to_user, h.note, h.open_alert_ids) == (
            CHANGSHA, "cs_oncall", "cs_oncall2", "芙蓉区网站待厂家恢复", [a.id])
    (entry,) = _audit(db, "roster.handover")
    assert entry.actor == "cs_oncall" and entry.detail["open_alert_ids"] == [a.id]


def _silence(sessions: sessionmaker[Session], p: Principal | None, **kw: object) -> oa.Outcome:
    args: dict[str, object] = {"kind": "silence", "matchers": "rule=site_down, site=~\"X01.*\"", "starts_at": "",
                               "ends_at": "", "hours": 2, "reason": "割接"}
    args.update(kw)
    return oa.perform_create_silence(sessions, p, now=LOCAL_NOW, remote_addr="127.0.0.1",
                                     **args)  # type: ignore[arg-type]


def test_create_silence_and_maintenance_window(db: sessionmaker[Session]) -> None:
    out = _silence(db, CS_ONCALL)
    assert out.ok and out.message.startswith("已新建静默 #")
    out = _silence(db, PROV, kind="maintenance", matchers="alertname=~\".*\"", starts_at=_local(1),
                   ends_at=_local(3), hours="")
    assert out.ok and out.message.startswith("已新建维护窗口 #")
    with db() as s:
        city, prov = s.scalars(select(Silence).order_by(Silence.id)).all()
        assert city.matchers == [{"name": "rule", "op": "=", "value": "site_down"},
                                 {"name": "site", "op": "=~", "value": "X01.*"},
                                 {"name": "city", "op": "=", "value": CHANGSHA}]  # confined to 长沙
        assert silences.state_of(city, NOW) is silences.SilenceState.ACTIVE
        assert silences.state_of(prov, NOW) is silences.SilenceState.PENDING
        assert silences.state_of(prov, NOW + 2 * H) is silences.SilenceState.ACTIVE
    assert [e.actor for e in _audit(db, "silence.create")] == ["cs_oncall"]
    assert [e.scope_code for e in _audit(db, "maintenance.create")] == [PROVINCE]


@pytest.mark.parametrize(("principal", "kw", "message"), [
    (None, {}, "未登录"),
    (KIOSK, {}, "只读"),
    (BOSS, {}, "静默告警"),
    (CS_ONCALL, {"kind": "mute"}, "请选择类型"),
    (CS_ONCALL, {"matchers": ""}, "请填写匹配条件"),
    (CS_ONCALL, {"matchers": "rule=x, site=~[43"}, "第 2 个匹配条件“site=~[43”有误：正则表达式无效"),
    (CS_ONCALL, {"matchers": "规则=x"}, "第 1 个匹配条件“规则=x”有误"),
    (CS_ONCALL, {"starts_at": _local(2), "ends_at": _local(1)}, f"结束时间 {_local(1)} 须晚于开始时间 {_local(2)}"),
    (CS_ONCALL, {"starts_at": _local(-3), "ends_at": _local(-1)}, f"结束时间 {_local(-1)} 已过"),
    (CS_ONCALL, {"ends_at": "下周"}, "结束时间：“下周”不是有效时间"),
    (CS_ONCALL, {"hours": ""}, "请填写结束时间或时长"),
    (CS_ONCALL, {"hours": 0}, "时长须大于 0 且不超过 168 小时"),
    (CS_ONCALL, {"hours": 169}, "时长须大于 0 且不超过 168 小时"),
    (CS_ONCALL, {"ends_at": _local(24 * 8)}, "不能超过 168 小时"),
    (CS_ONCALL, {"reason": "  "}, "请填写原因"),
])
def test_create_silence_refusals_write_nothing(db: sessionmaker[Session], principal: Principal | None,
                                               kw: dict[str, object], message: str) -> None:
    before = _counts(db)
    out = _silence(db, principal, **kw)
    assert not out.ok and message in out.message, out.message
    assert _counts(db) == before


def test_expire_silence_and_its_refusals(db: sessionmaker[Session]) -> None:
    assert _silence(db, CS_ONCALL).ok
    with db() as s:
        sid = s.scalars(select(Silence.id)).one()
    before = _counts(db)
    for p, sid_, message in [(ZZ_ADMIN, sid, "无权查看其他地区"), (BOSS, sid, "静默告警"), (KIOSK, sid, "只读"),
                             (None, sid, "未登录"), (CS_ONCALL, 99999, "静默 #99999 不存在")]:
        out = oa.perform_expire_silence(db, p, sid_, LOCAL_NOW)
        assert not out.ok and message in out.message, out.message
    assert _counts(db) == before
    later = LOCAL_NOW + timedelta(minutes=30)
    out = oa.perform_expire_silence(db, CS_ADMIN, sid, later, remote_addr="127.0.0.1")
    assert out.ok and out.message == f"已结束静默 #{sid}"
    with db() as s:
        sil = s.get(Silence, sid)
        assert sil is not None and silences.state_of(sil, later) is silences.SilenceState.EXPIRED
    (entry,) = _audit(db, "silence.expire")
    assert (entry.actor, entry.remote_addr) == ("cs_admin", "127.0.0.1")
    before = _counts(db)
    out = oa.perform_expire_silence(db, CS_ADMIN, sid, later)
    assert not out.ok and out.message == f"静默 #{sid} 已失效，无需结束"
    assert _counts(db) == before


def test_times_round_trip_in_the_wall_zone() -> None:
    local = datetime(2026, 11, 27, 17, 0, tzinfo=CST)
    assert oa.parse_time(local.strftime(oa.TIME_FORMAT), "开始时间", CST) == local
