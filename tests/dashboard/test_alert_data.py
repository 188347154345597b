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

from alerts import oncall
from alerts.silences import SilenceState, list_silences
from dashboard import alert_data as ad
from dashboard.alert_actions import perform, silence_matchers
from db.models_alerts import Alert, DeliveryStatus, Notification
from db.models_security import Role
from db.session import transaction
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
        assert df.iloc[0]["age_s"] == 6 * 60
        assert set(df["state"]) == {"firing", "pending"}
        assert len(ad.list_alerts(s, NOW, ad.AlertFilter(states=("firing",)))) == 6
        cs = ad.list_alerts(s, NOW, scope_code="430100")
        assert set(cs["city_code"]) == {"430100"} and len(cs) == 5
        assert list(ad.list_alerts(s, NOW, ad.AlertFilter(city="430300"))["rule"]) == ["content_errors_severe"]
        assert set(ad.list_alerts(s, NOW, ad.AlertFilter(site="X0102"))["rule"]) == {
            "site_down", "site_slow", "availability_ratio_warning", "availability_ratio_veto"}
        sev = ad.list_alerts(s, NOW, ad.AlertFilter(severity="medium"))
        assert set(sev["rule"]) == {"site_slow", "host_cpu_high"}
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
    measurement, field, series = ad.chart_series(world.store, ad.load_rules(world.config), d, NOW)
    assert (measurement, field) == ("site_probe", "up")  # the rule's own metric, filtered by the alert's labels
    # 07:54 - 2 h .. 08:00 (now), 5-minute buckets; X0102 went down at 20:00 the day before: all zeros.
    assert len(series) >= 12 and set(series["value"]) == {0.0}
    # A finding rule has no metric: the site's probe history stands in.
    with world.sessions() as s:
        f = ad.alert_detail(s, ids["column_breach_soon/C0100"], NOW)
    assert f is not None
    m2, f2, s2 = ad.chart_series(world.store, ad.load_rules(world.config), f, NOW)
    assert (m2, f2) == ad.FALLBACK_SERIES and set(s2["value"]) == {1.0}


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
