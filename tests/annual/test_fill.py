"""Filling: every field auto, manual or missing with why; never a number the sources did not give."""

from __future__ import annotations

from pathlib import Path

import pytest

from annual.fill import Figure, ManualEntry, counts, fill, stored_figures
from annual.template import Template, load_template

BODY = '''version = "t1"
[[section]]
key = "s"
label = "节"
[[field]]
key = "pv"
label = "网站总访问量"
section = "s"
type = "int"
source = "traffic.pv"
[[field]]
key = "news"
label = "政务动态"
section = "s"
type = "int"
source = "columns:news"
[[field]]
key = "overview"
label = "概况类"
section = "s"
type = "int"
source = "manual"
[[field]]
key = "total"
label = "合计"
section = "s"
type = "int"
source = "sum:news,overview"
[[field]]
key = "icp"
label = "ICP备案号"
section = "s"
type = "text"
source = "identity.icp"
'''


@pytest.fixture
def template(tmp_path: Path) -> Template:
    p = tmp_path / "t.toml"
    p.write_text(BODY, encoding="utf-8")
    return load_template(p)


ALL = {"traffic.pv": Figure(1200, "访问日志：365/365 天有日志数据"), "columns:news": Figure(40, "栏目 要闻 40 条"),
       "identity.icp": Figure("湘ICP备12345678号", "网站标识检查 2026-12-01 在页面底部读到")}


@pytest.mark.parametrize(("figures", "manual", "expect"), [
    # every source present; the manual-only field and the sum that needs it are missing, with why
    (ALL, {}, {"pv": ("auto", 1200), "news": ("auto", 40), "overview": ("missing", None),
               "total": ("missing", None), "icp": ("auto", "湘ICP备12345678号")}),
    # the manual field entered: the sum follows
    (ALL, {"overview": ManualEntry(5, "张三", "2027-01-10T09:00:00+08:00")},
     {"overview": ("manual", 5), "total": ("auto", 45)}),
    # every automatic source missing: each says why, none is zero
    ({"traffic.pv": Figure(None, "2026 年没有导入任何访问日志"), "columns:news": Figure(None, "未登记 政务动态 类栏目"),
      "identity.icp": Figure(None, "网站标识检查尚未成功运行过")}, {},
     {"pv": ("missing", None), "news": ("missing", None), "total": ("missing", None), "icp": ("missing", None)}),
    # a hand entry wins over an automatic value
    (ALL, {"pv": ManualEntry(1300, "李四", "2027-01-11T10:00:00+08:00")}, {"pv": ("manual", 1300)}),
])
def test_fill_table(template: Template, figures: dict[str, Figure], manual: dict[str, ManualEntry],
                    expect: dict[str, tuple[str, object]]) -> None:
    got = fill(template, figures, manual)
    assert list(got) == ["pv", "news", "overview", "total", "icp"]
    for key, (status, value) in expect.items():
        assert (got[key]["status"], got[key]["value"]) == (status, value), key
        assert got[key]["note"], key
    for key, v in got.items():
        if v["status"] == "missing":
            assert v["value"] is None and v["note"], key


def test_provenance_says_what_and_why(template: Template) -> None:
    figs = {**ALL, "traffic.pv": Figure(900, "访问日志：300/365 天有日志数据", "300/365"),
            "columns:news": Figure(None, "栏目 要闻 无法读取：HTTP 404")}
    got = fill(template, figs, {"pv": ManualEntry(1300, "李四", "2027-01-11T10:00")})
    assert got["pv"]["note"] == "李四 于 2027-01-11T10:00 手工填报；自动取得的值为 900"
    assert got["pv"]["auto"] == {"value": 900, "note": "访问日志：300/365 天有日志数据", "coverage": "300/365"}
    assert got["news"]["note"] == "栏目 要闻 无法读取：HTTP 404" and got["news"]["source"] == "columns:news"
    assert got["overview"]["note"] == "平台无此数据，须手工填报"
    assert got["total"]["note"] == "由 政务动态、概况类 相加，其中 政务动态、概况类 未能取得"
    assert counts(got) == {"auto": 1, "manual": 1, "missing": 3}
    auto = fill(template, {**ALL, "traffic.pv": Figure(900, "访问日志：300/365 天", "300/365")})
    assert auto["pv"]["coverage"] == "300/365"


def test_a_gatherer_leaving_a_source_out_is_a_bug(template: Template) -> None:
    with pytest.raises(KeyError, match=r"identity\.icp"):
        fill(template, {k: v for k, v in ALL.items() if k != "identity.icp"})


def test_refill_from_stored_figures_keeps_what_was_found(template: Template) -> None:
    first = fill(template, {**ALL, "columns:news": Figure(None, "栏目 要闻 无法读取")},
                 {"pv": ManualEntry(1, "王五", "t")})
    again = fill(template, stored_figures(first), {"pv": ManualEntry(1, "王五", "t"),
                                                     "overview": ManualEntry(3, "王五", "t")})
    assert again["pv"]["auto"]["value"] == 1200 and again["news"]["status"] == "missing"
    assert again["news"]["note"] == "栏目 要闻 无法读取"
    assert again["total"]["status"] == "missing"  # news still missing
    assert again["icp"] == first["icp"]
