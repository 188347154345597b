"""Region scope on every data path (issue 9, items 2–4), over real HTTP on loopback.

The app runs on waitress at 127.0.0.1. Every registered Dash callback (``app.callback_map``) and every
Flask route (``app.server.url_map``) is called as every role scoped to 长沙 (430100), as a 长沙 kiosk wall,
as every role a county may hold scoped to 芙蓉区 (430102, a county of 长沙) and a 芙蓉区 wall, and
anonymously (login on), with another city's, site's, host's and alert's codes substituted into every input
and state that can carry one (one at a time, then all at once) — for 芙蓉区 also 长沙's own city, site, host
and alert — and the page router with every path normalisation trick. No response may carry anything of
another region: 株洲's, 湘潭's, 衡阳's or the province's codes, site names, host names and addresses, user
names, alerts, silences, handovers or audit entries; and to 芙蓉区 nothing of 长沙's own either. A callback or
route the app does not declare fails the walk, and the guard refuses it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dash import Dash, Input, Output
from sqlalchemy import update

from alerts import silences
from core.clock import FixedClock, to_ns
from core.i18n.security import S
from db.models import Host, HostRole
from db.models_alerts import DutyShift, Handover
from db.models_security import Role
from db.session import transaction
from security import audit
from security.users import create_user
from tests.alerts.oncall_world import add_alert
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.security.http_dash import HttpSession, callback_body, readable
from tests.support.web import wall_app
from tsdb.point import Point

CHANGSHA, ZHUZHOU, ZHUZHOU_COUNTY, PROVINCE, FURONG = "430100", "430200", "430202", "430000", "430102"
PASSWORD = "scope-walk-password-2026"

# 长沙 principals: every role a city may hold (a province admin must have province scope), and a wall.
CITY_USERS = {f"cs_{role.value}": role for role in Role if role is not Role.PROVINCE_ADMIN}
CITY_PRINCIPALS = [*CITY_USERS, "cs_kiosk"]
# 芙蓉区 principals: every role a county may hold (admins are province or city), and a wall.
COUNTY_USERS = {f"fr_{role.value}": role for role in Role if role not in (Role.PROVINCE_ADMIN, Role.CITY_ADMIN)}
COUNTY_PRINCIPALS = [*COUNTY_USERS, "fr_kiosk"]
PRINCIPALS = [*CITY_PRINCIPALS, *COUNTY_PRINCIPALS]
OTHERS = {"zz_oncall": (Role.ONCALL, ZHUZHOU, "株洲值班员甲"), "zz_admin": (Role.CITY_ADMIN, ZHUZHOU, "株洲管理员乙"),
          "p_oncall": (Role.ONCALL, PROVINCE, "省值班员丙"), "p_admin": (Role.PROVINCE_ADMIN, PROVINCE, "省管理员丁")}

# Hosts: one of 长沙 (shown to 长沙), one of a 株洲 county; the province's get distinct addresses too.
CS_HOST, ZZ_HOST = ("cs-app-01", "127.0.42.1"), ("zz-app-01", "127.0.42.2")
PROVINCE_ADDRESSES = {"web-01": "127.0.42.10", "db-01": "127.0.42.11"}

# Nothing of these may reach a 长沙 principal.
FOREIGN = [ZHUZHOU, ZHUZHOU_COUNTY, "430300", "430302", "430400", PROVINCE,
           "C0200", "X0302", "C0400", "P0001",
           "株洲市人民政府门户网站", "雨湖区人民政府门户网站", "衡阳市人民政府门户网站", "湖南省人民政府门户网站",
           "株洲市", "湘潭市", "衡阳市",
           ZZ_HOST[0], ZZ_HOST[1], "web-01", "db-01", "old-01", *PROVINCE_ADDRESSES.values(),
           *OTHERS, *(name for _, _, name in OTHERS.values()),
           "株洲告警标记", "省级告警标记", "株洲静默标记", "株洲交接标记", "株洲审计标记"]
OWN = ["长沙市人民政府门户网站", CS_HOST[0]]  # what a 长沙 viewer does see (the walk is not vacuous)
# Nothing of 长沙's own (its site, host, alert and people) may reach a 芙蓉区 principal either.
FOREIGN_TO_COUNTY = [*FOREIGN, "长沙市人民政府门户网站", "C0100", CS_HOST[0], CS_HOST[1], "长沙告警标记",
                     *CITY_USERS, *(f"长沙{role.value}" for role in CITY_USERS.values())]
OWN_COUNTY = ["芙蓉区人民政府门户网站", "cms-cs"]


def _is_county(who: str) -> bool:
    return who.startswith("fr_")

TRIGGERS = ("n_clicks", "n_intervals", "n_submit")  # numeric props that carry no code: kept as clicks
ROUTER = "_pages_content"  # the output of Dash's page router (walked with paths)


@dataclass
class Env:
    world: World
    app: Dash
    base: str
    ids: dict[str, int] = field(default_factory=dict)  # other-region rows: alert, shift, silence


def _seed(world: World) -> dict[str, int]:
    """Objects of 长沙 and of other regions beside the world's sites and hosts."""
    with transaction(world.sessions) as s:
        for name, role in CITY_USERS.items():
            create_user(s, name, PASSWORD, role, CHANGSHA, actor="test", now=NOW, display_name=f"长沙{role.value}")
        for name, role in COUNTY_USERS.items():
            create_user(s, name, PASSWORD, role, FURONG, actor="test", now=NOW, display_name=f"芙蓉{role.value}")
        for name, (role, scope, display) in OTHERS.items():
            create_user(s, name, PASSWORD, role, scope, actor="test", now=NOW, display_name=display)
        s.add(Host(name=CS_HOST[0], address=CS_HOST[1], node_code=CHANGSHA, role=HostRole.WEB))
        s.add(Host(name=ZZ_HOST[0], address=ZZ_HOST[1], node_code=ZHUZHOU_COUNTY, role=HostRole.DATABASE))
        for name, address in PROVINCE_ADDRESSES.items():
            s.execute(update(Host).where(Host.name == name).values(address=address))
        cs = add_alert(s, "walk-cs", city=CHANGSHA, site="C0100", node=CHANGSHA)
        cs.summary = "长沙告警标记"
        add_alert(s, "walk-fr", city=CHANGSHA, site="X0102", node=FURONG)
        zz = add_alert(s, "walk-zz", city=ZHUZHOU, site="C0200", rule="site_down")
        zz.summary = "株洲告警标记"
        prov = add_alert(s, "walk-p", city=PROVINCE, site="P0001", rule="host_down")
        prov.summary = "省级告警标记"
        shift = DutyShift(scope_code=ZHUZHOU, tier=1, username="zz_oncall", starts_at=NOW - timedelta(hours=1),
                          ends_at=NOW + timedelta(hours=5))
        s.add_all([shift, DutyShift(scope_code=PROVINCE, tier=1, username="p_oncall",
                                    starts_at=NOW - timedelta(hours=1), ends_at=NOW + timedelta(hours=5)),
                   Handover(scope_code=ZHUZHOU, from_user="zz_admin", to_user="zz_oncall", at=NOW,
                            note="株洲交接标记", open_alert_ids=[])])
        sil = silences.create(s, [{"name": "site", "op": "=", "value": "C0200"}], NOW, NOW + timedelta(hours=4),
                              "zz_oncall", "株洲静默标记", scope_code=ZHUZHOU, now=NOW)
        audit.record(s, "zz_admin", "user.create", "user", "zz_oncall", scope_code=ZHUZHOU, at=NOW,
                     summary="株洲审计标记")
        s.flush()
        ids = {"alert": zz.id, "province_alert": prov.id, "shift": shift.id, "silence": sil.id, "city_alert": cs.id}
    tags = {CS_HOST[0]: CHANGSHA, ZZ_HOST[0]: ZHUZHOU}
    world.store.write([Point("host", {"cpu_percent": 12.0, "mem_percent": 30.0}, to_ns(NOW - timedelta(seconds=5)),
                             {"host": h, "node": c, "city": c}) for h, c in tags.items()])
    return ids


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from waitress import create_server

    world = build_world(tmp_path_factory.mktemp("scope-walk"))
    ids = _seed(world)
    app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
    server = create_server(app.server, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    import threading

    thread = threading.Thread(target=server.run, name="scope-walk", daemon=True)
    thread.start()
    try:
        yield Env(world, app, f"http://127.0.0.1:{server.effective_port}", ids)
    finally:
        server.close()
        thread.join(timeout=10)
        world.store.close()


def _session(env: Env, who: str) -> HttpSession:
    s = HttpSession(env.base)
    if who in ("cs_kiosk", "fr_kiosk"):
        return s.kiosk(kiosk_token(env.world, FURONG if _is_county(who) else CHANGSHA, f"walk-wall-{id(s)}"))
    if who == "anonymous":
        return s
    return s.login(who, PASSWORD)


def _foreign(text: str, sent: Any = None, who: str = "") -> list[str]:
    """The markers of other regions in ``text``, except the code the request itself sent (a message may
    name the value it refuses; a leak of that region's data shows its other markers)."""
    echo = json.dumps(sent, ensure_ascii=False) if sent is not None else ""
    return [m for m in (FOREIGN_TO_COUNTY if _is_county(who) else FOREIGN) if m in text and m not in echo]


def _server_callbacks(app: Dash) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in app.callback_map.items() if "callback" in v}


