"""The verification page (/verify) in real headless Chromium, offline: a 长沙 city admin dismisses a finding with a
reason, adds a manual deduction from the indicator table, signs the sheet off; the page then shows the
dismissal, the entry and the signed sheet. Later (the clock moved on) the entry is withdrawn and the sheet
shows 签核后已变更 with the change. Any console error or failed request fails the test (Watch)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from db.models import Finding
from db.models import Site as SiteRow
from db.models_operations import FindingDecision, ManualEntry, ScoreSignoff
from db.models_security import AuditEntry, Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.browser_support import Watch, login, pick, serve, wait_text
from tests.dashboard.world import NOW, World, build_world
from tests.operations.world import finding

pytestmark = pytest.mark.browser
PASSWORD = "Verify-browser-2026!"


class Served(str):
    world: World
    clock: FixedClock
    finding_id: int


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    world = build_world(tmp_path)
    with transaction(world.sessions) as s:
        create_user(s, "cs_admin", PASSWORD, Role.CITY_ADMIN, "430100", actor="test", now=NOW)
        site_id = s.scalar(select(SiteRow.id).where(SiteRow.code == "C0100"))
        assert site_id is not None
        fid = finding(s, site_id, "https://c0100.example.gov.cn/zwgk/tzgg", at=NOW - timedelta(days=2)).id
        s.execute(SiteRow.__table__.update().where(SiteRow.code == "C0100").values(organizer="长沙市人民政府办公厅"))
    clock = FixedClock(NOW)
    with serve(world, "verify-test", clock) as base:
        out = Served(base)
        out.world, out.clock, out.finding_id = world, clock, fid
        yield out


def _open_finding(served: Served) -> int:
    """Another open finding of C0100 than the dismissed one."""
    with served.world.sessions() as s:
        site_id = s.scalar(select(SiteRow.id).where(SiteRow.code == "C0100"))
        fid = s.scalar(select(Finding.id).where(Finding.site_id == site_id, Finding.resolved_at.is_(None),
                                                Finding.id != served.finding_id).order_by(Finding.id).limit(1))
    assert fid is not None
    return fid


def test_city_admin_verifies_enters_and_signs(browser: Any, served: Served) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    watch = Watch(page)
    login(page, served, "cs_admin", PASSWORD, "/verify")
    row = f"#verify-finding-{served.finding_id}"
    page.wait_for_selector(row, timeout=20_000)
    assert page.locator("#wall-nav a[href='/verify']").count() == 1  # the header links the page …
    nav, title, side = page.evaluate("() => ['.wall-nav', '.wall-title', '.wall-side'].map(s => "
                                     "document.querySelector(s).getBoundingClientRect().toJSON())")
    text_w = page.evaluate("() => { const r = document.createRange(); "
                           "r.selectNodeContents(document.querySelector('.wall-title')); "
                           "return r.getBoundingClientRect().width; }")
    centre = title["x"] + title["width"] / 2  # … and its seven links do not run into the title
    assert nav["x"] + nav["width"] <= centre - text_w / 2 and centre + text_w / 2 <= side["x"] + 1

    # Dismiss the finding with a reason of the closed set and a note.
    pick(page, f"{row} .verify-reason", "exempt_column")
    page.fill(f"{row} :is(input.verify-qnote, .verify-qnote input)", "通知公告栏目已报备豁免")
    page.click(f"{row} button:has-text('排除')")
    wait_text(page, "#verify-queue-msg", f"已排除问题 #{served.finding_id}（豁免栏目）")
    page.wait_for_selector(row, state="detached", timeout=10_000)  # decided: out of the 待核验 queue …
    page.click("#verify-filter label:has-text('全部未消除问题')")
    wait_text(page, row, "已排除")  # … and shown as dismissed, with its reason, among all open ones
    wait_text(page, row, "（豁免栏目）")

    # A manual deduction from the indicator table, for 长沙's portal this quarter.
    pick(page, "#verify-site", "C0100")
    assert page.input_value("#verify-period") == "2026Q4"
    pick(page, "#verify-code", "news")
    page.fill("#verify-points", "2")
    page.fill("#verify-entry-note", "要闻栏目两周未更新")
    page.fill("#verify-evidence", "https://c0100.example.gov.cn/xwzx")
    page.click("#verify-entry-add")
    wait_text(page, "#verify-sheet-msg", "已添加人工扣分")
    wait_text(page, "#verify-entries-body", "news 动态要闻")
    wait_text(page, "#verify-sheet", "未签核")

    # Sign off: the sheet is signed, by whom and when.
    page.fill("#verify-sign-note", "复核无误")
    page.click("#verify-sign")
    wait_text(page, "#verify-sheet-msg", "C0100 2026Q4 评分表已签核")
    wait_text(page, "#verify-sheet", "评分表状态：已签核")
    wait_text(page, "#verify-sheet", "签核：cs_admin")
    assert "签核后变更" not in page.inner_text("#verify-sheet")

    # An hour later the entry is withdrawn: the sheet shows 签核后已变更 with the change.
    served.clock.advance(3600)
    page.fill("#verify-withdraw-note", "重复录入")
    page.click("#verify-entries-body button:has-text('撤回')")
    wait_text(page, "#verify-sheet-msg", "已撤回人工条目")
    wait_text(page, "#verify-sheet", "评分表状态：签核后已变更")
    wait_text(page, "#verify-changes", "撤回人工扣分")
    wait_text(page, "#verify-entries-body", "已撤回（cs_admin")
    page.screenshot(path="/tmp/verify-page.png")

    # A rectification notice for one open finding: draft, issue, then the owner's answer.
    pick(page, "#verify-notice-site", "C0100")
    other = _open_finding(served)
    pick(page, "#verify-notice-findings", str(other))
    page.click("#verify-notice-create")
    wait_text(page, "#verify-notice-msg", "已起草整改通知")
    wait_text(page, "#verify-notices-body", "草稿")
    page.click("#verify-notices-body button:has-text('下发')")
    wait_text(page, "#verify-notice-msg", "已下发整改通知")
    wait_text(page, "#verify-notices-body", "已下发")
    page.wait_for_function("() => document.querySelector('#verify-answer-notice') !== null")
    page.click("#verify-answer-notice")
    page.locator(".dash-dropdown-option", has_text="C0100").first.click()
    pick(page, "#verify-answer-problem", str(other))
    page.fill("#verify-answer-text", "已补充更新栏目内容")
    page.click("#verify-answer-go")
    wait_text(page, "#verify-notice-msg", "通知现为“已答复”")
    wait_text(page, "#verify-notices-body", "已答复")

    with served.world.sessions() as s:
        [d] = s.scalars(select(FindingDecision)).all()
        assert d.reason == "exempt_column" and d.decided_by == "cs_admin"
        [e] = s.scalars(select(ManualEntry)).all()
        assert e.code == "news" and e.points == 2 and e.withdrawn_by == "cs_admin"
        assert len(s.scalars(select(ScoreSignoff)).all()) == 1
        actions = {a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.actor == "cs_admin"))}
    assert {"verify.dismiss", "verify.entry.add", "verify.signoff", "verify.entry.withdraw", "notice.create",
            "notice.issue", "notice.answer"} <= actions
    watch.close()
    assert watch.problems == []
