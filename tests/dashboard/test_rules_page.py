"""The rules page (告警规则): the reader's keep-the-set policy on real rule files in tmp (a broken file,
a fixed file, an emptied directory, a duplicate name), the Chinese conditions, the filters, open alerts
per rule in the viewer's scope (SQLite and PostgreSQL), and the page over real HTTP for each viewer."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from alerts.rules import load_rule_files
from alerts.states import AlertState
from collectors.loader import load_kinds
from core.clock import FixedClock
from core.config import PROJECT_ROOT, AlertsConfig, Config
from core.severity import Severity
from dashboard.rules_data import (
    STATE_EMPTY,
    STATE_EMPTY_KEPT,
    STATE_KEPT,
    STATE_OK,
    STATE_REJECTED,
    CoverageStats,
    RuleFilter,
    RulesReader,
    build_snapshot,
    coverage_stats,
    filter_rules,
    open_counts,
    rule_frame,
)
from db.models_alerts import Alert
from db.models_security import Role
from db.session import transaction
from layouts.rules import (
    condition_text,
    coverage_text,
    format_span,
    inhibit_text,
    rule_rows,
    rules_body,
    summary_text,
    timing_text,
)
from security.users import create_user
from tests.dashboard.alert_world import build_alert_world
from tests.dashboard.world import NOW, build_world, kiosk_token
from tests.security.dash_client import DashClient
from tests.support.web import wall_app

SHIPPED = PROJECT_ROOT / "data" / "alerts" / "rules"
PASSWORD = "Rules-page-2026!"
BROKEN = """version: 1
groups:
  - name: sites
    rules:
      - name: site_down
        kind: threshold
        severity: urgent
        measurement: site_probe
        field: up
        window: 5m
        op: "=="
        value: 0
        group_by: [site, city]
        summary: "网站 {labels[site]} 无法访问"
"""



@pytest.fixture(autouse=True, scope="module")
def _declared_metrics() -> None:
    """The metric declarations the conditions' wording reads (a running wall has them from its start)."""
    load_kinds()

def _copy_rules(tmp: Path) -> tuple[Path, Config]:
    d = tmp / "rules"
    shutil.copytree(SHIPPED, d)
    return d, Config(alerts=AlertsConfig(rules_dir=str(d)))