def _slots(spec: dict[str, Any]) -> list[tuple[str, bool]]:
    """("id.property", is_input) of every plain input and state that can carry a code."""
    return [(f"{d['id']}.{d['property']}", group == "inputs") for group in ("inputs", "state")
            for d in spec.get(group, []) if not d["id"].startswith("{") and d["property"] not in TRIGGERS]


# What the pages' stores hold on 长沙's own pages (the walk then replaces them with other regions' codes).
OWN_STORES = {"city-code.data": CHANGSHA, "site-code.data": "C0100", "host-key.data": CS_HOST[0]}
OWN_COUNTY_STORES = {"city-code.data": FURONG, "site-code.data": "X0102", "host-key.data": "cms-cs"}


def _baseline(spec: dict[str, Any], who: str = "") -> tuple[dict[str, Any], str]:
    """Values that fire the callback (every trigger clicked once, the page's store on a page of the
    principal's own region) and the input that changed."""
    values: dict[str, Any] = dict(OWN_COUNTY_STORES if _is_county(who) else OWN_STORES)
    for d in [*spec["inputs"], *spec.get("state", [])]:
        if d["property"] in TRIGGERS and not d["id"].startswith("{"):
            values[f"{d['id']}.{d['property']}"] = 1
    first = spec["inputs"][0]
    trigger = next((f"{d['id']}.{d['property']}" for d in spec["inputs"]
                    if d["property"] in TRIGGERS and not d["id"].startswith("{")),
                   f"{first['id']}.{first['property']}")
    return values, trigger


