"""County scope end to end (issue 9): a county's users and walls land on their county's own wall, open
their county's sites and hosts, and see, act on and pick people for their county's alerts alone — never
the city's own objects, another county's or the province's.

The world: the wall test world (芙蓉区 430102 owns site X0102 and host cms-cs) with the shipped rules'
alerts raised by the real engine (site_down and its dependants for X0102, node label 430102), plus one
alert of 长沙's own (node 430100) and one of 岳麓区 (430104). Data paths run on SQLite and PostgreSQL;
the HTTP walk on a real waitress server on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alerts import roster, silences
from alerts.inhibition import InhibitRule
from alerts.matchers import make_matcher
from alerts.silences import list_silences
from core.i18n.security import S
from dashboard import alert_actions as aa
from dashboard import alert_data as ad
from dashboard import oncall_data as od
from dashboard.oncall_actions import perform_handover
from dashboard.rules_data import open_counts
from db.models_alerts import Alert
from db.models_security import Role
from db.session import transaction
from security.auth import Action, Principal
from security.users import create_user
from tests.alerts.oncall_world import add_alert
from tests.dashboard.alert_world import build_alert_world, version
from tests.dashboard.world import NOW, World, kiosk_token
from tests.security.http_dash import HttpSession, callback_body, readable
from tests.support.web import serve

PROVINCE, CHANGSHA, FURONG, YUELU = "430000", "430100", "430102", "430104"
PASSWORD = "county-walls-2026"
USERS = {"fr_oncall": (Role.ONCALL, FURONG, "芙蓉值班员甲"), "fr_oncall2": (Role.ONCALL, FURONG, "芙蓉值班员乙"),
         "fr_manager": (Role.MANAGER, FURONG, "芙蓉领导"), "yl_oncall": (Role.ONCALL, YUELU, "岳麓值班员"),
         "cs_oncall": (Role.ONCALL, CHANGSHA, "长沙值班员"), "cs_admin": (Role.CITY_ADMIN, CHANGSHA, "长沙管理员"),
         "p_oncall": (Role.ONCALL, PROVINCE, "省值班员")}
FR_STAFF = {"fr_oncall", "fr_oncall2"}  # 芙蓉区's people who may take an alert
# Nothing of these may reach a 芙蓉区 viewer: the city's own site, hosts and alert, 岳麓区's, other people.
NOT_FURONG = ["长沙市人民政府门户网站", "C0100", "长沙市级告警标记", "岳麓告警标记", "湖南省人民政府门户网站",
              "web-01", "db-01", "yl_oncall", "cs_oncall", "cs_admin", "p_oncall", "岳麓值班员", "长沙值班员",
              "长沙管理员", "省值班员"]


def fr() -> Principal:
    return Principal(actor="fr_oncall", scope_code=FURONG, role=Role.ONCALL)


def _seed(world: World) -> dict[str, int]:
    with transaction(world.sessions) as s:
        for name, (role, scope, display) in USERS.items():
            create_user(s, name, PASSWORD, role, scope, actor="test", now=NOW, display_name=display)
        city = add_alert(s, "county-cs", city=CHANGSHA, rule="site_slow", site="C0100", node=CHANGSHA)
        city.summary = "长沙市级告警标记"
        yl = add_alert(s, "county-yl", city=CHANGSHA, rule="dead_link", site="Y0104", node=YUELU)
        yl.summary = "岳麓告警标记"
        fr_alert = add_alert(s, "county-fr", city=CHANGSHA, rule="dead_link", site="X0102", node=FURONG)
        fr_alert.summary = "芙蓉告警标记"
        bare = add_alert(s, "county-bare", city=CHANGSHA, rule="host_down")  # no node label: the city's
        s.flush()
        return {"city": city.id, "yuelu": yl.id, "furong": fr_alert.id, "bare": bare.id}


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[tuple[World, dict[str, int]]]:
    w, fired = build_alert_world(tmp_path, db_url=db_url)
    ids = {**_seed(w), "site_down": fired["site_down/X0102"]}
    try:
        yield w, ids
    finally:
        w.close()


def _furong_ids(w: World) -> set[int]:
    with w.sessions() as s:
        return {a.id for a in s.scalars(select(Alert)) if (a.labels or {}).get("node") == FURONG}


def test_the_console_reads_show_a_county_its_own_alerts_only(world: tuple[World, dict[str, int]]) -> None:
    w, ids = world
    mine = _furong_ids(w)
    assert ids["site_down"] in mine and ids["furong"] in mine
    states = ("pending", "firing", "acknowledged", "resolved")
    with w.sessions() as s:
        seen = set(ad.list_alerts(s, NOW, ad.AlertFilter(states=states), scope_code=FURONG)["id"])
        assert seen == mine
        city = set(ad.list_alerts(s, NOW, ad.AlertFilter(states=states), scope_code=CHANGSHA)["id"])
        assert mine | {ids["city"], ids["yuelu"], ids["bare"]} <= city
        assert set(ad.list_alerts(s, NOW, ad.AlertFilter(states=states), scope_code=YUELU)["id"]) == {ids["yuelu"]}
        assert set(ad.list_alerts(s, NOW, ad.AlertFilter(states=states), scope_code=FURONG, limit=1)["id"]) <= mine
        assert ad.alert_detail(s, ids["furong"], NOW, scope_code=FURONG) is not None
        for other in ("city", "yuelu", "bare"):
            assert ad.alert_detail(s, ids[other], NOW, scope_code=FURONG) is None, other
        assert ad.alert_detail(s, ids["furong"], NOW, scope_code=YUELU) is None
        assert set(ad.response_times(s, NOW, 30, scope_code=FURONG)["city_code"]) <= {CHANGSHA}
        assert len(ad.response_times(s, NOW, 30, scope_code=FURONG)) == sum(
            1 for a in s.scalars(select(Alert).where(Alert.id.in_(mine))) if a.fired_at is not None)
        assert [c for c, _ in ad.sites_of(s, FURONG)] == ["X0102"]
        assert sum(open_counts(s, scope_code=FURONG).values()) == sum(
            1 for a in s.scalars(select(Alert).where(Alert.id.in_(mine))) if a.state.value != "resolved")
        assert set(roster.open_alert_ids(s, FURONG)) <= mine and ids["furong"] in roster.open_alert_ids(s, FURONG)
        assert ids["furong"] not in roster.open_alert_ids(s, YUELU)


def test_related_alerts_of_another_county_are_not_named(world: tuple[World, dict[str, int]]) -> None:
    """The console's 关联告警 (brief): a 芙蓉区 source and a 岳麓区 dependant grouped by a city-wide inhibit rule."""
    w, ids = world
    rule = InhibitRule("city_wide", (make_matcher("alertname", "=", "dead_link"), make_matcher("site", "=", "X0102")),
                       (make_matcher("site", "=", "Y0104"),), ("city",))
    with w.sessions() as s:
        as_city = ad.alert_detail(s, ids["furong"], NOW, scope_code=CHANGSHA, inhibit_rules=[rule])
        assert as_city is not None and ids["yuelu"] in {d["id"] for d in as_city.dependants}
        as_county = ad.alert_detail(s, ids["furong"], NOW, scope_code=FURONG, inhibit_rules=[rule])
        assert as_county is not None and ids["yuelu"] not in {d["id"] for d in as_county.dependants}
        yl = ad.alert_detail(s, ids["yuelu"], NOW, scope_code=YUELU, inhibit_rules=[rule])
        assert yl is not None and yl.source is None  # its source is 芙蓉区's: not named to 岳麓区
        assert ad.alert_detail(s, ids["yuelu"], NOW, scope_code=CHANGSHA, inhibit_rules=[rule]).source is not None


