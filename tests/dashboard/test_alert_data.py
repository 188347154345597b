"""Alert reads and console actions on a real registry, with alerts raised by the real engine.

Every test runs on SQLite and, when ``GOVOPS_TEST_PG_URL`` is set, on PostgreSQL (the ``db_url``
fixture: a fresh schema per run), so the screens' queries are checked on the production database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from alerts import oncall
from alerts.engine import AlertEngine
from alerts.rules import load_rule_files
from alerts.silences import SilenceState, list_silences
from core.config import PROJECT_ROOT
from dashboard import alert_data as ad
from dashboard.alert_actions import perform, silence_matchers
from db.models import Site
from db.models_alerts import Alert, DeliveryStatus, Notification
from db.models_security import Role
from db.session import transaction
from inspection.base import CheckResult, FindingDraft, Severity
from inspection.findings import save_result
from security.auth import Principal
from security.users import create_user
from tests.dashboard.alert_world import build_alert_world, version
from tests.dashboard.world import NOW, World

CS = oncall.Actor("cs_op", "430100")
PROV = Principal(actor="prov", scope_code="430000", role=Role.PROVINCE_ADMIN, user_id=1)
CS_P = Principal(actor="cs_op", scope_code="430100", role=Role.ONCALL, user_id=2)
XT_P = Principal(actor="xt_op", scope_code="430300", role=Role.ONCALL, user_id=3)
MANAGER = Principal(actor="boss", scope_code="430000", role=Role.MANAGER, user_id=4)
KIOSK = Principal.of_kiosk("wall", "430000")


@pytest.fixture
def aworld(db_url: str, tmp_path: Path) -> Iterator[tuple[World, dict[str, int]]]:
    """A fresh alert world per test (the registry on ``db_url``): tests may change it freely."""
    world, ids = build_alert_world(tmp_path, db_url=db_url)
    try:
        yield world, ids
    finally:
        world.close()  # PostgreSQL: no pooled connection may outlive the schema reset


def test_list_filters_scope_and_order(aworld: tuple[World, dict[str, int]]) -> None:
    world, ids = aworld
    with world.sessions() as s:
        df = ad.list_alerts(s, NOW)
        # Open states (the pending host alert included), critical first, newest first within a severity.
        assert list(df["severity"])[:2] == ["critical", "critical"]
        assert df.iloc[0]["id"] == ids["site_down/X0102"]  # fired 07:54, newer than the veto alert (07:50)
        assert df.iloc[0]["site_name"] == "芙蓉区人民政府门户网站" and df.iloc[0]["city_name"] == "长沙市"
        assert NOW - df.iloc[0]["fired_at"] == timedelta(minutes=6)
        assert set(df["state"]) == {"firing", "pending"}
        assert len(ad.list_alerts(s, NOW, ad.AlertFilter(states=("firing",)))) == 6
        cs = ad.list_alerts(s, NOW, scope_code="430100")
        assert set(cs["city_code"]) == {"430100"} and len(cs) == 5
        assert list(ad.list_alerts(s, NOW, ad.AlertFilter(city="430300"))["rule"]) == ["content_errors_severe"]
        assert set(ad.list_alerts(s, NOW, ad.AlertFilter(site="X0102"))["rule"]) == {
            "site_down", "site_slow", "availability_ratio_warning", "availability_ratio_veto"}
        sev = ad.list_alerts(s, NOW, ad.AlertFilter(severity="medium"))
        assert list(sev["rule"]) == ["site_slow", "host_cpu_high"]  # the pending one never fired: after
        pending = sev.iloc[1]
        assert pending["state"] == "pending" and pd.isna(pending["fired_at"])  # not its start time
        detail = ad.alert_detail(s, int(pending["id"]), NOW)
        assert detail is not None and detail.row["fired_at"] is None
        assert ad.list_alerts(s, NOW, ad.AlertFilter(city="430300"), scope_code="430100").empty
        assert ad.list_alerts(s, NOW, ad.AlertFilter(states=("resolved",))).empty
        assert [c for c, _ in ad.sites_of(s, "430100")] == ["C0100", "X0102"]
        tick = ad.ticker(s, NOW, limit=3)
        assert list(tick["rule"]) == ["site_slow", "site_down", tick.iloc[2]["rule"]]  # newest first, no pending
        assert "host_cpu_high" not in set(ad.ticker(s, NOW)["rule"])


def test_counts_by_city_puts_unacknowledged_critical_first(aworld: tuple[World, dict[str, int]]) -> None:
    world, _ = aworld
    with world.sessions() as s:
        counts = ad.counts_by_city(ad.list_alerts(s, NOW, ad.AlertFilter(states=("firing", "acknowledged"))))
    assert list(counts["city_name"]) == ["长沙市", "湘潭市"]
    cs = counts.iloc[0]
    assert (cs["total"], cs["critical"], cs["high"], cs["medium"], cs["unacked_critical"], cs["worst"]) == (
        5, 2, 2, 1, 2, "critical")
    assert counts.iloc[1]["worst"] == "high" and counts.iloc[1]["unacked_critical"] == 0
    assert ad.counts_by_city(pd.DataFrame(columns=ad.ALERT_COLUMNS)).empty


RULES = load_rule_files([PROJECT_ROOT / "data" / "alerts" / "rules"])
SHIPPED_INHIBIT = RULES.inhibit_rules


def test_one_fault_is_one_problem_on_the_wall_and_in_the_console(aworld: tuple[World, dict[str, int]]) -> None:
    """X0102 is down: site_down, site_slow and the two 7-day ratio alerts are one problem with the notifications'
    inhibit rules — one ticker item, one count, the dependants listed under it on the console."""
    world, ids = aworld
    down = ids["site_down/X0102"]
    deps = (ids["site_slow/X0102"], ids["availability_ratio_warning/X0102"], ids["availability_ratio_veto/X0102"])
    with world.sessions() as s:
        df = ad.list_alerts(s, NOW, inhibit_rules=SHIPPED_INHIBIT)
        tick = ad.ticker(s, NOW, inhibit_rules=SHIPPED_INHIBIT)
        opened = ad.list_alerts(s, NOW, ad.AlertFilter(states=("firing", "acknowledged")),
                                inhibit_rules=SHIPPED_INHIBIT)
        veto = ad.alert_detail(s, deps[2], NOW, inhibit_rules=SHIPPED_INHIBIT)
        top = ad.alert_detail(s, down, NOW, inhibit_rules=SHIPPED_INHIBIT)
        plain = ad.list_alerts(s, NOW)  # without rules nothing is grouped
    x = df[df["site"] == "X0102"]
    assert x.iloc[0]["id"] == down and tuple(x.iloc[0]["dependants"]) == tuple(sorted(deps))
    assert list(x["inhibited_by"].iloc[1:]) == [down] * 3  # right under their source, in the list's order
    assert list(df["id"]).index(down) + 1 == list(df["id"]).index(x.iloc[1]["id"])
    assert list(tick[tick["site"] == "X0102"]["rule"]) == ["site_down"]
    counts = ad.counts_by_city(opened).set_index("city_code")
    assert counts.loc["430100", "total"] == 2  # X0102 down (one problem) and C0100's column due
    assert veto is not None and veto.source is not None and veto.source["id"] == down
    assert top is not None and [d["id"] for d in top.dependants] == sorted(deps) and top.source is None
    assert plain["inhibited_by"].isna().all()


def test_detail_carries_events_notifications_audit_and_chart(aworld: tuple[World, dict[str, int]]) -> None:
    world, ids = aworld
    aid = ids["site_down/X0102"]
    with world.sessions() as s:
        v = version(world, aid)
        oncall.acknowledge(s, aid, v, CS, NOW, note="机房排查中")
        a = s.get(Alert, aid)
        assert a is not None
        s.add(Notification(idem_key="k1", group_key=a.group_key, alert_ids=[aid], receiver="长沙值班",
                           notifier="webhook", recipient="cs_op", payload={}, status=DeliveryStatus.RETRYING,
                           attempts=2, detail="HTTP 503", created_at=NOW))
        s.add(Notification(idem_key="k2", group_key=a.group_key, alert_ids=[aid + 100], receiver="别的",
                           notifier="sms", payload={}, status=DeliveryStatus.SENT, created_at=NOW))
        s.commit()
        d = ad.alert_detail(s, aid, NOW)
        assert ad.alert_detail(s, aid, NOW, scope_code="430300") is None  # another city's alert
        assert ad.alert_detail(s, 9999, NOW) is None
    assert d is not None
    assert d.row["state"] == "acknowledged" and d.row["acknowledged_by"] == "cs_op" and d.row["version"] == v + 1
    assert d.labels["site"] == "X0102"
    assert list(d.events["kind"]) == ["state", "state", "ack"] and d.events.iloc[-1]["note"] == "机房排查中"
    assert list(d.notifications["receiver"]) == ["长沙值班"]
    assert d.notifications.iloc[0][["status", "attempts", "detail"]].tolist() == ["retrying", 2, "HTTP 503"]
    assert "alert.ack" in set(d.audit["action"])
    chart = ad.chart_series(world.store, RULES, d, NOW)
    assert chart is not None and (chart.measurement, chart.field, chart.agg) == ("site_probe", "up", "avg")
    # 07:54 - 2 h .. 08:00 (now), 5-minute buckets; X0102 went down at 20:00 the day before: all zeros.
    assert len(chart.frame) >= 12 and set(chart.frame["value"]) == {0.0}
    with world.sessions() as s:
        assert ad.alert_findings(s, RULES, d, NOW) is None  # a metric rule: its chart, no findings
        # A finding rule has no metric: no chart (an unrelated probe history would mislead), its findings instead.
        f = ad.alert_detail(s, ids["content_errors_severe/X0302"], NOW)
        assert f is not None
        found = ad.alert_findings(s, RULES, f, NOW)
    assert ad.chart_series(world.store, RULES, f, NOW) is None
    assert found is not None and list(found["kind"]) == ["wrong_name"]
    assert found.iloc[0]["evidence"]["matched"] == "张三省长"
    assert found.iloc[0]["first_seen"] == NOW - timedelta(hours=1)


def test_the_chart_buckets_follow_the_rule_and_its_collector() -> None:
    """A point count per 5 minutes over −2 h … +1 h says nothing about an hourly or daily collector, nor a
    daily average about a 7-day ratio: the bucket is the rule's window (or slice), or for an absence rule the
    series' own interval; a bucket is complete one collection round after it ends."""
    by = RULES.by_name()
    fired = NOW - timedelta(minutes=30)
    down = ad.chart_plan(by["site_down"], 60.0, fired, NOW)
    assert (down.every, down.settle, down.start, down.stop) == (timedelta(minutes=5), timedelta(minutes=1),
                                                               fired - timedelta(hours=2), NOW)
    veto = ad.chart_plan(by["availability_ratio_veto"], 60.0, fired, NOW)
    assert (veto.every, veto.start) == (timedelta(days=1), fired - timedelta(days=8))  # the week, day by day
    hourly = ad.chart_plan(by["collector_silent"], 3600.0, fired, NOW, limit_s=7200.0)
    assert (hourly.every, hourly.settle, hourly.start) == (timedelta(hours=1), timedelta(hours=1),
                                                          fired - timedelta(hours=8))
    daily = ad.chart_plan(by["collector_silent"], 86400.0, fired, NOW, limit_s=2 * 86400.0)
    assert (daily.every, daily.start) == (timedelta(days=1), fired - timedelta(days=8))
    unknown = ad.chart_plan(by["site_slow"], None, fired, NOW)  # no recorded interval: settle a whole bucket
    assert (unknown.every, unknown.settle) == (timedelta(minutes=10), timedelta(minutes=10))