def _codes(env: Env, who: str = "") -> list[Any]:
    """Another city's, county's, site's and host's codes, the province's host, another city's alert id; for
    a county's principal also its city's own code, site, host and alert and a sibling county's code."""
    codes: list[Any] = [ZHUZHOU, ZHUZHOU_COUNTY, "C0200", ZZ_HOST[0], "web-01", env.ids["alert"],
                        {"id": env.ids["alert"], "version": 1}]
    if _is_county(who):
        codes += [CHANGSHA, "430104", "C0100", CS_HOST[0], env.ids["city_alert"]]
    return codes


def _bodies(env: Env, key: str, spec: dict[str, Any], who: str = "") -> Iterator[tuple[Any, dict[str, Any]]]:
    """(the code sent, the request) for every substitution."""
    base, trigger = _baseline(spec, who)
    slots = _slots(spec)
    patterns = [d for d in spec["inputs"] if d["id"].startswith("{")]
    for code in _codes(env, who):
        for slot, is_input in slots:  # one input at a time
            yield code, callback_body(key, spec, {**base, slot: code}, slot if is_input else trigger)
        yield code, callback_body(key, spec, {**base, **{slot: code for slot, _ in slots}}, trigger)  # all at once
    for d in patterns:  # a pattern-matched button of another region's row (a shift, a silence, an alert)
        kind = json.loads(d["id"])["type"]
        for row in ("shift", "silence", "alert", *(("city_alert",) if _is_county(who) else ())):
            ident = env.ids[row]
            changed = json.dumps({"id": ident, "type": kind}, sort_keys=True, separators=(",", ":"))
            yield ident, callback_body(key, spec, {**base, f"{kind}.{d['property']}": [(ident, 1)]},
                                       f"{changed}.{d['property']}")


