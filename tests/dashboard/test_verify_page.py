"""The verification page (/verify) through Dash's page router: a city admin sees its own sites' queue and
notices only, the province all; roles without ``verify_findings`` and kiosk walls are refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import select

from core.clock import FixedClock
from db.models import Site
from db.models_security import Role
from db.session import transaction
from operations import notice_store, verify_store
from security.users import create_user
from tests.dashboard.world import NOW, World, build_world, kiosk_token
from tests.operations.world import PROVINCE, finding
from tests.security.dash_client import DashClient
from tests.support.internal_codes import english_codes_in
from tests.support.web import wall_app

PASSWORD = "Verify-page-2026!"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    with transaction(w.sessions) as s:
        for name, role, scope in (("root", Role.PROVINCE_ADMIN, "430000"), ("cs_admin", Role.CITY_ADMIN, "430100"),
                                  ("cs_oncall", Role.ONCALL, "430100")):
            create_user(s, name, PASSWORD, role, scope, actor="test", now=NOW)
        ids = {code: sid for code, sid in s.execute(select(Site.code, Site.id))}
        s.execute(Site.__table__.update().where(Site.code == "C0100").values(organizer="长沙市人民政府办公厅"))
    with w.sessions() as s:
        cs = finding(s, ids["C0100"], "https://c0100.example.gov.cn/news", at=NOW - timedelta(days=2))
        fr = finding(s, ids["X0102"], "https://x0102.example.gov.cn/news", at=NOW - timedelta(days=2))
        zz = finding(s, ids["C0200"], "https://c0200.example.gov.cn/news", at=NOW - timedelta(days=2))
        s.commit()
        verify_store.decide(s, fr.id, PROVINCE, NOW - timedelta(days=1), "dismissed", "false_positive")
        notice_store.create_notice(s, PROVINCE, NOW, "C0100", [cs.id], (NOW + timedelta(days=5)).date())
        w.finding_ids = {"cs": cs.id, "fr": fr.id, "zz": zz.id}  # type: ignore[attr-defined]
    try:
        yield w
    finally:
        w.store.close()


def _texts(node: Any) -> Iterator[str]:
    """The text a viewer reads: every string child of the rendered components (ids and classes left out)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "children" and isinstance(v, str):
                yield v
            else:
                yield from _texts(v)
    elif isinstance(node, list):
        for v in node:
            yield from _texts(v)


def _app(world: World) -> Dash:
    return wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))


def _tables(client: DashClient) -> str:
    """The queue and the notices as the page's callbacks fill them in (JSON text)."""
    status, queue = client.call("verify-queue-body.children", {"verify-filter.value": "open"}, "verify-filter.value")
    assert status == 200
    status, notices = client.call("verify-notices-body.children", {}, "verify-notice-changed.data")
    assert status == 200
    return json.dumps([queue, notices], ensure_ascii=False)


def test_city_admin_sees_its_own_region_only(world: World) -> None:
    app = _app(world)
    client = DashClient(app).login("cs_admin", PASSWORD)
    status, page = client.page("/verify")
    assert status == 200 and "verify-entry-add" in page and "verify-notice-create" in page
    body = _tables(client)
    assert "长沙市人民政府门户网站（C0100）" in body and "株洲" not in body and "C0200" not in body
    assert "芙蓉区人民政府门户网站（X0102）" in body  # its county's findings too …
    assert "https://x0102.example.gov.cn/news" not in body  # … but not one dismissed on unchanged evidence
    assert "待核验" in body and "致" in page and "长沙市人民政府办公厅" in body and "草稿" in body
    assert english_codes_in(" ".join(_texts([json.loads(body), json.loads(page)]))) == []
    root = DashClient(app).login("root", PASSWORD)
    assert root.page("/verify")[0] == 200 and "株洲市人民政府门户网站（C0200）" in _tables(root)


def test_an_editor_gets_the_notices_to_answer_only(world: World) -> None:
    with transaction(world.sessions) as s:
        create_user(s, "cs_editor", PASSWORD, Role.EDITOR, "430100", actor="test", now=NOW)
    client = DashClient(_app(world)).login("cs_editor", PASSWORD)
    status, page = client.page("/verify")
    assert status == 200 and "verify-answer-go" in page and "verify-readonly" in page
    assert "verify-entry-add" not in page and "verify-notice-create" not in page and "verify-queue-body" not in page
    body = _tables(client)
    assert "长沙市人民政府办公厅" in body and "C0100" in body  # the notice …
    assert "verify-issue" not in body and "https://c0100.example.gov.cn/news" not in body  # … no 下发, no queue


def test_roles_without_verification_and_walls_are_refused(world: World) -> None:
    app = _app(world)
    status, body = DashClient(app).login("cs_oncall", PASSWORD).page("/verify")
    assert status == 403 and "C0100" not in body
    status, body = DashClient(app, kiosk_token=kiosk_token(world)).page("/verify")
    assert status == 403 and "C0100" not in body
