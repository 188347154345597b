"""The yearly report screens (/annual, /annual/site/<code>) in real headless Chromium, offline: a 长沙 editor
finds the one field still missing, enters it by hand and submits; a reviewer (another user) returns the report
with a reason; the editor resubmits; the reviewer reviews and publishes. The page then shows who did what, and
the PDF and the Excel file downloaded from it carry the values the screen shows. Any console error or failed
request fails the test (Watch)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from annual.fill import Figure
from annual.workflow import fill_report, find, set_field
from core.clock import FixedClock
from dashboard.annual_data import template
from db.models import Site
from db.models_annual import ReportState
from db.models_security import AuditEntry, Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.browser_support import Watch, login, pick, serve, wait_text
from tests.dashboard.world import NOW, World, build_world

pytestmark = pytest.mark.browser
PASSWORD = "Annual-browser-2026!"
LAST = "icp"  # the one field left for the editor to fill in on the page


class Served(str):
    world: World
    clock: FixedClock


def _prepare(world: World) -> None:
    t = template()
    with transaction(world.sessions) as s:
        create_user(s, "cs_editor", PASSWORD, Role.EDITOR, "430100", actor="test", now=NOW)
        create_user(s, "cs_reviewer", PASSWORD, Role.REVIEWER, "430100", actor="test", now=NOW)
        site = s.scalars(select(Site).where(Site.code == "C0100")).one()
        site.organizer = "长沙市人民政府办公厅"
        figures = {src.text: Figure(None, "未读取栏目") for src in t.sources}
        figures |= {"registry.name": Figure(site.name, "网站登记信息：网站名称"),
                    "traffic.pv": Figure(4321, "访问日志：300/365 天有日志数据", "300/365")}
        report = fill_report(s, site, 2026, t, figures, "system", NOW - timedelta(days=2))
        for key, v in report.values.items():
            f = t.field(key)
            if v["value"] is None and key != LAST and f.source.kind != "sum":
                value = {"int": "3", "bool": "否", "date": "2027-01-15", "text": f"文字{key}"}.get(f.type) \
                    or f.choices[0]
                set_field(s, report, site, t, key, value, "cs_editor", NOW - timedelta(days=1))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    world = build_world(tmp_path)
    _prepare(world)
    clock = FixedClock(NOW)
    with serve(world, "annual-test", clock) as base:
        out = Served(base)
        out.world, out.clock = world, clock
        yield out


def _visible(page: Any, selector: str) -> bool:
    return bool(page.locator(selector).is_visible())


def _open(browser: Any, served: Served, user: str) -> tuple[Any, Watch]:
    page = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True).new_page()
    watch = Watch(page)
    login(page, served, user, PASSWORD, "/annual")
    wait_text(page, "#annual-body", "长沙市人民政府门户网站（C0100）")
    return page, watch


def _screen_rows(page: Any) -> dict[str, tuple[str, str]]:
    """Label → (value, origin) of every field row on the page."""
    rows = page.eval_on_selector_all("#annual-site-fields tr.annual-field",
                                     "rs => rs.map(r => [...r.cells].map(c => c.innerText.trim()))")
    return {r[0]: (r[1], r[2]) for r in rows}


def test_fill_submit_return_review_publish_and_download(browser: Any, served: Served) -> None:
    editor, ewatch = _open(browser, served, "cs_editor")
    assert editor.locator("#wall-nav a[href='/annual']").count() == 1
    row = editor.inner_text("#annual-row-C0100")
    assert "草稿" in row and "政府门户网站" in row and "长沙市" in row
    assert re.search(r"草稿\s+1\s+3\s+57", row)  # one missing, three automatic (a sum), 57 by hand
    assert "未生成" in editor.inner_text("#annual-row-X0102")
    assert "2026 年：2 个网站，已生成报表 1 个（已发布 0 个），未生成 1 个" in editor.inner_text("#annual-summary")
    editor.screenshot(path="/tmp/annual-list.png")
    editor.click("#annual-row-C0100 a")
    editor.wait_for_url("**/annual/site/C0100?year=2026", timeout=10_000)
    wait_text(editor, f"#annual-field-{LAST}", "未填报")
    assert "annual-missing" in (editor.get_attribute(f"#annual-field-{LAST}", "class") or "")
    wait_text(editor, "#annual-field-pv", "自动：访问日志：300/365 天有日志数据")
    wait_text(editor, "#annual-field-unit_head", "手工：cs_editor，2026-11-26 16:00")
    assert _visible(editor, "#annual-site-submit") and not _visible(editor, "#annual-site-review")
    assert not _visible(editor, "#annual-site-publish") and not _visible(editor, "#annual-site-return")

    # Submitting with a field missing is refused with the workflow's message; filled in, it goes through.
    editor.click("#annual-site-submit")
    wait_text(editor, "#annual-site-msg", "以下字段未能取得，提交前须手工填报：ICP备案号")
    pick(editor, "#annual-site-field", LAST)
    wait_text(editor, "#annual-site-hint", "文字")
    editor.fill("#annual-site-value", "湘ICP备05001234号-1")
    editor.click("#annual-site-set")
    wait_text(editor, "#annual-site-msg", "已填报 ICP备案号：湘ICP备05001234号-1")
    wait_text(editor, f"#annual-field-{LAST}", "湘ICP备05001234号-1【手工】")
    editor.click("#annual-site-submit")
    wait_text(editor, "#annual-site-msg", "年度报表：草稿 → 已提交")
    wait_text(editor, "#annual-site-head", "提交：cs_editor，2026-11-27 16:00")
    editor.wait_for_selector("#annual-site-form", state="hidden", timeout=10_000)
    wait_text(editor, "#annual-site-form-note", "报表状态为“已提交”，不能修改字段")

    # The reviewer returns it: a reason is required.
    reviewer, rwatch = _open(browser, served, "cs_reviewer")
    served.clock.advance(3600)
    reviewer.goto(f"{served}/annual/site/C0100?year=2026")
    reviewer.wait_for_selector("#annual-site-return", state="visible", timeout=15_000)
    assert not _visible(reviewer, "#annual-site-form") and not _visible(reviewer, "#annual-site-submit")
    reviewer.click("#annual-site-return")
    wait_text(reviewer, "#annual-site-msg", "退回须填写原因")
    reviewer.fill("#annual-site-reason", "网站总访问量与统计报表不符，请核实")
    reviewer.click("#annual-site-return")
    wait_text(reviewer, "#annual-site-msg", "年度报表：已提交 → 已退回")
    wait_text(reviewer, "#annual-site-head", "退回原因：网站总访问量与统计报表不符，请核实")

    # The editor sees why, and resubmits.
    editor.reload()
    wait_text(editor, "#annual-site-head", "退回原因：网站总访问量与统计报表不符，请核实")
    editor.wait_for_selector("#annual-site-submit", state="visible", timeout=10_000)
    editor.click("#annual-site-submit")
    wait_text(editor, "#annual-site-msg", "年度报表：已退回 → 已提交")

    # The reviewer reviews and publishes.
    served.clock.advance(3600)
    reviewer.reload()
    reviewer.wait_for_selector("#annual-site-review", state="visible", timeout=15_000)
    reviewer.click("#annual-site-review")
    wait_text(reviewer, "#annual-site-msg", "年度报表：已提交 → 已审核")
    reviewer.wait_for_selector("#annual-site-publish", state="visible", timeout=10_000)
    reviewer.click("#annual-site-publish")
    wait_text(reviewer, "#annual-site-msg", "年度报表：已审核 → 已发布")
    wait_text(reviewer, "#annual-site-head", "发布：cs_reviewer，2026-11-27 18:00")
    wait_text(reviewer, "#annual-site-head", "审核：cs_reviewer，2026-11-27 18:00")
    wait_text(reviewer, "#annual-site-none", "当前状态下您没有可做的操作")
    reviewer.screenshot(path="/tmp/annual-page.png")
    rows = _screen_rows(reviewer)
    screen = {label: value for label, (value, _) in rows.items()}
    assert screen["ICP备案号"] == "湘ICP备05001234号-1【手工】" and screen["网站总访问量（次）"] == "4321"

    # The files downloaded from the page say what the screen says.
    with reviewer.expect_download() as got:
        reviewer.click("#annual-site-pdf")
    assert got.value.suggested_filename.endswith(".pdf")
    text = "".join(re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(got.value.path()).pages)
    footer = {f.label for f in template().in_section("footer")}  # the signature line under the table
    for label, (value, origin) in rows.items():
        row = label + ("：" + value if label in footer else value + origin)  # the PDF's row, origin as on screen
        assert re.sub(r"\s+", "", row) in text, label
    assert "状态：已发布" in text and "发布：cs_reviewer，2026-11-2718:00" in text
    with reviewer.expect_download() as got:
        reviewer.click("#annual-site-xlsx")
    assert got.value.suggested_filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
    assert ws is not None
    cells = {str(r[0].value): r[1].value for r in ws.iter_rows(min_row=4) if r[0].value}
    for label, value in screen.items():
        plain = value.removesuffix("【手工】")
        if label in footer:
            assert f"{label}：{plain}" in next(k for k in cells if k.startswith("单位负责人：")), label
        else:
            assert str(cells[label]) == plain, label
    assert "已发布" in str(ws["A2"].value)

    with served.world.sessions() as s:
        site = s.scalars(select(Site).where(Site.code == "C0100")).one()
        report = find(s, site.id, 2026)
        assert report is not None and report.state is ReportState.PUBLISHED
        assert report.manual[LAST]["by"] == "cs_editor" and report.reviewer == "cs_reviewer"
        actions = [(a.actor, a.action) for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action.like("annual_report.%")).order_by(AuditEntry.id))]
    assert actions[-6:] == [("cs_editor", "annual_report.set"), ("cs_editor", "annual_report.submit"),
                            ("cs_reviewer", "annual_report.return"), ("cs_editor", "annual_report.submit"),
                            ("cs_reviewer", "annual_report.review"), ("cs_reviewer", "annual_report.publish")]
    for watch in (ewatch, rwatch):
        watch.close()
        assert [p for p in watch.problems if "/annual/export." not in p] == []