def test_every_callback_and_route_is_declared(env: Env) -> None:
    """A callback or a route the app does not declare fails here (and the guard refuses it: below)."""
    from security.enforce import registry

    reg = registry(env.app.server)
    undeclared = [k for k in _server_callbacks(env.app) if k not in reg.callbacks]
    assert not undeclared, f"callbacks without declared access: {undeclared}"
    routes = [r.endpoint for r in env.app.server.url_map.iter_rules() if r.endpoint not in reg.routes]
    assert not routes, f"routes without declared access: {routes}"
    assert reg.resolve_page is not None
    import dash

    pages = [p["module"] for p in dash.page_registry.values() if p.get("access") is None]
    assert not pages, f"pages without declared access: {pages}"


@pytest.mark.parametrize("who", PRINCIPALS)
def test_callbacks_show_nothing_of_another_region(env: Env, who: str) -> None:
    s = _session(env, who)
    leaks: list[str] = []
    for key, spec in _server_callbacks(env.app).items():
        if ROUTER in key:
            continue  # the page router: walked with paths below
        for code, body in _bodies(env, key, spec, who):
            r = s.callback(body)
            if found := _foreign(readable(r), code, who):
                leaks.append(f"{key} {json.dumps(body['inputs'] + body['state'], ensure_ascii=False)[:300]} "
                             f"-> {r.status_code} {found}")
    assert not leaks, f"{who}: {len(leaks)} responses carry another region's data:\n" + "\n".join(leaks[:20])


# Paths a browser could send to the page router (and load directly): another region's pages, and every
# normalisation of the province overview and of another city's page we could think of.
PATHS: list[tuple[Any, str]] = [
    ("/", ""), ("//", ""), ("///", ""), ("/./", ""), ("/?", "?x=1"), ("/", "?code=430100"),
    ("/city/430200", ""), ("/city/430200/", ""), ("//city/430200", ""), ("/city//430200", ""),
    ("/city/430100/../430200", ""), ("/city/430200/../430100", ""), ("/city/430100", "?code=430200"),
    ("/city/430100", "?code=430100&code=430200"), ("/city/430202", ""), ("/city/430000", ""),
    ("/City/430200", ""), ("/city%2F430200", ""), ("/city/%34%33%30%32%30%30", ""),
    ("/site/C0200", ""), ("/site/C0200/", ""), ("/site/P0001", ""), ("/site/X0102", "?code=C0200"),
    ("/site/c0200", ""), ("/hosts", ""), ("/hosts/", ""), ("/HOSTS", ""), ("/infra", ""), ("/host/web-01", ""),
    ("/host/zz-app-01", ""), ("/host/%77eb-01", ""), ("/host/web%2D01", ""), ("/host/cs-app-01", "?name=web-01"),
    ("/alerts", "?alert=ZZ"), ("/audit", "?region=430200"), ("/oncall", ""), ("/rules", ""), ("/404", ""),
    ("/annual", "?year=2026"), ("/annual/site/C0200", "?year=2026"), ("/annual/site/C0100", "?site=C0200"),
    ("/nowhere", ""), (None, ""), ("", ""), ("city/430200", ""), (["/city/430200"], ""), ("/city/430200", None),
]
# For a county's principals also its city's own pages and a sibling county's (every trick above applies).
COUNTY_PATHS: list[tuple[Any, str]] = [
    ("/city/430100", ""), ("/city/430100/", ""), ("/city/430102/../430100", ""), ("/city/430102", "?code=430100"),
    ("/city/430104", ""), ("/site/C0100", ""), ("/site/X0102", "?code=C0100"), ("/host/cs-app-01", ""),
    ("/host/cms-cs", "?name=cs-app-01"), ("/city/%34%33%30%31%30%30", ""),
]


