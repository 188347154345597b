"""No internal code on the on-call console: its list and every alert's detail, as the page's own callbacks
render them over real HTTP for a logged-in operator, read in Chinese — rules by their titles, labels by
Chinese keys and names (网站 芙蓉区人民政府门户网站, 检查项 网页篡改与暗链, 采集器 栏目更新巡检), collectors by
their labels, the engine's reasons, actors, notifier kinds and audit actions in words.

The world has real alerts from the real engine and the shipped rules: a site down with its dependants, a
defacement (a hidden link and a script: one alert), a content error, a host alert, and the inspection
collector for columns silent for hours; they are notified (and suppressed) by the real planner and one is
acknowledged by an operator, so events, notifications and audit entries are there too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from dash import Dash
from sqlalchemy import select

from alerts import oncall
from alerts.engine import AlertEngine
from alerts.pipeline import Route
from alerts.planner import plan_notifications
from alerts.rules import load_rule_files
from collectors.kinds.inspection import group_kinds
from core.clock import FixedClock, to_ns
from db.models import Site
from db.models_alerts import Alert
from db.models_security import Role
from db.session import transaction
from inspection.base import CheckResult, FindingDraft, Severity
from inspection.catalog import check_groups
from inspection.findings import save_result
from security.users import create_user
from tests.dashboard.alert_world import fire_alerts
from tests.dashboard.world import NOW, World, build_world
from tests.security.dash_client import DashClient, outputs
from tests.support.internal_codes import english_codes_in
from tests.support.web import wall_app
from tsdb.point import Point

TEXT_PROPS = {"children", "title", "text", "name", "label", "placeholder"}

# The columns collector by its label: its checks' labels joined (栏目更新、服务实用性、政策解读巡检).
COLUMNS_LABEL = group_kinds(check_groups())["inspection_columns"].label_zh


def texts(value: Any, key: str = "children") -> list[str]:
    """Every string a person can read in a callback's output: text children, titles, labels, a figure's texts
    (ids, classes, links and styles are not shown)."""
    if isinstance(value, str):
        return [value] if key in TEXT_PROPS else []
    if isinstance(value, list | tuple):
        return [t for v in value for t in texts(v, key)]
    if isinstance(value, dict):
        if "props" in value and "type" in value:  # a Dash component
            return [t for k, v in value["props"].items() for t in texts(v, k)]
        return [t for k, v in value.items() for t in texts(v, k if k in TEXT_PROPS else key)]
    return []


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, DashClient, list[int]]]:
    world = build_world(tmp_path_factory.mktemp("codes"))
    # The daily-or-hourly inspection collector for columns has not run for 3 hours (interval 1 hour).
    world.store.write([Point("collector_run", {"last_run": 1.0, "interval_s": 3600.0},
                             to_ns(NOW - timedelta(hours=3)), {"collector": "inspection_columns", "node": "430000"})])
    with transaction(world.sessions) as s:
        site_id = s.scalar(select(Site.id).where(Site.code == "X0102"))
        save_result(s, site_id, CheckResult("defacement", "X0102", NOW, (
            FindingDraft("defacement", "hidden_link", "http://bet.example.com/", Severity.CRITICAL, "首页存在隐藏链接",
                         {"hidden_by": "left:-9999px", "text": "澳门赌场", "suspicious": True,
                          "host": "bet.example.com"}, veto=True),
            FindingDraft("defacement", "external_script", "http://cdn.example.net/x.js", Severity.CRITICAL,
                         "新增外部脚本", {"tag": "script", "host": "cdn.example.net"}, veto=True))), NOW)
        create_user(s, "p_oncall", "codes-password-2026", Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
    fire_alerts(world)
    rules = load_rule_files([world.config.resolve_path(world.config.alerts.rules_dir)])
    AlertEngine(world.sessions, world.store, rules, FixedClock(NOW)).evaluate(NOW)
    with transaction(world.sessions) as s:
        plan_notifications(s, NOW, [Route("值班机器人", "webhook")], inhibit_rules=rules.inhibit_rules)
    with world.sessions() as s:
        ids = list(s.scalars(select(Alert.id).order_by(Alert.id)))
        down = s.scalar(select(Alert).where(Alert.rule == "site_down"))
        assert down is not None
        oncall.acknowledge(s, down.id, down.version, oncall.Actor("p_oncall", "430000"), NOW, note="机房排查中")
    app: Dash = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
    try:
        yield world, DashClient(app).login("p_oncall", "codes-password-2026"), ids
    finally:
        world.close()


def _list(client: DashClient, state: str) -> list[str]:
    status, got = client.call("alerts-body.children", {"alerts-f-state.value": state, "alerts-changed.data": 0},
                              "alerts-f-state.value")
    assert status == 200
    return texts(outputs(got)["alerts-body.children"])


def test_the_list_shows_no_internal_code(console: tuple[World, DashClient, list[int]]) -> None:
    _, client, _ = console
    shown = " ".join(_list(client, "open") + _list(client, "resolved"))
    assert f"采集器“{COLUMNS_LABEL}”已 3 小时 没有运行" in shown  # the collector by its label
    assert "共 2 处：新增外部脚本或框架、隐藏链接（暗链）" in shown  # one defacement, one alert
    assert english_codes_in(shown) == []


def test_every_alert_detail_shows_no_internal_code(console: tuple[World, DashClient, list[int]]) -> None:
    _, client, ids = console
    assert len(ids) >= 8
    seen = []
    for aid in ids:
        status, got = client.call("..alerts-facts.children", {"alerts-selected.data": aid, "alerts-changed.data": 0},
                                  "alerts-selected.data")
        assert status == 200, aid
        shown = " ".join(texts(got["response"]))
        assert english_codes_in(shown) == [], (aid, english_codes_in(shown))
        seen.append(shown)
    every = " ".join(seen)
    # Rules by title, labels by Chinese key and name, the engine's words for actors, reasons and kinds.
    for words in ("规则 网站首页无法访问", "网站 芙蓉区人民政府门户网站", "市州 长沙市", "检查项 网页篡改与暗链",
                  f"采集器 {COLUMNS_LABEL}", "规则 采集器停止运行", "系统", "条件持续满足，触发", "网络回调",
                  "确认告警", "锚文本 澳门赌场", "告警 #"):
        assert words in every, words
    assert "site_down" not in every and "check=" not in every and "alert.firing" not in every