def test_a_7_day_ratio_alert_charts_its_week_per_day(aworld: tuple[World, dict[str, int]]) -> None:
    import collectors.kinds.site_probe  # noqa: F401  (declares site_probe.up under its collector kind)
    from core.clock import to_ns
    from tsdb.point import Point

    world, ids = aworld
    world.store.write([Point("collector_run", {"interval_s": 600.0, "last_run": 1.0}, to_ns(NOW),
                             {"collector": "site_probe", "node": "430000"})])
    with world.sessions() as s:
        d = ad.alert_detail(s, ids["availability_ratio_veto/X0102"], NOW)
    assert d is not None
    chart = ad.chart_series(world.store, RULES, d, NOW)
    assert chart is not None and chart.every == timedelta(days=1)
    assert 7 <= len(chart.frame) <= 10  # a week of daily points (and the running day), not 5-minute buckets
    assert ad.series_interval(world.store, "site_probe", "up") == 600.0


def test_defacement_alert_shows_its_evidence(aworld: tuple[World, dict[str, int]]) -> None:
    """A hidden gambling link on X0102's homepage: the alert's detail carries the finding with its evidence."""
    world, _ = aworld
    with world.sessions() as s, s.begin():
        site_id = s.scalar(select(Site.id).where(Site.code == "X0102"))
        link = FindingDraft(check="defacement", kind="hidden_link", location="http://bet.example.com/", severity=
                            Severity.CRITICAL, detail="首页存在隐藏链接（left:-9999px）指向 bet.example.com",
                            evidence={"page": "https://x0102.example.gov.cn/", "hidden_by": "left:-9999px",
                                      "text": "澳门赌场", "suspicious": True, "host": "bet.example.com"}, veto=True)
        other = FindingDraft(check="defacement", kind="external_script", location="http://cdn.example.net/x.js",
                             severity=Severity.CRITICAL, detail="新增外部脚本", evidence={"tag": "script"}, veto=True)
        save_result(s, site_id, CheckResult("defacement", "X0102", NOW, (link, other)), NOW)
    engine = AlertEngine(world.sessions, world.store, RULES)
    engine.evaluate(NOW)
    with world.sessions() as s:
        a = s.scalars(select(Alert).where(Alert.rule == "site_defaced")).one()  # one alert for the site
        d = ad.alert_detail(s, a.id, NOW)
        assert d is not None
        found = ad.alert_findings(s, RULES, d, NOW)
    assert a.value == 2.0 and a.summary.endswith("共 2 处：新增外部脚本或框架、隐藏链接（暗链）")
    assert found is not None and sorted(found["kind"]) == ["external_script", "hidden_link"]  # both, one alert
    assert found.set_index("kind").loc["hidden_link", "evidence"]["hidden_by"] == "left:-9999px"
    assert ad.chart_series(world.store, RULES, d, NOW) is None


