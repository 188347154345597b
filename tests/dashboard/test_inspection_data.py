"""Inspection reads behind the wall, against a real SQLite registry whose findings were written through
inspection/findings.py save_result (tests/dashboard/world.py) and judged by inspection/veto.py."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from dashboard import inspection_data
from dashboard.data import WallData
from db.models import Site
from inspection.base import CheckResult
from inspection.findings import open_findings, save_result
from inspection.rules import VetoRules
from inspection.veto import judge_site
from tests.dashboard.world import CHECK_NAMES, NOW, TODAY, World


def test_site_status_is_worst_open_severity_clean_or_unknown(data: WallData) -> None:
    sites = data.inspection(NOW).sites.set_index("code")
    assert sites["status"].to_dict() == {"C0100": "high", "C0200": "unknown", "C0400": "unknown", "P0001": "clean",
                                         "X0102": "critical", "X0302": "critical"}
    assert sites.loc["C0100", "open_findings"] == 3 and sites.loc["X0302", "open_findings"] == 6
    assert not sites.loc["C0200", "judged"]  # its only run failed
    assert sites.loc["X0302", "risk_items"] == ["columns_stale", "serious_errors"]
    # the nearest deadline of any open finding: the notice column's, before the homepage's
    assert sites.loc["C0100", "nearest_deadline"] == TODAY + timedelta(days=2) and sites.loc["C0100", "days_left"] == 2


def test_veto_items_match_inspection_veto_on_the_stored_findings(data: WallData, world: World) -> None:
    with world.sessions() as s:
        stored = open_findings(s, ["C0100"])
    expected = judge_site("C0100", stored, VetoRules(), TODAY, judged_checks=set(CHECK_NAMES))
    got = data.site_veto("C0100", NOW)
    assert list(got["item_code"]) == [i.item_code for i in expected.items]
    assert list(got["status"]) == [i.status for i in expected.items]
    hp = got.set_index("item_code").loc["homepage_stale"]
    assert (hp["status"], hp["deadline"], hp["days_to_breach"]) == ("at_risk", date(2026, 11, 30), 3)
    assert bool(hp["provisional"])  # the early-warning window (warn_days) is provisional
    unknown = data.site_veto("C0400", NOW)  # never inspected: nothing judged, nothing flagged
    assert set(unknown["status"]) == {"unknown"} and not unknown["provisional"].any()
    x = data.site_veto("X0102", NOW).set_index("item_code")
    assert x.loc["unreachable", "status"] == "breached" and not x.loc["unreachable", "provisional"]  # 5 % is firm
    assert x.loc["homepage_stale", "status"] == "unknown"


def test_site_findings_open_worst_first_then_recently_resolved(data: WallData) -> None:
    df = data.site_findings("X0102", NOW)
    assert list(zip(df["kind"], df["open"], strict=True)) == [("probe_failures", True), ("tls_expiring", False)]
    assert df.loc[1, "resolved_at"] == NOW - timedelta(days=2)
    assert "dead_link_homepage" not in set(df["kind"])  # resolved nine days ago: past the 7-day window
    assert df.loc[0, "evidence"]["ratio"] == 0.5 and df.loc[0, "first_seen"] == NOW - timedelta(hours=1)
    c = data.site_findings("C0100", NOW)
    assert list(c["severity"]) == ["high", "medium", "low"]
    assert list(c["days_left"].astype(object).where(c["days_left"].notna(), None)) == [3, None, 2]
    assert data.site_findings("NOPE", NOW).empty


def test_city_inspection_riskiest_first(data: WallData) -> None:
    df = data.city_inspection("430100", NOW)
    assert list(df["code"]) == ["X0102", "C0100"]  # vetoed before at risk
    assert list(df["vetoed"]) == [True, False] and list(df["at_risk"]) == [False, True]
    assert list(data.city_inspection("430300", NOW)["code"]) == ["X0302"]
    assert data.city_inspection("999999", NOW).empty


def test_veto_kpis_and_closest_to_breach(data: WallData) -> None:
    k = data.veto_kpis(NOW)
    assert (k.sites_total, k.sites_judged, k.vetoed, k.at_risk, k.provisional) == (6, 4, 2, 1, True)
    cs = data.veto_kpis(NOW, city="430100")
    assert (cs.sites_total, cs.vetoed, cs.at_risk) == (2, 1, 1)
    df = data.closest_to_breach(NOW)
    assert list(df["code"]) == ["X0302", "X0102", "C0100"]  # most breached items first, then by deadline
    assert list(df["state"]) == ["breached", "breached", "at_risk"]
    assert list(df["item_code"]) == ["columns_stale", "unreachable", "homepage_stale"]
    assert df.loc[2, "deadline"] == date(2026, 11, 30) and df.loc[2, "days_left"] == 3
    assert list(data.closest_to_breach(NOW, n=1)["code"]) == ["X0302"]


def test_one_read_per_window_and_a_fix_shows_next_window(data: WallData, world: World) -> None:
    first = data.inspection(NOW)
    assert data.inspection(NOW + timedelta(seconds=5)) is not None
    with world.sessions() as s, s.begin():
        site_id = s.execute(select(Site.id).where(Site.code == "X0102")).scalar_one()
        save_result(s, site_id, CheckResult("availability", "X0102", NOW), NOW)  # the site recovered
    cached = data.inspection(NOW + timedelta(seconds=5))  # same 10-second window: the cached read
    assert cached.sites.set_index("code").loc["X0102", "vetoed"] == first.sites.set_index("code").loc["X0102", "vetoed"]
    later = data.inspection(NOW + timedelta(seconds=20))
    x = later.sites.set_index("code").loc["X0102"]
    assert not x["vetoed"] and x["status"] == "clean"
    assert "probe_failures" in set(data.site_findings("X0102", NOW + timedelta(seconds=20))
                                   .query("open == False")["kind"])


def test_provisional_values_and_a_broken_rules_file(tmp_path: Path) -> None:
    veto, error = inspection_data.read_rules(tmp_path / "missing.toml")
    assert veto == VetoRules() and error is not None and "missing.toml" in error
    bad = tmp_path / "rules.toml"
    bad.write_text("[veto]\nwarn_days = 'seven'\n", encoding="utf-8")
    _, error = inspection_data.read_rules(bad)
    assert error is not None and "warn_days" in error
    values = dict(inspection_data.provisional_values(VetoRules(warn_days=3), ["veto.warn_days", "dead_links.x"]))
    assert values == {"warn_days": 3}
    assert inspection_data.item_provisional("columns_long_stale", "breached", {"long_stale_days"})
    assert not inspection_data.item_provisional("unreachable", "breached", {"unreachable_warning_ratio"})
    assert inspection_data.item_provisional("unreachable", "ok", {"unreachable_warning_ratio"})
    assert not inspection_data.item_provisional("homepage_stale", "unknown", {"warn_days"})


def _five_failed_probes(world: World, code: str) -> None:
    """The availability run five minutes after start on a site that is down: its real findings."""
    from inspection.base import SiteTarget
    from inspection.checks.availability import ProbeTally, Settings, judge

    tally = ProbeTally(total=5, failed=5, days=((0, 0),) * 6 + ((5, 5),))
    target = SiteTarget(code, code, f"https://{code.lower()}.example.gov.cn/", "provincial_portal", "430000",
                        "430000")
    drafts = judge(tally, Settings(), target, NOW - timedelta(days=7), NOW)
    with world.sessions() as s, s.begin():
        site_id = s.execute(select(Site.id).where(Site.code == code)).scalar_one()
        save_result(s, site_id, CheckResult("availability", code, NOW, tuple(drafts)), NOW)


def test_a_site_short_of_probe_data_is_neither_vetoed_nor_fine(data: WallData, world: World) -> None:
    _five_failed_probes(world, "P0001")
    veto = data.site_veto("P0001", NOW).set_index("item_code")
    item = veto.loc["unreachable"]
    assert (item["status"], item["count"], item["have"], item["need"], item["unit"]) == (
        "insufficient", 5, 5, 140, "probes")
    assert pd.isna(veto.loc["homepage_stale", "have"])  # judged from page dates: no window of its own
    site = data.inspection(NOW).sites.set_index("code").loc["P0001"]
    assert (site["vetoed"], site["at_risk"], site["insufficient"]) == (False, False, True)
    assert site["insufficient_items"] == ["unreachable"] and site["status"] == "medium"
    k = data.veto_kpis(NOW)
    assert (k.vetoed, k.at_risk, k.insufficient) == (2, 1, 1)
    closest = data.closest_to_breach(NOW)
    assert list(closest["code"]) == ["X0302", "X0102", "C0100", "P0001"]  # after every breach and risk
    last = closest.iloc[-1]
    assert (last["state"], last["item_code"], last["have"], last["need"]) == ("insufficient", "unreachable", 5, 140)
    province = data.city_inspection("430000", NOW).set_index("code")
    assert bool(province.loc["P0001", "insufficient"]) and not province.loc["P0001", "vetoed"]


def test_a_site_short_of_data_without_failures_is_not_listed_as_close_to_a_breach(data: WallData,
                                                                                  world: World) -> None:
    from inspection.base import SiteTarget
    from inspection.checks.availability import ProbeTally, Settings, judge

    tally = ProbeTally(total=5, failed=0, days=((0, 0),) * 6 + ((5, 0),))
    target = SiteTarget("P0001", "P0001", "https://p0001.example.gov.cn/", "provincial_portal", "430000", "430000")
    drafts = judge(tally, Settings(), target, NOW - timedelta(days=7), NOW)
    assert [d.kind for d in drafts] == ["probe_coverage"]
    with world.sessions() as s, s.begin():
        site_id = s.execute(select(Site.id).where(Site.code == "P0001")).scalar_one()
        save_result(s, site_id, CheckResult("availability", "P0001", NOW, tuple(drafts)), NOW)
    assert data.veto_kpis(NOW).insufficient == 1
    assert "P0001" not in set(data.closest_to_breach(NOW)["code"])