@pytest.mark.parametrize("who", PRINCIPALS)
def test_page_router_and_paths_show_nothing_of_another_region(env: Env, who: str) -> None:
    s = _session(env, who)
    leaks = []
    for path, search in [*PATHS, *(COUNTY_PATHS if _is_county(who) else [])]:
        search = search.replace("ZZ", str(env.ids["alert"])) if isinstance(search, str) else search
        r = s.page(path, search)
        if found := _foreign(readable(r), [path, search], who):
            leaks.append(f"router {path!r} {search!r} -> {r.status_code} {found}")
        if isinstance(path, str) and path.startswith("/"):
            r = s.get(path + (search or ""))
            if found := _foreign(readable(r), [path, search], who):
                leaks.append(f"GET {path}{search or ''} -> {r.status_code} {found}")
    assert not leaks, f"{who}:\n" + "\n".join(leaks)
    assert s.page("//").status_code == 403 and s.page("/city/430100", "?code=430200").status_code == 403
    home, own_markers = ("/city/430102", OWN_COUNTY) if _is_county(who) else ("/city/430100", OWN)
    own = readable(s.page(home))
    assert all(m in own for m in own_markers), f"{who} does not see its own region: {own[:300]}"
    if _is_county(who):
        assert s.page("/city/430100").status_code == 403 and s.page("/site/C0100").status_code == 403


def _route_paths(env: Env) -> list[str]:
    """One concrete path per Flask route, carrying other regions' codes where a route takes any."""
    concrete = {"/static/<path:filename>": ["/static/x.css"], "/assets/<path:filename>": ["/assets/wall.css"],
                "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>":
                    ["/_dash-component-suites/dash/dash-renderer/build/dash_renderer.v1.min.js"],
                "/<path:path>": ["/city/430200", "/site/C0200", "/host/web-01", "/hosts", "/infra", "/audit"],
                "/audit/export.<fmt>": ["/audit/export.csv", "/audit/export.xlsx?region=430200",
                                        "/audit/export.csv?region=430000"],
                "/annual/export.<fmt>": ["/annual/export.pdf?site=C0200&year=2026",
                                         "/annual/export.xlsx?site=P0001&year=2026", "/annual/export.pdf"]}
    out = []
    for rule in env.app.server.url_map.iter_rules():
        out += concrete.get(rule.rule, [rule.rule])
    return out


@pytest.mark.parametrize("who", [*PRINCIPALS, "anonymous"])
def test_every_route_shows_nothing_of_another_region(env: Env, who: str) -> None:
    s = _session(env, who)
    paths = _route_paths(env) + (["/audit/export.csv?region=430100"] if _is_county(who) else [])
    assert "/_dash-layout" in paths and "/audit/export.csv" in paths
    leaks = []
    for path in paths:
        r = s.get(path) if path != "/_dash-update-component" else s.callback({"output": "x.children"})
        if found := _foreign(readable(r), path, who):
            leaks.append(f"{path} -> {r.status_code} {found}")
        if who == "anonymous" and path not in ("/login", "/logout") and not path.startswith("/assets/fonts/"):
            if path == "/healthz":  # the supervisor's check: open, and naming nothing but the process
                assert r.status_code == 200 and set(r.json()) == {"ok", "role", "pid"}, r.text
                continue
            assert r.status_code in (302, 401), (path, r.status_code)
    assert not leaks, f"{who}:\n" + "\n".join(leaks)


