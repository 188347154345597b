"""The audit log page (/audit) over the real app and database (SQLite, and PostgreSQL when configured):
filters in Chinese, the viewer's region, a date range in 北京时间, paging with the total, and CSV/Excel
exports that keep to the region and are themselves audited."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import select

from core.clock import FixedClock
from dashboard import audit_data as ad
from db.models_security import AuditEntry, Role
from db.session import transaction
from security import audit
from security.users import create_user
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.security.dash_client import DashClient, outputs
from tests.support.internal_codes import english_codes_in
from tests.support.web import wall_app

# NOW is 2026-11-27 08:00 UTC = 16:00 北京时间.
N_FIRING = 60  # more than one page (50)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path, db_url=db_url)
    with transaction(w.sessions) as s:
        for name, role, scope in (("root", Role.PROVINCE_ADMIN, "430000"), ("cs-admin", Role.CITY_ADMIN, "430100"),
                                  ("sec", Role.SECURITY, "430000"), ("boss", Role.MANAGER, "430000")):
            create_user(s, name, f"{name}-password", role, scope, actor="test", now=NOW - timedelta(days=3))
        for i in range(N_FIRING):  # 长沙 alerts, one a minute up to NOW
            audit.record(s, audit.SYSTEM, "alert.firing", "alert", 100 + i, scope_code="430100",
                         at=NOW - timedelta(minutes=i),
                         summary=f"告警 site_down（网站 C0100 首页无法访问 {i}）状态：待触发 → 告警中")
        audit.record(s, "root", "alert.ack", "alert", 7, scope_code="430200", at=NOW - timedelta(hours=2),
                     summary="确认告警 #7：株洲在处理", remote_addr="10.0.0.9")
        # 2026-11-26 23:30 北京时间 (15:30 UTC): the 26th in Beijing, although the 26th in UTC too
        audit.record(s, "root", "kiosk.create", "kiosk_token", 3, scope_code="430000",
                     at=NOW - timedelta(hours=16, minutes=30), summary="创建大屏令牌 墙（范围 430000）")
        # 2026-11-27 00:30 北京时间 = 2026-11-26 16:30 UTC: the 27th on screen, the 26th in UTC
        audit.record(s, "root", "=cmd|' /C calc'!A0", "user", 1, scope_code="430000",
                     at=NOW - timedelta(hours=15, minutes=30), summary="=HYPERLINK(\"x\")")
    try:
        yield w
    finally:
        w.close()


@pytest.fixture
def app(world: World) -> Dash:
    return wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))


def _ids(tree: Any, ident: str) -> Any:
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == ident:
            return tree
        return next((c for v in tree.values() if (c := _ids(v, ident)) is not None), None)
    if isinstance(tree, list):
        return next((c for v in tree if (c := _ids(v, ident)) is not None), None)
    return None


def _texts(tree: Any) -> list[str]:
    """Every string a serialized component tree would show (children), in order."""
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, list):
        return [t for v in tree for t in _texts(v)]
    if isinstance(tree, dict):
        props = tree.get("props", {})
        out = _texts(props.get("children")) if "children" in props else []
        if "options" in props:
            out += [str(o.get("label", "")) for o in props["options"]]
        return out
    return []


def _open(client: DashClient, search: str = "") -> Any:
    status, text = client.page("/audit", search)
    assert status == 200
    return json.loads(text)["response"]["_pages_content"]["children"]


def _rows(body: Any) -> list[list[str]]:
    return [[" ".join(_texts(td)) for td in tr["props"]["children"]] for tr in body["props"]["children"]]


def _names(world: World) -> dict[str, str]:
    return ad.region_names({"430100": "长沙市", "430200": "株洲市", "430300": "湘潭市"})


def test_filters_confine_to_the_viewer_and_read_days_in_the_display_zone(world: World) -> None:
    from zoneinfo import ZoneInfo

    tz, names = ZoneInfo("Asia/Shanghai"), _names(world)

    def count(scope: str = "430000", **f: str) -> int:
        with world.sessions() as s:
            return ad.count(s, ad.parse_filter(f, scope, names), scope, tz)

    everything = count()
    assert everything >= N_FIRING + 3
    assert count(action="alert.firing") == N_FIRING and count(action="group:alerts") == N_FIRING + 1
    assert count(action="告警状态：告警中") == N_FIRING  # a Chinese name from an old link
    assert count(actor="系统") == N_FIRING and count(actor="ro") == 3 + 0
    assert count(object="大屏令牌") == 1 and count(object="#7") == 1
    in_changsha = N_FIRING + 1  # the alerts and the creation of its admin
    assert count(region="430200") == 1 and count(region="430100") == in_changsha
    assert count("430100") == in_changsha  # a city admin sees its city only, whatever it asks for
    with pytest.raises(ad.AuditFilterError, match="无权查看其他地区"):
        ad.parse_filter({"region": "430200"}, "430100", names)
    with pytest.raises(ad.AuditFilterError, match="格式应为 YYYY-MM-DD"):
        ad.parse_filter({"start": "27.11.2026"}, "430000", names)
    with pytest.raises(ad.AuditFilterError, match="晚于结束日期"):
        ad.parse_filter({"start": "2026-11-28", "end": "2026-11-27"}, "430000", names)
    # Days are Beijing days: 00:30 on the 27th is the 27th although it is the 26th in UTC.
    assert count(start="2026-11-26", end="2026-11-26", object="大屏令牌") == 1
    assert count(start="2026-11-27", end="2026-11-27", object="user", actor="root") == 1
    assert count(start="2026-11-26", end="2026-11-26", object="user", actor="root") == 0


def test_page_shows_chinese_names_pages_and_the_total(app: Dash, world: World) -> None:
    root = DashClient(app).login("root", "root-password")
    content = _open(root, "?actor=%E7%B3%BB%E7%BB%9F")  # ?actor=系统: the alert entries
    rows = _rows(_ids(content, "audit-body"))
    assert len(rows) == ad.PAGE_SIZE
    assert rows[0][:5] == ["2026-11-27 16:00:00", "系统", "告警状态：告警中", "告警 #100", "长沙市"]
    assert rows[0][6].startswith("告警 #100（网站 C0100 首页无法访问 0）")  # the rule's internal name is gone
    assert " ".join(_texts(_ids(content, "audit-count"))) == f"共 {N_FIRING} 条"
    shown = " ".join(_texts(content))
    assert "第 1 / 2 页" in shown and "时间（北京时间）" in shown
    assert english_codes_in(" ".join(" ".join(r) for r in rows)) == []
    # 下一页: the second page's rows and the same total.
    status, got = root.call("audit-body.children", {"audit-page.data": 1, "audit-actor.value": "系统"},
                            "audit-next.n_clicks")
    assert status == 200
    out = outputs(got)
    assert out["audit-pageno.children"] == "第 2 / 2 页" and out["audit-page.data"] == 2
    assert out["audit-next.disabled"] is True and out["audit-prev.disabled"] is False
    assert len(out["audit-body.children"]) == N_FIRING - ad.PAGE_SIZE
    # A filter: page 1 again, the export links carry it.
    status, got = root.call("audit-body.children", {"audit-action.value": "kiosk.create", "audit-page.data": 2},
                            "audit-action.value")
    out = outputs(got)
    assert out["audit-count.children"] == "共 1 条" and out["audit-page.data"] == 1
    assert out["audit-csv.href"] == "/audit/export.csv?action=kiosk.create"
    # A malformed date: the table stays, the message says what is wrong.
    status, got = root.call("audit-body.children", {"audit-start.value": "昨天"}, "audit-apply.n_clicks")
    out = outputs(got)
    assert "起始日期 '昨天'：格式应为 YYYY-MM-DD" in out["audit-msg.children"] and "audit-body.children" not in out


def test_city_admin_sees_its_city_and_others_are_refused(app: Dash) -> None:
    city = DashClient(app).login("cs-admin", "cs-admin-password")
    content = _open(city, "?region=430200")  # another city in the URL: refused, its own shown
    assert "无权查看其他地区的审计记录" in " ".join(_texts(content))
    rows = _rows(_ids(content, "audit-body"))
    assert rows and {r[4] for r in rows} == {"长沙市"}
    region = _ids(content, "audit-region")["props"]
    assert region["disabled"] is True and region["options"] == [{"label": "长沙市", "value": "430100"}]
    boss = DashClient(app).login("boss", "boss-password")
    assert boss.page("/audit")[0] == 403  # the page declares 查看审计日志: refused before it renders
    r = boss.client.get("/audit")
    assert r.status_code == 403 and "无权执行此操作：查看审计日志" in r.get_data(as_text=True)


def test_csv_and_excel_exports_keep_to_the_region_and_are_audited(app: Dash, world: World) -> None:
    from openpyxl import load_workbook

    def in_changsha() -> int:
        with world.sessions() as s:
            return len(s.scalars(select(AuditEntry.id).where(AuditEntry.scope_code == "430100")).all())

    root = DashClient(app).login("root", "root-password")
    r = root.client.get("/audit/export.csv?region=430100")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97-20261127-1600.csv" in r.headers["Content-Disposition"]
    raw = r.get_data()
    assert raw.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0] == ["时间（北京时间）", "操作人", "操作", "对象类型", "对象编号", "地区", "来源地址", "说明"]
    assert len(table) == 1 + in_changsha() and {row[5] for row in table[1:]} == {"长沙市"}
    assert ["2026-11-27 16:00:00", "系统", "告警状态：告警中", "告警", "100"] in [row[:5] for row in table]

    everything = root.client.get("/audit/export.csv")
    sheet = list(csv.reader(io.StringIO(everything.get_data().decode("utf-8-sig"))))
    bad = next(row for row in sheet if row[7].startswith("'="))  # a formula never runs in Excel
    assert bad[2] == "其他操作" and bad[7] == "'=HYPERLINK(\"x\")"

    city = DashClient(app).login("cs-admin", "cs-admin-password")
    x = city.client.get("/audit/export.xlsx")
    assert x.status_code == 200
    values = list(load_workbook(io.BytesIO(x.get_data())).active.values)
    assert values[0][0] == "时间（北京时间）" and len(values) == 1 + in_changsha() - 1  # its export's own entry
    assert {v[5] for v in values[1:]} == {"长沙市"}  # nothing of 株洲 or the province
    assert city.client.get("/audit/export.csv?region=430200").status_code == 400

    with world.sessions() as s:
        exports = s.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")
                            .order_by(AuditEntry.id)).all()
    assert [(e.actor, e.object_id, e.detail["rows"]) for e in exports] == [
        ("root", "csv", len(table) - 1), ("root", "csv", len(sheet) - 1), ("cs-admin", "xlsx", len(values) - 1)]
    assert exports[0].summary == f"导出审计日志 {len(table) - 1} 条（CSV）；筛选：地区 长沙市"
    assert exports[2].scope_code == "430100"


def test_exports_are_refused_to_walls_and_strangers(app: Dash, world: World) -> None:
    wall = DashClient(app, kiosk_token=kiosk_token(world))
    r = wall.client.get("/audit/export.csv")
    assert r.status_code == 403 and "大屏令牌为只读" in r.get_data(as_text=True)
    boss = DashClient(app).login("boss", "boss-password")
    assert boss.client.get("/audit/export.xlsx").status_code == 403
    anonymous = app.server.test_client().get("/audit/export.csv")
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")
    root = DashClient(app).login("root", "root-password")
    r = root.client.get("/audit/export.pdf")
    assert r.status_code == 404 and "不支持的导出格式" in r.get_data(as_text=True)
