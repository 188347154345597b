"""The yearly report screens' data and actions on a real SQLite registry: the region's reports of a year (未生成
without one), one report field by field with its provenance, and the role and region checks of every change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dashboard import annual_actions as aa
from dashboard import annual_data as ad
from db.models import Site
from db.models_security import Role
from operations.access import Actor
from security.auth import Principal
from tests.dashboard.annual_world import fill_all
from tests.dashboard.world import NOW, World, build_world

CST = ZoneInfo("Asia/Shanghai")
CITY = Actor("cs_editor", "430100", None, "editor")
PROVINCE = Actor("root", "430000", None, "province_admin")


def _principal(name: str, role: Role, scope: str = "430100") -> Principal:
    return Principal(actor=name, scope_code=scope, role=role)


EDITOR, REVIEWER = _principal("cs_editor", Role.EDITOR), _principal("cs_reviewer", Role.REVIEWER)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    fill_all(w)
    try:
        yield w
    finally:
        w.store.close()


def test_year_rows_of_a_city_and_the_province(world: World) -> None:
    with world.sessions() as s:
        rows = ad.year_rows(s, CITY, 2026, CST)
        everyone = ad.year_rows(s, PROVINCE, 2026, CST)
        assert ad.years(s, CITY, 2025) == [2026, 2025] and ad.default_year(s, CITY, 2025) == 2026
        assert ad.years(s, Actor("zz", "430200", None, "editor"), 2026) == [2026]
    assert [r.code for r in rows] == ["C0100", "X0102"]  # its own sites and its counties', by code
    c, x = rows
    assert (c.state, c.state_key, c.site_type, c.city) == ("草稿", "draft", "政府门户网站", "长沙市")
    assert (c.auto, c.manual, c.missing) == (2, 0, 59) and c.updated == "2026-11-26 16:00"  # Beijing time
    assert (x.state, x.state_key, x.missing, x.auto, x.manual, x.updated) == ("未生成", "", None, None, None, "")
    assert [r.code for r in everyone] == ["C0100", "C0200", "C0400", "P0001", "X0102", "X0302"]


def test_site_report_fields_and_provenance(world: World) -> None:
    now = NOW.astimezone(UTC)
    assert aa.perform_set(world.sessions, EDITOR, code="C0100", year=2026, key="info_overview", value="17",
                          now=now).ok
    with world.sessions() as s:
        got = ad.site_report(s, CITY, "C0100", 2026, CST)
        assert ad.site_report(s, Actor("zz", "430200", None, "editor"), "C0100", 2026, CST) is None
        assert ad.site_report(s, CITY, "NOPE", 2026, CST) is None
        none = ad.site_report(s, CITY, "X0102", 2026, CST)
    assert none is not None and none[1] is None  # the site exists, its report not yet
    assert got is not None and got[1] is not None
    view = got[1]
    fields = {f.key: f for _, fs in view.sections for f in fs}
    assert [label for label, _ in view.sections][:2] == ["基本信息", "信息发布"]
    assert fields["pv"].label == "网站总访问量（次）" and fields["pv"].value == "4321"
    assert fields["pv"].origin == "自动：访问日志：300/365 天有日志数据（仅 300/365 天有数据）"
    assert fields["info_overview"].value == "17【手工】" and fields["info_overview"].status == "manual"
    assert fields["info_overview"].origin == "手工：cs_editor，2026-11-27 16:00"
    assert fields["icp"].status == "missing" and fields["icp"].value == "未填报"
    assert fields["icp"].origin == "未能取得：未读取栏目"
    assert view.editable and view.actions == ["submit"] and view.counts == {"auto": 2, "manual": 1, "missing": 58}


def test_roles_regions_and_the_workflow_refusals(world: World) -> None:
    now = NOW
    def move(p: Principal | None, action: str, reason: str = "") -> aa.Outcome:
        return aa.perform_move(world.sessions, p, code="C0100", year=2026, action=action, reason=reason, now=now)

    out = aa.perform_set(world.sessions, REVIEWER, code="C0100", year=2026, key="icp", value="x", now=now)
    assert not out.ok and "编辑内容" in out.message  # a reviewer does not fill in
    zz = _principal("zz_editor", Role.EDITOR, "430200")
    out = aa.perform_set(world.sessions, zz, code="C0100", year=2026, key="icp", value="x", now=now)
    assert not out.ok and out.message == "无权查看其他地区的数据"  # another city's site, not named
    out = aa.perform_set(world.sessions, EDITOR, code="C0100", year=2026, key="svc_users", value="很多", now=now)
    assert not out.ok and out.message == "注册用户数（svc_users）应为非负整数，实际为 很多"
    assert not aa.perform_set(world.sessions, EDITOR, code="C0100", year=2025, key="icp", value="x", now=now).ok
    assert aa.perform_set(world.sessions, None, code="C0100", year=2026, key="icp", value="x", now=now).message \
        == "请先登录"
    out = move(EDITOR, "submit")
    assert not out.ok and out.message.startswith("以下字段未能取得，提交前须手工填报：首页网址、主办单位")
    t = ad.template()
    with world.sessions() as s:
        site = s.scalars(select(Site).where(Site.code == "C0100")).one()
        missing = [k for k, v in ad.find(s, site.id, 2026).values.items()  # type: ignore[union-attr]
                   if v["value"] is None and t.field(k).source.kind != "sum"]
    for key in missing:
        f = t.field(key)
        value = {"int": "3", "bool": "否", "date": "2027-01-15", "text": f"文字{key}"}.get(f.type) or f.choices[0]
        assert aa.perform_set(world.sessions, EDITOR, code="C0100", year=2026, key=key, value=value, now=now).ok, key
    assert not move(REVIEWER, "submit").ok  # a reviewer does not submit
    assert move(EDITOR, "submit").message == "年度报表：草稿 → 已提交"
    assert not aa.perform_set(world.sessions, EDITOR, code="C0100", year=2026, key="icp", value="y", now=now).ok
    assert move(REVIEWER, "return").message == "退回须填写原因"
    assert move(EDITOR, "return", "不行").ok is False  # an editor does not review
    assert move(REVIEWER, "return", "访问量与统计不符").message == "年度报表：已提交 → 已退回"
    with world.sessions() as s:
        view = ad.site_report(s, CITY, "C0100", 2026, CST)[1]  # type: ignore[index]
    assert view is not None and view.return_reason == "访问量与统计不符" and view.actions == ["submit"]
    assert view.head.returned == ("cs_reviewer", "2026-11-27 16:00", "访问量与统计不符")
    assert move(EDITOR, "submit").ok
    boss = _principal("root", Role.PROVINCE_ADMIN, "430000")
    assert move(boss, "publish").message == "年度报表当前状态为“已提交”，不能发布"
    assert move(REVIEWER, "review").message == "年度报表：已提交 → 已审核"
    assert move(boss, "publish").ok
    with world.sessions() as s:
        view = ad.site_report(s, CITY, "C0100", 2026, CST)[1]  # type: ignore[index]
    assert view is not None and view.head.state == "published" and view.actions == [] and not view.editable
    assert view.head.reviewed == ("cs_reviewer", "2026-11-27 16:00")
    assert view.head.published == ("root", "2026-11-27 16:00")
    assert aa.may(EDITOR, "set") and not aa.may(EDITOR, "review") and aa.may(REVIEWER, "publish")