def test_anonymous_callbacks_are_refused(env: Env) -> None:
    s = _session(env, "anonymous")
    for key, spec in _server_callbacks(env.app).items():
        values, trigger = _baseline(spec)
        assert s.callback(callback_body(key, spec, values, trigger)).status_code == 401, key


def test_province_admin_reaches_every_callback(env: Env) -> None:
    """The declarations let the province through everywhere (so the refusals above are about region)."""
    s = _session(env, "p_admin")
    for key, spec in _server_callbacks(env.app).items():
        if ROUTER in key:
            continue
        values, trigger = _baseline(spec)
        r = s.callback(callback_body(key, spec, values, trigger))
        assert r.status_code in (200, 204), (key, r.status_code, r.text[:200])
    zz = readable(s.callback(callback_body(*_city_refresh(env, ZHUZHOU))))
    assert "株洲市人民政府门户网站" in zz
    assert readable(s.page("/")).count("湖南省人民政府门户网站") >= 1


def _city_refresh(env: Env, code: str) -> tuple[str, dict[str, Any], dict[str, Any], str]:
    key = next(k for k in env.app.callback_map if "city-sites-body" in k)
    return key, env.app.callback_map[key], {"city-tick.n_intervals": 1, "city-code.data": code}, "city-tick.n_intervals"


@pytest.mark.parametrize("who", ["cs_city_admin", "cs_kiosk"])
def test_reported_reproductions_are_refused(env: Env, who: str) -> None:
    """The probe's requests: 株洲's site list, a 株洲 site's findings, the overview, the platform host."""
    s = _session(env, who)
    r = s.callback(callback_body(*_city_refresh(env, ZHUZHOU)))
    assert r.status_code == 403 and r.text == S.FORBIDDEN_SCOPE
    key = next(k for k in env.app.callback_map if "site-findings-body" in k)
    r = s.callback(callback_body(key, env.app.callback_map[key], {"site-tick.n_intervals": 1,
                                                                   "site-code.data": "C0200"}, "site-tick.n_intervals"))
    assert r.status_code == 403 and r.text == S.FORBIDDEN_SCOPE
    key = next(k for k in env.app.callback_map if "overview-map" in k and "figure" in k)
    r = s.callback(callback_body(key, env.app.callback_map[key], {"overview-tick.n_intervals": 1},
                                 "overview-tick.n_intervals"))
    assert r.status_code == 403 and r.text == S.FORBIDDEN_SCOPE
    key = next(k for k in env.app.callback_map if "host-facts" in k)

    def host(name: str) -> Any:
        return s.callback(callback_body(key, env.app.callback_map[key],
                                        {"host-tick.n_intervals": 1, "host-key.data": name}, "host-tick.n_intervals"))

    for name in ("web-01", ZZ_HOST[0]):
        r = host(name)
        assert r.status_code == 403 and r.text == S.FORBIDDEN_SCOPE
    r = host(CS_HOST[0])
    assert r.status_code == 200 and CS_HOST[1] in readable(r)  # its own city's host it does see