def test_actions_go_through_oncall_with_chinese_refusals(aworld: tuple[World, dict[str, int]]) -> None:
    world, ids = aworld
    aid = ids["site_down/X0102"]
    go = world.sessions
    v = version(world, aid)
    assert perform(go, None, "ack", aid, v, NOW).message == "未登录，不能处置告警"
    assert perform(go, KIOSK, "ack", aid, v, NOW).message == "大屏令牌为只读，不能执行修改操作"
    assert "无权" in perform(go, MANAGER, "ack", aid, v, NOW).message
    assert "无权" in perform(go, XT_P, "ack", aid, v, NOW).message  # 湘潭 may not touch 长沙's alert
    ok = perform(go, CS_P, "ack", aid, v, NOW, note="处理中", remote_addr="127.0.0.9")
    assert ok.ok and ok.message == f"已确认告警 #{aid}"
    stale = perform(go, PROV, "ack", aid, v, NOW)  # read the version before cs_op acknowledged
    assert (stale.ok, stale.message) == (False, "已被他人处理，请刷新")
    assert perform(go, PROV, "ack", aid, v + 1, NOW).message == "告警当前状态不允许此操作，请刷新"
    assert perform(go, PROV, "assign", aid, v + 1, NOW).message == "请选择要指派的处理人"
    with transaction(go) as s:  # the assignee must be a real account (tests/dashboard/test_alert_actions.py)
        create_user(s, "wang", "wang-password", Role.ONCALL, "430100", actor="test", now=NOW)
    assert perform(go, PROV, "assign", aid, v + 1, NOW, user="wang").ok
    assert perform(go, PROV, "severity", aid, v + 2, NOW, severity="bogus").message.startswith("输入有误")
    assert perform(go, PROV, "severity", aid, v + 2, NOW, severity="high").ok
    assert perform(go, PROV, "close", aid, v + 3, NOW).message == "请填写原因"
    assert perform(go, PROV, "silence", aid, v + 3, NOW, note="割接", hours=0).message.startswith("静默时长")
    sil = perform(go, CS_P, "silence", aid, v + 3, NOW, note="机房割接", hours=2)
    assert sil.ok and "2 小时" in sil.message
    assert perform(go, CS_P, "close", aid, v + 3, NOW + timedelta(minutes=9), note="已修复").ok
    with go() as s:
        a = s.get(Alert, aid)
        assert a is not None
        assert (a.state.value, a.acknowledged_by, a.assigned_to, a.severity.value, a.resolve_reason) == (
            "resolved", "cs_op", "wang", "high", "已修复")
        (silence, state), = list_silences(s, NOW)
        assert state is SilenceState.ACTIVE and silence.created_by == "cs_op" and silence.scope_code == "430100"
        assert {"name": "alertname", "op": "=", "value": "site_down"} in silence.matchers
        assert {"name": "site", "op": "=", "value": "X0102"} in silence.matchers
        d = ad.alert_detail(s, aid, NOW)
    assert d is not None
    # The engine's own entries first, then every operator action, the lost race included.
    assert list(d.audit["action"]) == ["alert.pending", "alert.firing", "alert.ack", "alert.ack.conflict",
                                       "alert.assign", "alert.severity", "alert.close"]
    assert d.audit.iloc[2]["remote_addr"] == "127.0.0.9"
    with pytest.raises(ValueError, match="unknown console action"):
        perform(go, PROV, "delete", aid, v, NOW)
    assert silence_matchers({"b": "2", "a": "1"}, "r") == [
        {"name": "alertname", "op": "=", "value": "r"}, {"name": "a", "op": "=", "value": "1"},
        {"name": "b", "op": "=", "value": "2"}]


