"""The report template: the shipped one loads; a broken one is refused whole, naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from annual.template import DEFAULT_PATH, TemplateError, load_template, parse_value

HEAD = 'version = "t1"\n\n[[section]]\nkey = "basic"\nlabel = "基本信息"\n'


def _field(**kw: object) -> str:
    attrs = {"key": "pv", "label": "网站总访问量", "section": "basic", "type": "int", "source": "traffic.pv", **kw}
    lines = []
    for k, v in attrs.items():
        if v is None:
            continue
        lines.append(f"{k} = {v}" if isinstance(v, list | bool) else f'{k} = "{v}"')
    return "\n[[field]]\n" + "\n".join(lines) + "\n"


def test_the_shipped_template_loads() -> None:
    t = load_template(DEFAULT_PATH)
    assert t.version and t.provisional
    assert t.sections[0].key == "basic" and t.sections[-1].key == "footer"
    keys = [f.key for f in t.fields]
    assert len(keys) == len(set(keys))
    for key in ("site_name", "home_url", "organizer", "site_type", "site_code", "icp", "psb", "uv", "pv",
                "info_news", "interp_total", "msg_received", "sec_found", "nm_wechat_name", "innovation",
                "unit_head", "reviewer", "preparer", "phone", "filled_on"):
        assert key in keys
    assert t.field("pv").source.text == "traffic.pv" and t.field("info_total").source.kind == "sum"
    assert {f.section for f in t.fields} == {s.key for s in t.sections}


@pytest.mark.parametrize(("body", "line", "needle"), [
    (HEAD + _field(type="number"), 7, "字段 pv：type 应为 text | int | bool | date | choice | multi 之一"),
    (HEAD + _field(source="traffic.bytes"), 7, "字段 pv：source traffic.bytes 无法识别"),
    (HEAD + _field(type="text"), 7, "字段 pv：source traffic.pv 给出的是 int 值，与 type text 不符"),
    (HEAD + _field(section="other"), 7, "字段 pv：section other 未在 [[section]] 中定义"),
    (HEAD + _field() + _field(), 14, "字段 pv：与前面的键重复"),
    (HEAD + _field(label=None), 7, "字段 pv：缺少 label"),
    (HEAD + _field(key="PV"), 7, "字段 PV：键名只能由小写字母"),
    (HEAD + _field(choices=["a"]), 7, "字段 pv：只有 choice/multi 类型可以有 choices"),
    (HEAD + _field(type="choice", source="manual"), 7, "choice/multi 类型需要非空的 choices 列表"),
    (HEAD + _field(colour="red"), 7, "字段 pv：未知属性 colour"),
    (HEAD + _field(key="total", source="sum:pv,uv"), 7, "字段 total：sum 引用的字段 pv 不存在或不是 int 类型"),
    (HEAD + _field(source="columns:news,gossip"), 7, "source columns:news,gossip 无法识别"),
    (HEAD + _field(source="findings.found:"), 7, "source findings.found: 无法识别"),
])
def test_refusals_name_file_line_and_key(tmp_path: Path, body: str, line: int, needle: str) -> None:
    p = tmp_path / "t.toml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(TemplateError) as exc:
        load_template(p)
    assert str(exc.value).startswith(f"{p}：第 {line} 行：")
    assert needle in str(exc.value)


def test_top_level_refusals(tmp_path: Path) -> None:
    p = tmp_path / "t.toml"
    for body, needle in (("[[section]]\nkey = 'a'\nlabel = 'b'\n", "缺少 version"),
                         ('version = "1"\n', "至少需要一个 [[section]]"),
                         (HEAD, "至少需要一个 [[field]]"),
                         (HEAD + "\n[[field]]\nkey = = 1\n", "TOML 格式错误"),
                         ('version = "1"\n[[section]]\nkey = "a"\n', "分节 a：label 应为非空字符串")):
        p.write_text(body, encoding="utf-8")
        with pytest.raises(TemplateError) as exc:
            load_template(p)
        assert str(p) in str(exc.value) and needle in str(exc.value)
    p.write_text(HEAD + "\n[[field]]\nkey = = 1\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="第 8 行"):
        load_template(p)
    with pytest.raises(TemplateError, match="absent"):
        load_template(tmp_path / "absent.toml")


def test_a_sum_and_a_choice_that_fit_load(tmp_path: Path) -> None:
    p = tmp_path / "t.toml"
    p.write_text(HEAD + _field() + _field(key="uv", source="traffic.uv")
                 + _field(key="total", source="sum:pv,uv")
                 + _field(key="kind", type="choice", choices=["甲", "乙"], source="manual"), encoding="utf-8")
    t = load_template(p)
    assert t.field("total").source.args == ("pv", "uv")
    assert [s.text for s in t.sources] == ["traffic.pv", "traffic.uv"]


@pytest.mark.parametrize(("key", "text", "value"), [
    ("uv", "12", 12), ("sec_officer", "是", True), ("sec_officer", "false", False),
    ("filled_on", "2027-01-20", "2027-01-20"), ("site_type", "部门网站", "部门网站"),
    ("innovation", "多语言版本、无障碍浏览，多语言版本", ["多语言版本", "无障碍浏览"]),
    ("phone", " 0731-1234 ", "0731-1234"),
])
def test_values_by_type(key: str, text: str, value: object) -> None:
    assert parse_value(load_template().field(key), text) == value


@pytest.mark.parametrize(("key", "text", "needle"), [
    ("uv", "-3", "独立用户访问总量（uv）应为非负整数"), ("uv", "1.5", "非负整数"), ("sec_officer", "maybe", "是/否"),
    ("filled_on", "2027-13-01", "YYYY-MM-DD"), ("site_type", "门户", "政府门户网站、部门网站 之一"),
    ("innovation", "飞行", "之一"), ("phone", "  ", "不能为空"),
])
def test_values_refused(key: str, text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_value(load_template().field(key), text)
