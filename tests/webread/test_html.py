"""Page helpers: visible text, links, meta tags and footer text on real-world-style markup."""

from __future__ import annotations

from webread.html import absolute, body_text, footer_text, links, meta, meta_tags, parse, same_site, title

PAGE = """<html><head><title> 通知公告 - 某县人民政府 </title>
<meta name="SiteName" content="某县人民政府"><meta name="siteidcode" content="4301210001">
<style>.x{color:red}</style><script>var clock = "12:00";</script></head>
<body><header><a href="/">首页</a></header>
<main><a href="a.html#top" title="关于开展专项检查的通知（全文）">关于开展专项检查…</a>
<a href="javascript:void(0)">打印</a><a href="mailto:x@a.gov.cn">信箱</a><a href="//cdn.other.cn/x.js">外链</a></main>
<div id="bottom">主办单位：某县人民政府办公室　政府网站标识码：4301210001<br>湘ICP备12345678号</div>
</body></html>"""


def test_text_meta_and_title() -> None:
    tree = parse(PAGE)
    assert title(tree) == "通知公告 - 某县人民政府"
    assert meta(tree, "SiteIDCode") == "4301210001" and meta_tags(tree)["SiteName"] == "某县人民政府"
    text = body_text(tree)
    assert "clock" not in text and "color" not in text and "关于开展专项检查" in text


def test_links_are_absolute_and_navigable() -> None:
    got = links(parse(PAGE), "http://x.gov.cn/tzgg/index.html")
    assert [lk.url for lk in got] == ["http://x.gov.cn/", "http://x.gov.cn/tzgg/a.html", "http://cdn.other.cn/x.js"]
    assert got[1].label == "关于开展专项检查的通知（全文）"
    assert absolute("http://x.gov.cn/", "  ") is None and absolute("http://x.gov.cn/", "tel:110") is None
    assert same_site("http://x.gov.cn/a", "http://X.gov.cn/") and not same_site("http://x.gov.cn:81/", "http://x.gov.cn/")


def test_footer_text() -> None:
    assert "湘ICP备12345678号" in footer_text(parse(PAGE))
    assert footer_text(parse("<footer>标识码：4300000001</footer>")) == "标识码：4300000001"
    assert footer_text(parse("<p>正文</p><table><tr><td>版权所有 湘ICP备1号</td></tr></table>")).endswith("湘ICP备1号")
    assert footer_text(parse("")) == ""