def _touch_later(path: Path, text: str) -> None:
    """Rewrite ``path``; its mtime moves on so the reader's signature changes even within one tick."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_reader_shows_every_file_with_its_version_and_rules(tmp_path: Path) -> None:
    d, config = _copy_rules(tmp_path)
    snap = RulesReader(config).snapshot()
    shipped = load_rule_files([d])
    assert snap.state == STATE_OK and not snap.broken
    assert [f.name for f in snap.files] == ["hosts.yaml", "inspection.yaml", "newmedia.yaml", "rectification.yaml",
                                           "services.yaml", "sites.yaml"]
    assert sum(len(f.rules) for f in snap.files) == len(shipped) == len(snap.in_force)
    sites = next(f for f in snap.files if f.name == "sites.yaml")
    assert sites.disk is not None and sites.disk.sha == hashlib.sha256((d / "sites.yaml").read_bytes()).hexdigest()[:12]
    assert sites.disk.mtime == datetime.fromtimestamp((d / "sites.yaml").stat().st_mtime, UTC)
    assert sites.loaded == sites.disk and not sites.changed
    assert {r.name for r in sites.rules} >= {"site_down", "site_slow", "tls_expiring"}


def test_a_broken_file_keeps_the_whole_set_in_force_and_says_where(tmp_path: Path) -> None:
    d, config = _copy_rules(tmp_path)
    reader = RulesReader(config)
    good = reader.snapshot()
    index = next(i for i, f in enumerate(good.files) if f.name == "sites.yaml")
    old_sha = good.files[index].disk.sha if good.files[index].disk else ""
    _touch_later(d / "sites.yaml", BROKEN)
    snap = reader.snapshot()
    assert snap.state == STATE_KEPT
    assert len(snap.in_force) == len(good.in_force)  # the rules loaded before stay, all files' rules
    sites = snap.files[index]
    assert sites.errors and all(line > 0 for line, _ in sites.errors)
    assert any(line == 7 and "urgent" in reason for line, reason in sites.errors)  # severity: urgent
    assert sites.changed and sites.loaded is not None and sites.loaded.sha == old_sha
    assert sites.disk is not None and sites.disk.sha != old_sha
    assert {r.name for r in sites.rules} >= {"site_down", "site_slow"}  # the old content still in force
    assert not snap.files[0].errors and not snap.files[0].changed

    page = str(rules_body(snap, rule_frame(snap.in_force.rules), len(snap.in_force), UTC, filtered=False,
                          scope_note=""))
    assert f"{d / 'sites.yaml'}:7: " in page and "rules-file-error" in page
    assert "拒绝整套新规则" in page and "继续按上次完整载入的规则运行" in page and "rules-status-bad" in page
    assert f"SHA-256 {old_sha}" in page  # the version in force, beside the new one on disk

    # Fixed again: the new content is taken.
    _touch_later(d / "sites.yaml", BROKEN.replace("urgent", "critical"))
    fixed = reader.snapshot()
    assert fixed.state == STATE_OK and [r.name for r in fixed.files[index].rules] == ["site_down"]
    first = rule_frame(fixed.files[index].rules).iloc[0]
    assert condition_text(first).startswith("网站可用（site_probe.up） 近 5 分钟")


def test_broken_from_the_start_means_no_rules_running(tmp_path: Path) -> None:
    d, config = _copy_rules(tmp_path)
    _touch_later(d / "zz.yaml", "version: 1\ngroups:\n  - name: x\n    rules: [\n")
    snap = RulesReader(config).snapshot()
    assert snap.state == STATE_REJECTED and len(snap.in_force) == 0
    assert all(not f.rules for f in snap.files)
    zz = snap.files[-1]
    assert zz.name == "zz.yaml" and zz.errors and "YAML 语法错误" in zz.errors[0][1]
    page = str(rules_body(snap, rule_frame(()), 0, UTC, filtered=False, scope_note=""))
    assert "当前没有规则在运行" in page and "本文件没有规则在生效" in page


def test_duplicate_names_and_an_emptied_directory(tmp_path: Path) -> None:
    d, config = _copy_rules(tmp_path)
    reader = RulesReader(config)
    assert reader.snapshot().state == STATE_OK
    shutil.copy(d / "hosts.yaml", d / "hosts2.yaml")
    snap = reader.snapshot()
    assert snap.state == STATE_KEPT
    dup = next(f for f in snap.files if f.name == "hosts2.yaml")
    assert any("重复" in reason for _, reason in dup.errors) and not dup.rules
    for f in list(d.iterdir()):
        f.unlink()
    emptied = reader.snapshot()
    assert emptied.state == STATE_EMPTY_KEPT and len(emptied.in_force) == len(load_rule_files([SHIPPED]))
    assert all(f.disk is None for f in emptied.files)  # listed because their rules are still in force
    assert "已从目录删除" in str(rules_body(emptied, rule_frame(emptied.in_force.rules), 0, UTC, filtered=False,
                                            scope_note=""))
    missing = Config(alerts=AlertsConfig(rules_dir=str(tmp_path / "nowhere")))
    assert RulesReader(missing).snapshot().state == STATE_EMPTY


def test_conditions_read_in_chinese_with_the_raw_keys() -> None:
    df = rule_frame(load_rule_files([SHIPPED]).rules).set_index("name", drop=False)
    assert condition_text(df.loc["site_slow"]) == (
        "首页加载耗时（site_probe.latency_ms） 近 10 分钟平均值 大于（>）8000 ms")
    assert condition_text(df.loc["site_down"]).endswith("近 5 分钟最新值 等于（==）0")
    assert condition_text(df.loc["availability_ratio_warning"]) == (
        "网站可用（site_probe.up） 近 7 天失败比例（1 − 平均值） 大于等于（>=）0.04（4%）；"
        "数据要求：近 7 天 每 1 天 至少 20 次监测，不足时不判定")
    assert condition_text(df.loc["host_silent"]) == (
        "CPU 使用率（host.cpu_percent） 超过 3 个采集间隔没有数据（不少于 5 分钟；"
        "间隔取自采集器 host 记录的 采集间隔（collector_run.interval_s），间隔未知时不判定）")
    assert condition_text(df.loc["collector_silent"]) == (
        "最近采集时间（collector_run.last_run） 超过 2 个采集间隔没有数据（不少于 10 分钟；"
        "间隔取自同一序列的 采集间隔（collector_run.interval_s），间隔未知时不判定）")
    fixed = dict(df.loc["collector_silent"], absent_intervals=0.0, interval_field="")
    assert condition_text(fixed) == "最近采集时间（collector_run.last_run） 超过 10 分钟 没有数据"
    assert summary_text(df.loc["collector_silent", "summary"]) == (
        "节点 〈节点〉 的采集器“〈采集器〉”已 〈中断时长〉 没有运行"
        "（采集间隔 〈采集间隔〉，允许中断 〈允许中断时长〉）")
    assert condition_text(df.loc["column_breach_soon"]) == (
        "巡检项 栏目更新（column_freshness） 发现问题；问题类型：栏目即将超期未更新（column_due）；3 天内到期")
    assert "级别不低于 严重" in condition_text(df.loc["content_errors_severe"])
    assert condition_text(df.loc["media_veto_soon"]) == (  # new-media findings (newmedia/findings.py) by name too
        "巡检项 政务新媒体（new_media） 发现问题；问题类型：即将两周未更新（media_no_update_warning）、"
        "留言即将超期未回复（media_unanswered_warning）")
    assert timing_text(df.loc["site_down"]) == "持续 3 分钟 后触发；恢复后保持 2 分钟"
    assert timing_text(df.loc["tls_expiring"]) == "满足即触发；条件消失即恢复"
    assert format_span(5400) == "1 小时 30 分钟" and format_span(90) == "1 分钟 30 秒" and format_span(0) == "—"
    assert summary_text("网站 {labels[site]} 近 7 天失败率 {value:.1%}") == "网站 〈网站〉 近 7 天失败率 〈值〉"
    assert summary_text("已达 {threshold} 的预警线（{threshold:.1%}）") == "已达 〈阈值〉 的预警线（〈阈值〉）"
    assert summary_text("无法访问（{reason}）", "site_probe") == "无法访问（〈故障原因〉）"  # a detail field


def test_window_rules_say_how_much_data_they_have(tmp_path: Path) -> None:
    """On the alert world: X0102 has a week of probes (judged), four sites one day (监测中, 20/140 次监测)."""
    world, _ = build_alert_world(tmp_path)
    try:
        # the site rules: the alert world holds site probes only (the service rules count series it has not)
        rules = [r for r in load_rule_files([SHIPPED]).rules if Path(r.file).name == "sites.yaml"]
        counted_queries = 0
        real_query = world.store.query

        def query(q: Any) -> Any:
            nonlocal counted_queries
            counted_queries += q.agg == "count"
            return real_query(q)

        world.store.query = query  # type: ignore[method-assign]
        stats = coverage_stats(world.store, rules, NOW)
    finally:
        world.close()
    assert set(stats) == {"availability_ratio_warning", "availability_ratio_veto"}
    veto = stats["availability_ratio_veto"]
    assert (veto.sufficient, veto.short) == (1, 4) and veto.best_short is not None
    assert coverage_text(veto) == "监测中：数据充足 1 个，数据不足 4 个（不判定；最多已有 20/140 次监测）"
    assert coverage_text(CoverageStats(5, 0)) == "监测中：5 个对象数据充足，可判定"
    # Both ratio rules read one series over one window: its seven daily counts are asked for once, not twice.
    assert counted_queries == 7
    assert coverage_text(CoverageStats(0, 0)) == "监测中：尚无数据" and coverage_text(None) == ""
    df = rule_frame(rules, {}, stats).set_index("name", drop=False)
    row = rule_rows(df.loc[["availability_ratio_veto", "site_down"]].reset_index(drop=True))
    assert "监测中：数据充足 1 个" in str(row[0]) and "监测中" not in str(row[1])


def test_inhibit_rules_are_listed_with_their_file() -> None:
    rs = load_rule_files([SHIPPED])
    snap = build_snapshot(str(SHIPPED), [], rs, {}, [])
    sites = next(v for v in snap.files if v.name == "sites.yaml")
    assert [ir.name for ir in sites.inhibits] == ["site_down_explains_the_site", "marked_site_source",
                                                  "veto_explains_its_warning"]
    text = str(rules_body(snap, rule_frame(rs.rules), len(rs.rules), UTC, filtered=False, scope_note=""))
    assert "抑制规则 3 条" in text and "抑制规则（一个故障只算一个问题）" in text
    veto = next(ir for ir in sites.inhibits if ir.name == "veto_explains_its_warning")
    assert inhibit_text(veto) == (
        '当 alertname="availability_ratio_veto" 的告警触发时，网站（site）相同且符合 '
        'alertname="availability_ratio_warning" 的告警作为它的关联告警：不单独通知，不上大屏，在告警处置页列在它下面')


def test_filters_by_severity_kind_and_text() -> None:
    df = rule_frame(load_rule_files([SHIPPED]).rules, {"site_down": 2})
    assert df.set_index("name").loc["site_down", "open"] == 2 and df["open"].sum() == 2
    crit = filter_rules(df, RuleFilter(severity="critical"))
    assert set(crit["name"]) == {"site_down", "availability_ratio_veto", "site_defaced", "media_veto"}
    assert set(filter_rules(df, RuleFilter(kind="absence"))["name"]) == {"host_silent", "collector_silent",
                                                                    "service_silent"}
    assert set(filter_rules(df, RuleFilter(text="  LATENCY_ms "))["name"]) == {"site_slow"}
    assert set(filter_rules(df, RuleFilter(text="篡改"))["name"]) == {"site_defaced"}  # the summary
    assert set(filter_rules(df, RuleFilter(severity="critical", kind="finding"))["name"]) == {"site_defaced",
                                                                                               "media_veto"}
    assert filter_rules(df, RuleFilter(text="no-such-rule")).empty


def _alert(rule: str, city: str, state: AlertState, n: int) -> Alert:
    t = NOW - timedelta(minutes=n)
    return Alert(fingerprint=f"fp{n}", rule=rule, rule_file="sites.yaml", severity=Severity.CRITICAL,
                 rule_severity=Severity.CRITICAL, state=state, labels={"city": city}, summary="s", city_code=city,
                 started_at=t, fired_at=t)


def test_open_counts_per_rule_in_the_viewers_scope(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    with transaction(sessions) as s:
        s.add_all([_alert("site_down", "430100", AlertState.FIRING, 1),
                   _alert("site_down", "430100", AlertState.ACKNOWLEDGED, 2),
                   _alert("site_down", "430300", AlertState.PENDING, 3),
                   _alert("site_down", "430100", AlertState.RESOLVED, 4),
                   _alert("site_slow", "430300", AlertState.FIRING, 5)])
    with sessions() as s:
        assert open_counts(s) == {"site_down": 3, "site_slow": 1}
        assert open_counts(s, scope_code="430100") == {"site_down": 2}
        assert open_counts(s, scope_code="430300") == {"site_down": 1, "site_slow": 1}
        assert open_counts(s, scope_code="430400") == {}


def _rows(content: str) -> dict[str, str]:
    """Rule name -> its open-alert cell, from the page's JSON."""
    out: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and "rules-row" in str(props.get("className", "")):
                cells = props["children"]
                name = cells[0]["props"]["children"][0]["props"]["children"]
                out[name] = cells[-1]["props"]["children"]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads(content))
    return out