def test_mtta_mttr_per_city_from_real_rows(aworld: tuple[World, dict[str, int]]) -> None:
    world, ids = aworld
    with world.sessions() as s:
        # 长沙 site_down fired 07:54: acknowledged after 4 min, closed after 36 min.
        down, veto = ids["site_down/X0102"], ids["availability_ratio_veto/X0102"]
        oncall.acknowledge(s, down, version(world, down), CS, NOW - timedelta(minutes=2))
        oncall.close(s, down, version(world, down), CS, NOW + timedelta(minutes=30), "已修复")
        # veto alert fired 07:50: acknowledged after 20 min, never resolved.
        oncall.acknowledge(s, veto, version(world, veto), CS, NOW + timedelta(minutes=10))
        later = NOW + timedelta(hours=1)
        rows = ad.response_times(s, later, 7)
        cs_only = ad.response_times(s, later, 7, scope_code="430100")
        old = ad.response_times(s, later + timedelta(days=8), 7)
    stats = ad.mtta_mttr(rows).set_index("city_code")
    cs = stats.loc["430100"]
    assert (cs["fired"], cs["acked"], cs["resolved"]) == (5, 2, 1)
    assert cs["mtta_s"] == (4 * 60 + 20 * 60) / 2 and cs["mttr_s"] == 36 * 60
    xt = stats.loc["430300"]
    assert (xt["city_name"], xt["fired"], xt["acked"]) == ("湘潭市", 1, 0) and pd.isna(xt["mtta_s"])
    assert "430000" not in stats.index  # the pending host alert never fired
    assert set(cs_only["city_code"]) == {"430100"}
    assert old.empty and ad.mtta_mttr(old).empty


def test_mtta_mttr_is_pure_and_clamps_skew() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    rows = pd.DataFrame([
        {"city_code": "430100", "city_name": "长沙市", "fired_at": t, "acknowledged_at": t - timedelta(seconds=5),
         "resolved_at": t + timedelta(hours=2)},
        {"city_code": "430100", "city_name": "长沙市", "fired_at": t, "acknowledged_at": t + timedelta(minutes=10),
         "resolved_at": None}])
    out = ad.mtta_mttr(rows).iloc[0]
    assert (out["acked"], out["resolved"], out["mtta_s"], out["mttr_s"]) == (2, 1, 300.0, 7200.0)