def test_undeclared_callback_and_route_are_refused(tmp_path: Path) -> None:
    """Deny by default: a callback registered outside a page and a route nobody declared are refused to
    everyone, the province admin included."""
    world = build_world(tmp_path)
    try:
        with transaction(world.sessions) as s:
            create_user(s, "root", PASSWORD, Role.PROVINCE_ADMIN, PROVINCE, actor="test", now=NOW)
        app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
        app.callback(Output("walk-secret", "children"), Input("walk-secret-in", "value"))(lambda v: "机密")
        app.server.add_url_rule("/walk-secret", endpoint="walk_secret", view_func=lambda: "机密")
        from tests.security.dash_client import DashClient

        c = DashClient(app).login("root", PASSWORD)
        status, got = c.call("walk-secret.children", {"walk-secret-in.value": "x"}, "walk-secret-in.value")
        assert status == 403 and got is None
        r = c.client.get("/walk-secret")
        assert r.status_code == 403 and "机密" not in r.get_data(as_text=True)
        assert S.UNDECLARED in r.get_data(as_text=True)
        # With login switched off, anonymous viewers see the province, but still nothing undeclared.
        open_config = replace(world.config, security=replace(world.config.security, require_login=False))
        open_app = wall_app(open_config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
        open_app.server.add_url_rule("/walk-secret", endpoint="walk_secret", view_func=lambda: "机密")
        anon = open_app.server.test_client()
        assert anon.get("/walk-secret").status_code == 403
        assert anon.get("/city/430200").status_code == 200 and anon.get("/_dash-layout").status_code == 200
    finally:
        world.store.close()


@pytest.mark.parametrize("who", PRINCIPALS)
def test_pickers_name_only_people_of_the_own_region(env: Env, who: str) -> None:
    """The duty roster's and the handover's user pickers and the console's assign picker, for the own region's
    roster and alert: its people to those who may use the form, nobody to the others (a wall); a county's
    people only to a county's principals (its city's staff may take its alerts, but are not named to it)."""
    s = _session(env, who)
    county = _is_county(who)
    role = (COUNTY_USERS if county else CITY_USERS).get(who)

    def options(part: str, values: dict[str, Any], changed: str) -> list[str]:
        key = next(k for k in env.app.callback_map if part in k)
        r = s.callback(callback_body(key, env.app.callback_map[key], values, changed))
        assert r.status_code == 200, (part, r.status_code, r.text[:200])
        return [o["value"] for o in r.json()["response"][part.split(".")[0]]["options"]]

    roster = options("oncall-shift-user.options", {"oncall-shift-scope.value": FURONG if county else CHANGSHA},
                     "oncall-shift-scope.value")
    handover = options("oncall-handover-to.options", {"oncall-handover-from.children": who},
                       "oncall-handover-from.children")
    with env.world.sessions() as db:
        from db.models_alerts import Alert

        own_alert = db.query(Alert.id).filter(Alert.fingerprint == ("walk-fr" if county else "walk-cs")).scalar()
    assign = options("alerts-user.options", {"alerts-selected.data": own_alert}, "alerts-selected.data")
    # The own region's people who may hold a shift or take an alert (a county has no admin).
    staff = {"fr_oncall"} if county else {"cs_city_admin", "cs_oncall"}
    analyst = "fr_security" if county else "cs_security"
    assert set(roster) == (staff if role is Role.CITY_ADMIN else set()), roster
    assert set(handover) == (staff - {who} if role in (Role.CITY_ADMIN, Role.ONCALL) else set()), handover
    assert set(assign) == (staff | {analyst} if role in (Role.CITY_ADMIN, Role.ONCALL) else set()), assign


@pytest.mark.parametrize("who", ["cs_city_admin", "cs_kiosk"])
def test_values_are_judged_where_the_callback_receives_them(env: Env, who: str) -> None:
    """Dash hands values to a callback by position, whatever id the request gives them: a request that
    renames, swaps, drops or adds an input is refused, so a code cannot slip past under another name."""
    s = _session(env, who)
    router = s.page("/city/430100")
    assert router.status_code == 200
    swapped = {"output": ".._pages_content.children..._pages_store.data..",
               "outputs": [{"id": "_pages_content", "property": "children"},
                           {"id": "_pages_store", "property": "data"}],
               "inputs": [{"id": "_pages_location", "property": "search", "value": "//"},
                          {"id": "_pages_location", "property": "pathname", "value": "/city/430100"}],
               "changedPropIds": ["_pages_location.pathname"], "state": []}
    r = s.callback(swapped)
    assert r.status_code == 403 and not _foreign(readable(r))
    key, spec, values, changed = _city_refresh(env, ZHUZHOU)
    body = callback_body(key, spec, values, changed)
    for state in ([{"id": "city-renamed", "property": "data", "value": ZHUZHOU}],  # renamed
                  [],  # dropped
                  [body["state"][0], {"id": "city-code", "property": "data", "value": CHANGSHA}]):  # added
        r = s.callback({**body, "state": state})
        assert r.status_code == 403 and not _foreign(readable(r)), state
