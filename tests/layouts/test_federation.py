"""The cut city's wording on the walls and the node panel: pure, times in the wall's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard import health
from federation.vantage import VantageProbe, VantageVerdict, Verdict
from layouts.components import city_sites_rows, cut_text, status_badge
from layouts.federation import link_text, node_counts, unknown_note, vantage_rows, verdict_text
from layouts.frames import LinkRow

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 8, 26, tzinfo=BJ)  # 00:26 UTC
SINCE = datetime(2026, 12, 7, 0, 12, tzinfo=UTC)  # 08:12 北京时间


def _text(component: object) -> str:
    out: list[str] = []

    def walk(c: object) -> None:
        if isinstance(c, str):
            out.append(c)
        elif isinstance(c, list | tuple):
            for x in c:
                walk(x)
        elif hasattr(c, "children"):
            walk(c.children)
    walk(component)
    return "".join(out)


def test_cut_text_in_the_walls_zone_with_the_duration() -> None:
    assert cut_text(SINCE, NOW) == "自 08:12 起失联，已 14 分钟"
    assert cut_text(None, NOW) == "未接入"
    assert cut_text(pd.NaT, NOW) == "未接入"
    assert _text(status_badge("unknown", cut_text(SINCE, NOW))) == "未知（自 08:12 起失联，已 14 分钟）"
    assert status_badge("unknown", "x").className == "badge badge-unknown"  # grey, never red


def test_apply_cut_greys_a_cut_citys_rows_whatever_they_said() -> None:
    df = pd.DataFrame({"code": ["A", "B", "C"], "city_code": ["430100", "430100", "430200"],
                       "status": ["down", "up", "down"]})
    out = health.apply_cut(df, {"430100": SINCE})
    assert out["status"].tolist() == ["unknown", "unknown", "down"]
    assert out["cut"].tolist() == [True, True, False]
    rows = city_sites_rows(out.assign(name=out["code"], level="city_portal", node_name="x", latency_ms=None,
                                      tls_days=None, availability=None), NOW)
    assert "未知（自 08:12 起失联，已 14 分钟）" in _text(rows[0]) and "故障" not in _text(rows[0])
    assert "故障" in _text(rows[2])


def test_link_text_and_counts() -> None:
    rows = [LinkRow("430100", "长沙市", "unreachable", SINCE), LinkRow("430200", "株洲市", "online", NOW),
            LinkRow("430300", "湘潭市", "never", None)]
    assert [link_text(r, NOW) for r in rows] == ["失联（自 08:12 起，已 14 分钟）", "在线", "未接入"]
    assert _text(node_counts(rows)) == "1在线1失联1未接入"
    assert unknown_note(2, 1) == "失联地市的 2 个网站、1 台主机状态未知，不计入故障"
    assert unknown_note(0, 0) == "全部市级节点在线"


def test_vantage_rows_grey_the_stale_and_verdict_words() -> None:
    probes = [VantageProbe("430000", "省级节点", True, 88.0, NOW - timedelta(seconds=20)),
              VantageProbe("430100", "长沙市", False, None, NOW - timedelta(minutes=30))]
    rows = vantage_rows(probes, NOW, timedelta(seconds=120))
    assert [r.className for r in rows] == ["row-up", "row-stale"]
    assert _text(rows[1]) == "长沙市无法访问—30 分钟前"
    assert verdict_text(VantageVerdict(Verdict.PATH, 3, ("长沙市",))) == "仅长沙市观测点无法访问（疑似线路问题）"
    assert verdict_text(VantageVerdict(Verdict.ALL_DOWN, 2)) == "各观测点均无法访问"
    assert verdict_text(VantageVerdict(Verdict.TOO_FEW, 1)) == "有效观测点不足（1 个，至少需要 2 个），暂不判断"


def test_a_cut_city_on_the_map_is_grey_and_says_why() -> None:
    from layouts.map import city_styles

    health_rows = pd.DataFrame([{"code": "430100", "name": "长沙市", "sites_total": 2, "up": 0, "down": 0, "stale": 0,
                                 "unknown": 2, "availability": None, "status": "unknown"}])
    style = city_styles(health_rows)["430100"]
    assert style.status == "unknown" and "市级节点失联，2 个网站状态未知" in style.hover and "故障" not in style.label
