"""The receivers file: the shipped example loads, routes pick receivers, errors name file/receiver/key."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from alerts.notifiers import NOTIFIERS
from alerts.notifiers.dingtalk import DingTalkConfig
from alerts.receivers import ReceiversError, load_receivers, parse_receivers

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "alerts" / "receivers.toml"


def test_shipped_example_loads_and_sends_nothing_by_default() -> None:
    r = load_receivers(SHIPPED)
    assert {x.kind for x in r.receivers.values()} == {"webhook", "dingtalk", "wecom", "email", "sms"}
    assert not any(x.enabled for x in r.receivers.values())
    assert r.route("critical", "430100") == []


def test_shipped_example_lists_every_key_of_every_kind() -> None:
    """Each kind's example section names all its config keys, set or as a commented-out line."""
    text = SHIPPED.read_text(encoding="utf-8")
    sections = re.split(r"^\[", text, flags=re.MULTILINE)
    for kind in NOTIFIERS.names():
        (section,) = [s for s in sections if re.search(rf'^kind = "{kind}"', s, re.MULTILINE)]
        listed = set(re.findall(r"^#? ?(\w+) = ", section, re.MULTILINE))
        keys = {f.name for f in dataclasses.fields(NOTIFIERS.get(kind).config_class)}
        assert keys <= listed, f"{kind}: not in {SHIPPED.name}: {sorted(keys - listed)}"


def _doc() -> dict:
    return {"receivers": {"ding": {"kind": "dingtalk", "url": "http://127.0.0.1:9/r", "secret": "SECx",
                                   "max_per_minute": 18},
                          "sms": {"kind": "sms", "url": "http://127.0.0.1:9/s", "on_duty": True, "max_per_hour": 5},
                          "off": {"kind": "webhook", "url": "http://127.0.0.1:9/w", "enabled": False}},
            "routes": [{"receivers": ["ding", "off"]},
                       {"receivers": ["sms", "ding"], "severities": ["critical"], "cities": ["430100"]}]}


def test_routes_select_by_severity_and_city_each_receiver_once() -> None:
    r = parse_receivers(_doc(), "receivers.toml")
    assert [x.name for x in r.route("critical", "430100")] == ["ding", "sms"]
    assert [x.name for x in r.route("critical", "430200")] == ["ding"]
    assert [x.name for x in r.route("low", "430100")] == ["ding"]
    ding = r.get("ding")
    assert isinstance(ding.config, DingTalkConfig) and ding.config.secret == "SECx" and ding.max_per_minute == 18
    assert r.get("sms").on_duty and r.get("sms").max_per_hour == 5


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["receivers"]["ding"].pop("url"),
     r"^receivers\.toml: 接收方 ding：dingtalk 类型缺少键 url$"),
    (lambda d: d["receivers"]["ding"].update(url="ftp://x"),
     r"接收方 ding：键 url：须以 http:// 或 https:// 开头"),
    (lambda d: d["receivers"]["ding"].update(timeout="fast"),
     r"接收方 ding：键 timeout：应为数字，而不是文本 'fast'"),
    (lambda d: d["receivers"]["ding"].update(kind="pager"),
     r"接收方 ding：键 kind：没有 'pager' 这种接收方类型"),
    (lambda d: d["receivers"]["sms"].update(max_per_hour=-1), r"接收方 sms：键 max_per_hour：不能为负数"),
    (lambda d: d["receivers"]["sms"].update(phones=["138-0000"]), r"接收方 sms：键 phones：每一项都须为数字"),
    (lambda d: d["routes"][1].update(receivers=["nobody"]),
     r"第 2 条路由（\[\[routes\]\]）：键 receivers：没有名为 'nobody' 的接收方"),
    (lambda d: d["routes"][1].update(severities=["urgent"]),
     r"第 2 条路由（\[\[routes\]\]）：键 severities：未知的级别 'urgent'"),
    (lambda d: d["routes"][0].update(cities=["changsha"]),
     r"第 1 条路由（\[\[routes\]\]）：键 cities：'changsha' 不是 6 位行政区划代码"),
    (lambda d: d.update(extra=1), r"^receivers\.toml: 未知的顶层键 extra"),
])
def test_errors_name_file_receiver_and_key(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = _doc()
    mutate(doc)
    with pytest.raises(ReceiversError, match=message):
        parse_receivers(doc, "receivers.toml")


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "receivers.toml"
    bad.write_text("[receivers.x\nkind = 1\n", encoding="utf-8")
    with pytest.raises(ReceiversError, match=rf"^{re.escape(str(bad))}:1: TOML 格式错误（第 \d+ 列）："):
        load_receivers(bad)
    with pytest.raises(ReceiversError, match="接收方文件不存在"):
        load_receivers(tmp_path / "missing.toml")


def test_errors_in_a_file_name_the_line_of_the_key(tmp_path: Path) -> None:
    f = tmp_path / "receivers.toml"
    f.write_text('# 接收方\n[receivers.ding]\nkind = "dingtalk"\n\nurl = "ftp://x"\n\n[receivers."值班 短信"]\n'
                 'kind = "sms"\nurl = "http://127.0.0.1:9/sms"\nphones = ["138-0000"]\n', encoding="utf-8")
    with pytest.raises(ReceiversError, match=rf"^{re.escape(str(f))}:5: 接收方 ding：键 url：须以"):
        load_receivers(f)
    f.write_text(f.read_text(encoding="utf-8").replace("ftp://x", "https://oapi.example/robot"), encoding="utf-8")
    with pytest.raises(ReceiversError, match=rf"^{re.escape(str(f))}:10: 接收方 值班 短信：键 phones："):
        load_receivers(f)
