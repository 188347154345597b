"""Defacement pure logic: template fingerprints and drift, foreign sources, CSS-hidden links, judging."""

from __future__ import annotations

from typing import Any

import pytest

from inspection.checks.defacement import Settings, baseline_data, judge
from inspection.fingerprint import (
    PLATFORM_DOMAINS,
    diff,
    external_sources,
    fingerprint,
    hidden_links,
    hiding,
    parse_style,
)

SITE = "http://www.demo.gov.cn/"

HOME = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>示范市人民政府</title>
<link rel="stylesheet" href="/css/main.css?v=20261101"><script src="/js/main.js"></script>
<script src="https://dcs.conac.cn/js/33/000/0000/60000000/CA330000000600000000000.js"></script>
</head><body><header><h1>示范市人民政府</h1><span id="today">2026年11月27日 星期五</span></header>
<nav><a href="/">首页</a><a href="/ywdt/">要闻动态</a></nav>
<main><section class="news" id="ywdt"><h2>要闻动态</h2><ul class="list">{items}</ul></section></main>
<footer><p>主办单位：示范市人民政府办公室　政府网站标识码：4301000001</p></footer></body></html>"""


def _home(n: int, start: int = 1) -> str:
    items = "".join(f'<li><a href="/ywdt/t{i}.html">示范市召开第{i}次常务会议</a>'
                    f'<span class="date">2026-11-{i % 28 + 1:02d}</span></li>' for i in range(start, start + n))
    return HOME.replace("{items}", items)


def test_news_updates_are_not_drift() -> None:
    base, later = fingerprint(_home(8), SITE), fingerprint(_home(6, start=40), SITE)
    assert base == later and base.digest == later.digest
    assert diff(base, later).distance == 0.0


def test_cache_busting_query_is_not_drift() -> None:
    a = fingerprint(_home(3), SITE)
    b = fingerprint(_home(3).replace("?v=20261101", "?v=20261127"), SITE)
    assert a == b


def test_replaced_page_is_large_drift() -> None:
    defaced = "<html><body><div id='hk'><marquee>Hacked</marquee><img src='x.gif'></div></body></html>"
    d = diff(fingerprint(_home(8), SITE), fingerprint(defaced, SITE))
    assert d.distance > 0.8 and "body>div#hk" in d.added and d.removed


@pytest.mark.parametrize(("style", "how"), [
    ("display:none", "display:none"),
    ("DISPLAY: NONE !important", "display:none"),
    ("visibility:hidden", "visibility:hidden"),
    ("font-size:0px", "font-size:0"),
    ("position:absolute;left:-9999px;top:-9999px", "left:-9999px"),
    ("position:fixed;top:-2000px", "top:-2000px"),
    ("text-indent:-9999em", "text-indent:-9999em"),
    ("height:0;overflow:hidden", "overflow:hidden+0"),
    ("color:#fff;background-color:#fff", "color=background"),
    ("opacity:0", "opacity:0"),
    ("position:absolute;left:-20px", None),  # small offsets are layout, not hiding
    ("position:relative;left:-9999px", None),
    ("color:#333;background:#fff", None),
    ("", None),
])
def test_hiding_styles(style: str, how: str | None) -> None:
    assert hiding(parse_style(style)) == how


HIDDEN = """<html><head><style>.yc{position:absolute;top:-999px} #ft2 {display:none}</style></head><body>
<div style="display:none"><a href="http://www.hg-yulecheng.example/" target="_blank">皇冠娱乐城</a></div>
<div class="yc"><p><a href="http://win-888.example/">点击进入</a></p></div>
<div id="ft2"><a href="https://site-b.example/">外链</a></div>
<ul class="tab" style="display:none"><li><a href="/ywdt/t9.html">示范市召开常务会议</a></li>
<li><a href="http://www.hunan.gov.cn/">湖南省人民政府</a></li></ul>
<a href="http://visible.example/">看得见的外链</a>
<div hidden><a href="http://hidden-attr.example/">x</a></div>
</body></html>"""


def test_hidden_links_only_off_site_and_not_platform() -> None:
    found = {h.url: h for h in hidden_links(HIDDEN, SITE, SITE, PLATFORM_DOMAINS)}
    assert set(found) == {"http://www.hg-yulecheng.example/", "http://win-888.example/", "https://site-b.example/",
                          "http://hidden-attr.example/"}
    assert found["http://www.hg-yulecheng.example/"].suspicious  # anchor text 娱乐城, domain yulecheng
    assert found["http://win-888.example/"].how == "top:-999px"
    assert found["https://site-b.example/"].how == "display:none" and not found["https://site-b.example/"].suspicious


def test_external_sources_skip_own_and_platform_hosts() -> None:
    html = _home(2).replace("</head>", '<script src="https://cdn.stat-analytics.example/js/tj.js"></script>'
                                       '<iframe src="//ad.example/x.html"></iframe></head>')
    assert external_sources(html, SITE, SITE, PLATFORM_DOMAINS) == [
        ("script", "https://cdn.stat-analytics.example/js/tj.js"), ("iframe", "http://ad.example/x.html")]


def test_judge_first_sight_then_drift_with_injected_script() -> None:
    s = Settings()
    findings, fp = judge(SITE, SITE, _home(8), None, s)
    assert findings == []
    banner = ('<div id="hk" style="background:#000;color:#0f0"><marquee>Hacked</marquee><p>Hacked</p></div>'
              '<script src="https://js.hm-tongji.example/hm.js"></script>')
    defaced = _home(8).replace("<body>", "<body>" + banner)
    findings, _ = judge(SITE, SITE, defaced, baseline_data(fp), s)
    assert [(f.kind, f.location) for f in findings] == [
        ("fingerprint_drift", SITE), ("external_script", "https://js.hm-tongji.example/hm.js")]
    assert findings[0].evidence["new_foreign_sources"] == ["https://js.hm-tongji.example/hm.js"]
    assert findings[0].veto and findings[0].severity == "critical"


def test_judge_external_script_present_from_the_start_stays_reported() -> None:
    html = _home(4).replace("</head>", '<script src="https://cdn.stat-analytics.example/js/tj.js"></script></head>')
    first, fp = judge(SITE, SITE, html, None, Settings())
    again, _ = judge(SITE, SITE, html, baseline_data(fp), Settings())
    for findings in (first, again):
        assert [(f.kind, f.location) for f in findings] == [
            ("external_script", "https://cdn.stat-analytics.example/js/tj.js")]
    accepted, _ = judge(SITE, SITE, html, baseline_data(fp, {"cdn.stat-analytics.example"}), Settings())
    assert accepted == []


def test_judge_hidden_link_finding() -> None:
    findings, _ = judge(SITE, SITE, HIDDEN, None, Settings())
    hidden = [f for f in findings if f.kind == "hidden_link"]
    assert hidden[0].location == "http://www.hg-yulecheng.example/"
    assert hidden[0].evidence["suspicious"] and "疑似赌博" in hidden[0].detail


def test_db_baselines_round_trip(migrated_db: tuple[str, Any]) -> None:
    from datetime import UTC, datetime

    from db.models import Node, NodeLevel, Site, SiteLevel
    from inspection.base import CheckError
    from inspection.checks.defacement import BASELINE_KEY, DbBaselines

    _url, sessions = migrated_db
    with sessions.begin() as s:
        s.add(Node(code="430100", name="长沙市", level=NodeLevel.CITY))
        s.flush()
        s.add(Site(code="4301000001", name="长沙市人民政府", url=SITE, level=SiteLevel.CITY_PORTAL,
                   node_code="430100"))
    store = DbBaselines(sessions)
    assert store.get("4301000001", BASELINE_KEY) is None
    fp = fingerprint(_home(3), SITE)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    store.put("4301000001", BASELINE_KEY, fp.digest, baseline_data(fp), t0)
    store.put("4301000001", BASELINE_KEY, fp.digest, baseline_data(fp, {"cdn.example"}), t0)  # replaces
    got = store.get("4301000001", BASELINE_KEY)
    assert got is not None and got["accepted_hosts"] == ["cdn.example"] and got["digest"] == fp.digest
    findings, _ = judge(SITE, SITE, _home(5), got, Settings())
    assert findings == []
    with pytest.raises(CheckError, match="4309999999"):
        store.put("4309999999", BASELINE_KEY, fp.digest, baseline_data(fp), t0)


def test_a_page_with_tag_less_nodes_is_fingerprinted() -> None:
    """CDATA in SVG and a processing instruction give the parser nodes without a tag; they are not
    structure, and they used to end the fingerprint in a TypeError."""
    from inspection.fingerprint import fingerprint as fp

    plain = fp("<html><body><svg></svg><div></div></body></html>", "http://a/")
    odd = fp("<html><body><svg><![CDATA[x<y]]></svg><?php x ?><div></div></body></html>", "http://a/")
    assert odd.structure == plain.structure