def test_a_county_acts_on_its_own_alerts_and_pickers_name_its_own_people(world: tuple[World, dict[str, int]]
                                                                         ) -> None:
    w, ids = world
    ok = aa.perform(w.sessions, fr(), "ack", ids["furong"], version(w, ids["furong"]), NOW)
    assert ok.ok, ok.message
    for other in ("city", "yuelu", "bare"):
        out = aa.perform(w.sessions, fr(), "ack", ids[other], version(w, ids[other]), NOW)
        assert not out.ok and out.message == S.FORBIDDEN_SCOPE, (other, out.message)
    with w.sessions() as s:
        assert set(aa.assignees(s, fr(), ids["furong"])["username"]) == FR_STAFF
        assert aa.assignees(s, fr(), ids["city"]).empty
        admin = Principal(actor="cs_admin", scope_code=CHANGSHA, role=Role.CITY_ADMIN)
        assert set(aa.assignees(s, admin, ids["furong"])["username"]) == FR_STAFF | {"cs_oncall", "cs_admin"}
        assert FR_STAFF.isdisjoint(aa.assignees(s, admin, ids["city"])["username"])  # 芙蓉区 may not take it
        assert {u for u, _ in od.choices(s, fr(), FURONG, Action.HANDOVER)} == FR_STAFF
        wall = Principal.of_kiosk("芙蓉区大屏", FURONG)
        assert od.choices(s, wall, FURONG, Action.HANDOVER) == [] and aa.assignees(s, wall, ids["furong"]).empty
    admin = Principal(actor="cs_admin", scope_code=CHANGSHA, role=Role.CITY_ADMIN)
    out = aa.perform(w.sessions, admin, "assign", ids["furong"], version(w, ids["furong"]), NOW, user="fr_oncall2")
    assert out.ok, out.message  # a county's alert may go to the county's staff
    out = aa.perform(w.sessions, admin, "assign", ids["city"], version(w, ids["city"]), NOW, user="fr_oncall2")
    assert not out.ok and "fr_oncall2" in out.message
    out = perform_handover(w.sessions, fr(), to_user="fr_oncall2", note="交班", now=NOW)
    assert out.ok, out.message
    with w.sessions() as s:
        (h,) = roster.recent_handovers(s, scope_code=FURONG)
        assert set(h.open_alert_ids) <= _furong_ids(w) and ids["furong"] in h.open_alert_ids
        assert roster.recent_handovers(s, scope_code=YUELU) == []