def test_page_over_http_for_each_viewer(tmp_path: Path) -> None:
    world, _ = build_alert_world(tmp_path)
    try:
        with transaction(world.sessions) as s:
            create_user(s, "cs_oncall", PASSWORD, Role.ONCALL, "430100", actor="test", now=NOW)
            create_user(s, "xt_manager", PASSWORD, Role.MANAGER, "430300", actor="test", now=NOW)
            create_user(s, "root", PASSWORD, Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
        app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
        seen = {}
        for who in ("root", "cs_oncall", "xt_manager"):
            status, content = DashClient(app).login(who, PASSWORD).page("/rules")
            assert status == 200 and "告警规则" in content and "规则文件已全部载入" in content
            seen[who] = _rows(content)
        assert len(seen["root"]) == len(load_rule_files([SHIPPED]))
        # 长沙 has site_down, site_slow, both ratio rules and column_breach_soon; 湘潭 content_errors_severe;
        # the pending host alert belongs to the province.
        assert seen["root"]["site_down"] == "1" and seen["root"]["host_cpu_high"] == "1"
        assert seen["cs_oncall"]["site_down"] == "1" and seen["cs_oncall"]["content_errors_severe"] == "0"
        assert seen["cs_oncall"]["host_cpu_high"] == "0"
        assert seen["xt_manager"]["content_errors_severe"] == "1" and seen["xt_manager"]["site_down"] == "0"
        # A kiosk wall may view it too; the filters re-render the body.
        kiosk = DashClient(app, kiosk_token=kiosk_token(world))
        status, content = kiosk.page("/rules")
        assert status == 200 and "site_down" in content
        status, got = kiosk.call("rules-body.children", {"rules-f-severity.value": "critical",
                                                         "rules-f-text.value": "ratio_veto"}, "rules-f-severity.value")
        assert status == 200
        assert set(_rows(json.dumps(got["response"]["rules-body"]["children"]))) == {"availability_ratio_veto"}
        # A broken file on disk is shown to the viewer with file and line.
        d, config = _copy_rules(tmp_path)
        _touch_later(d / "sites.yaml", BROKEN)
        broken_app = wall_app(replace(world.config, alerts=config.alerts), store=world.store,
                                sessions=world.sessions, clock=FixedClock(NOW))
        status, content = DashClient(broken_app).login("cs_oncall", PASSWORD).page("/rules")
        assert status == 200 and f"{d / 'sites.yaml'}:7: " in content and "没有规则在运行" in content
    finally:
        world.store.close()


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.SECURITY])
def test_every_role_may_read_the_rules(tmp_path: Path, role: Role) -> None:
    world = build_world(tmp_path)
    try:
        with transaction(world.sessions) as s:
            create_user(s, "someone", PASSWORD, role, "430500", actor="test", now=NOW)
        app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
        status, content = DashClient(app).login("someone", PASSWORD).page("/rules")
        assert status == 200 and "规则文件已全部载入" in content and "无权" not in content
    finally:
        world.store.close()
