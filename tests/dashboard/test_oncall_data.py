"""The duty screen's reads (dashboard/oncall_data.py) on SQLite and PostgreSQL: on duty now per scope and
tier with the province fallback, the roster window, handovers with the alerts passed on, silences with
their derived state, the people a form offers; all within the viewer's scope."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from alerts import roster, silences
from alerts.states import SilenceKind
from dashboard import oncall_data as od
from tests.alerts.oncall_world import CHANGSHA, NOW, PROVINCE, ZHUZHOU, add_alert
from tests.support.oncall_world import CST, H, seed


def _shift(s: Session, scope: str, user: str, start_h: float, end_h: float, tier: int = 1) -> None:
    roster.add_shift(s, scope, tier, user, NOW + start_h * H, NOW + end_h * H, actor="prov_admin",
                     actor_scope=PROVINCE, now=NOW)


def test_on_duty_now_per_scope_and_tier_with_province_fallback(migrated_db: tuple[str, sessionmaker[Session]]
                                                                ) -> None:
    _, sessions = migrated_db
    seed(sessions)
    with sessions() as s:
        _shift(s, CHANGSHA, "cs_oncall", -1, 7)
        _shift(s, CHANGSHA, "cs_oncall2", -2, 6)
        _shift(s, CHANGSHA, "cs_admin", 7, 15)  # later today: not on duty now
        _shift(s, PROVINCE, "prov_admin", -1, 1, tier=2)
        _shift(s, ZHUZHOU, "zz_oncall", -3, 0)  # ended exactly now
        s.commit()
        df = od.on_duty_now(s, NOW.astimezone(CST), scope_code=PROVINCE)
        assert len(df) == 15 * len(od.TIERS) and list(od.TIERS) == [1, 2, 3]
        assert list(df["scope_name"][:: len(od.TIERS)][:3]) == ["省本级", "长沙市", "株洲市"]
        cs1 = df[(df["scope_code"] == CHANGSHA) & (df["tier"] == 1)].iloc[0]
        assert cs1["users"] == "cs_oncall、cs_oncall2" and not cs1["fallback"]
        assert cs1["until"] == NOW + 7 * H  # the later of the two ends
        cs2 = df[(df["scope_code"] == CHANGSHA) & (df["tier"] == 2)].iloc[0]
        assert cs2["users"] == "" and cs2["fallback"]  # the province's tier 2 covers 长沙
        zz1 = df[(df["scope_code"] == ZHUZHOU) & (df["tier"] == 1)].iloc[0]
        assert zz1["users"] == "" and not zz1["fallback"]
        prov2 = df[(df["scope_code"] == PROVINCE) & (df["tier"] == 2)].iloc[0]
        assert prov2["users"] == "prov_admin" and not prov2["fallback"]
        mine = od.on_duty_now(s, NOW, scope_code=CHANGSHA)
        assert set(mine["scope_code"]) == {CHANGSHA} and len(mine) == len(od.TIERS)


def test_shifts_window_status_and_scope(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    seed(sessions)
    with sessions() as s:
        _shift(s, CHANGSHA, "cs_oncall", -8, -1)
        _shift(s, CHANGSHA, "cs_oncall2", -1, 7)
        _shift(s, ZHUZHOU, "zz_oncall", 24, 32)
        _shift(s, CHANGSHA, "cs_admin", 24 * 9, 24 * 9 + 8)  # beyond 7 days
        s.commit()
        df = od.shifts(s, NOW, scope_code=PROVINCE)
        assert list(df["username"]) == ["cs_oncall", "cs_oncall2", "zz_oncall"]
        assert list(df["status"]) == ["over", "on", "upcoming"]
        assert list(df["scope_name"]) == ["长沙市", "长沙市", "株洲市"]
        assert df.iloc[1]["starts_at"] == NOW - H and df.iloc[1]["ends_at"].tzinfo is not None
        assert list(od.shifts(s, NOW, scope_code=ZHUZHOU)["username"]) == ["zz_oncall"]


def test_handovers_carry_the_alerts_passed_on(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    seed(sessions)
    with sessions() as s:
        a = add_alert(s, "a", city=CHANGSHA, rule="site_down")
        b = add_alert(s, "b", city=CHANGSHA, rule="dead_link")
        add_alert(s, "c", city=ZHUZHOU)
        pending = od.open_alerts(s, scope_code=CHANGSHA)
        assert list(pending["id"]) == [a.id, b.id] and set(pending["city_name"]) == {"长沙市"}
        assert len(od.open_alerts(s, scope_code=PROVINCE)) == 3
        roster.handover(s, CHANGSHA, "cs_oncall", "cs_oncall2", "空调待修", actor="cs_oncall", actor_scope=CHANGSHA,
                        now=NOW)
        roster.handover(s, ZHUZHOU, "zz_oncall", "zz_admin", "", actor="zz_oncall", actor_scope=ZHUZHOU,
                        now=NOW + H)
        s.commit()
        df = od.handovers(s, scope_code=PROVINCE)
        assert list(df["scope_name"]) == ["株洲市", "长沙市"]  # newest first
        cs = df.iloc[1]
        assert cs["alert_ids"] == [a.id, b.id] and cs["note"] == "空调待修"
        assert cs["alerts_text"] == f"#{a.id} site_down 告警；#{b.id} dead_link 告警"
        assert list(od.handovers(s, scope_code=CHANGSHA)["from_user"]) == ["cs_oncall"]


def test_silences_with_derived_state_and_matchers_text(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    seed(sessions)
    rule = [{"name": "rule", "op": "=", "value": "site_down"}]
    with sessions() as s:
        active = silences.create(s, rule, NOW - H, NOW + H, "prov_admin", "割接", scope_code=PROVINCE, now=NOW)
        pending = silences.create(s, [{"name": "site", "op": "=~", "value": "4301.*"}], NOW + H, NOW + 3 * H,
                                  "cs_admin", "机房断电维护", kind=SilenceKind.MAINTENANCE, scope_code=CHANGSHA,
                                  now=NOW)
        early = silences.create(s, rule, NOW - 2 * H, NOW + 5 * H, "prov_admin", "x", scope_code=PROVINCE,
                                now=NOW - 2 * H)
        silences.expire(s, early.id, "prov_admin", PROVINCE, NOW - H)
        s.commit()
        df = od.silences(s, NOW, scope_code=PROVINCE)
        assert list(df["id"]) == [early.id, pending.id, active.id]
        assert list(df["state"]) == ["expired", "pending", "active"]
        assert df.iloc[0]["ends_at"] == NOW - H  # the early end, not the planned one
        assert df.iloc[1]["matchers"] == 'site=~"4301.*", city="430100"' and df.iloc[1]["kind"] == "maintenance"
        assert df.iloc[1]["scope_name"] == "长沙市"
        assert list(od.silences(s, NOW, scope_code=PROVINCE, state="active")["id"]) == [active.id]
        assert list(od.silences(s, NOW, scope_code=CHANGSHA)["id"]) == [pending.id]
        assert od.silences(s, NOW, scope_code=ZHUZHOU).empty


def test_people_are_the_active_users_role_and_region_allow(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    seed(sessions)
    with sessions() as s:
        assert [u for u, _ in od.people(s, CHANGSHA)] == ["cs_admin", "cs_oncall", "cs_oncall2", "prov_admin"]
        assert [u for u, _ in od.people(s, PROVINCE)] == ["prov_admin"]
        assert od.people(s, ZHUZHOU)[0] == ("prov_admin", "prov_admin 姓名")
        assert [s_ for s_, _ in od.scopes(s, ZHUZHOU)] == [ZHUZHOU]
        assert len(od.scopes(s, PROVINCE)) == 15
