"""The yearly report pages and downloads through Dash's router and the Flask routes: a city sees its own
sites, another city's report is refused, kiosk walls are refused, crafted callbacks act by role only, and the
download route refuses bad formats and arguments."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from dash import Dash
from openpyxl import load_workbook

from core.clock import FixedClock
from db.models_security import Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.annual_world import fill_all
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.security.dash_client import DashClient, outputs
from tests.support.web import wall_app

PASSWORD = "Annual-page-2026!"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    fill_all(w, ("C0100", "C0200"))
    with transaction(w.sessions) as s:
        for name, role, scope in (("cs_editor", Role.EDITOR, "430100"), ("cs_oncall", Role.ONCALL, "430100"),
                                  ("cs_reviewer", Role.REVIEWER, "430100")):
            create_user(s, name, PASSWORD, role, scope, actor="test", now=NOW)
    try:
        yield w
    finally:
        w.store.close()


def _app(world: World) -> Dash:
    return wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))


def test_city_pages_and_refusals(world: World) -> None:
    app = _app(world)
    editor = DashClient(app).login("cs_editor", PASSWORD)
    status, page = editor.page("/annual", "?year=2026")
    assert status == 200 and "annual-year" in page
    status, got = editor.call("annual-body.children", {"annual-year.value": 2026}, "annual-year.value")
    body = str(got)
    assert status == 200 and "C0100" in body and "X0102" in body and "C0200" not in body and "未生成" in body
    status, page = editor.page("/annual/site/C0100", "?year=2026")
    assert status == 200 and "长沙市人民政府门户网站 2026 年政府网站工作年度报表" in page
    assert editor.page("/annual/site/C0200", "?year=2026")[0] == 403
    assert "年度不对" in editor.page("/annual/site/C0100", "?year=abc")[1]
    assert "尚未生成" in editor.page("/annual/site/X0102", "?year=2026")[1]
    wall = DashClient(app, kiosk_token=kiosk_token(world))
    status, page = wall.page("/annual")
    assert "大屏不能打开年度报表" in page and "C0100" not in page
    r = wall.client.get("/annual/export.pdf?site=C0100&year=2026")
    assert r.status_code == 403 and b"%PDF" not in r.data


def test_refresh_shows_forms_by_role(world: World) -> None:
    app = _app(world)
    values = {"annual-site-code.data": "C0100", "annual-site-year.data": 2026, "annual-site-changed.data": 0}
    for user, form_hidden, submit_hidden in (("cs_editor", False, False), ("cs_reviewer", True, True),
                                             ("cs_oncall", True, True)):
        client = DashClient(app).login(user, PASSWORD)
        status, got = client.call("annual-site-head.children", values, "annual-site-changed.data")
        out = outputs(got)
        assert status == 200 and out["annual-site-form.hidden"] is form_hidden, user
        assert out["annual-site-submit.hidden"] is submit_hidden and out["annual-site-review.hidden"] is True
    oncall = DashClient(app).login("cs_oncall", PASSWORD)  # a crafted click by a role that may not edit
    status, got = oncall.call("annual-site-msg.children", {**values, "annual-site-set.n_clicks": 1,
                                                          "annual-site-field.value": "icp",
                                                          "annual-site-value.value": "x"}, "annual-site-set.n_clicks")
    assert status == 200 and "编辑内容" in str(outputs(got)["annual-site-msg.children"])


def test_downloads(world: World) -> None:
    client = DashClient(_app(world)).login("cs_editor", PASSWORD).client
    r = client.get("/annual/export.xlsx?site=C0100&year=2026")
    assert r.status_code == 200 and r.headers["Content-Disposition"].startswith("attachment;")
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws is not None and ws["A1"].value == "政府网站工作年度报表（2026年度）"
    r = client.get("/annual/export.pdf?site=C0100&year=2026")
    assert r.status_code == 200 and r.data.startswith(b"%PDF") and r.mimetype == "application/pdf"
    assert client.get("/annual/export.pdf?site=C0200&year=2026").status_code == 403
    assert client.get("/annual/export.doc?site=C0100&year=2026").status_code == 404
    assert client.get("/annual/export.pdf?site=C0100").status_code == 400
    assert client.get("/annual/export.pdf?site=X0102&year=2026").status_code == 404  # no report yet