def test_a_county_silence_mutes_only_its_own_alerts(world: tuple[World, dict[str, int]]) -> None:
    w, _ = world
    with transaction(w.sessions) as s:
        sil = silences.create(s, [{"name": "rule", "op": "=~", "value": ".*"}], NOW, NOW + timedelta(hours=2),
                              "fr_oncall", "演练", scope_code=FURONG, now=NOW)
        sil_id = sil.id
    with w.sessions() as s:
        (active,) = [a for a in silences.active_silences(s, NOW + timedelta(minutes=1)) if a.id == sil_id]
        labels = {a.id: {"alertname": a.rule, **(a.labels or {})} for a in s.scalars(select(Alert))}
        muted = {aid for aid, lab in labels.items() if all(m.matches(lab) for m in active.matchers)}
        assert muted == _furong_ids(w)
        assert [x.id for x, _ in list_silences(s, NOW, scope_code=FURONG)] == [sil_id]
        assert list_silences(s, NOW, scope_code=YUELU) == []
        assert sil_id in {x.id for x, _ in list_silences(s, NOW, scope_code=CHANGSHA)}
        assert od.scopes(s, FURONG) == [(FURONG, "芙蓉区")]
        assert od.on_duty_now(s, NOW, scope_code=FURONG).empty  # a county has no roster of its own
        assert set(od.silences(s, NOW, scope_code=FURONG)["scope_name"]) == {"芙蓉区"}


# ---- over HTTP -------------------------------------------------------------------------------------

def _session(base: str, w: World, who: str) -> HttpSession:
    s = HttpSession(base)
    return s.kiosk(kiosk_token(w, FURONG, "芙蓉区大屏")) if who == "kiosk" else s.login(who, PASSWORD)


def _call(s: HttpSession, app_map: dict[str, Any], part: str, values: dict[str, Any], changed: str) -> Any:
    key = next(k for k in app_map if part in k)
    return s.callback(callback_body(key, app_map[key], values, changed))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who", ["fr_oncall", "fr_manager", "kiosk"])
def test_a_county_user_and_wall_land_on_their_county_and_see_only_it(world: tuple[World, dict[str, int]],
                                                                       who: str) -> None:
    w, ids = world
    from core.clock import FixedClock
    from tests.support.web import wall_app

    app_map = wall_app(w.config, store=w.store, sessions=w.sessions, clock=FixedClock(NOW)).callback_map
    with serve(w) as base:
        s = _session(base, w, who)
        r = s.get("/")
        assert r.status_code == 302 and r.headers["Location"].endswith(f"/city/{FURONG}")
        wall = readable(s.page(f"/city/{FURONG}"))
        assert "芙蓉区" in wall and "芙蓉区人民政府门户网站" in wall and "cms-cs" in wall, wall[:500]
        assert "未找到" not in wall
        refresh = readable(_call(s, app_map, "city-sites-body", {"city-tick.n_intervals": 1, "city-code.data": FURONG},
                                 "city-tick.n_intervals"))
        assert "X0102" in refresh and "网站 X0102 首页无法访问" in refresh, refresh[:2000]
        site = s.page("/site/X0102")
        assert site.status_code == 200 and f"/city/{FURONG}" in readable(site)
        assert "/city/430100" not in readable(site)
        assert s.page("/host/cms-cs").status_code == 200
        for path in ("/site/C0100", f"/city/{CHANGSHA}", f"/city/{YUELU}", "/host/web-01", "/"):
            assert s.page(path).status_code == 403, path
        listing = _call(s, app_map, "alerts-body", {"alerts-tick.n_intervals": 1}, "alerts-tick.n_intervals")
        assert listing.status_code == 200 and "芙蓉告警标记" in readable(listing)
        detail = _call(s, app_map, "alerts-facts", {"alerts-selected.data": ids["city"],
                                                    "alerts-tick.n_intervals": 1}, "alerts-tick.n_intervals")
        oncall = _call(s, app_map, "oncall-duty.children", {"oncall-tick.n_intervals": 1}, "oncall-tick.n_intervals")
        assert oncall.status_code == 200 and "区县不单独排班" in readable(oncall)
        for r in (listing, detail, oncall, site, s.page(f"/city/{FURONG}")):
            text = readable(r)
            assert not [m for m in NOT_FURONG if m in text], [m for m in NOT_FURONG if m in text]
