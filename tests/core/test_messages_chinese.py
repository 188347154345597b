"""Every error people read about the configuration, the receivers file and the rule files' matchers is
Chinese and names the file, the key and the line (issue 9): each setting and each receiver key of every
notifier kind is given a value of the wrong type, every check is tripped, and the message is scanned for
English words that the input itself did not contain (tests/support/chinese_text.py)."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from alerts.notifiers import NOTIFIERS
from alerts.receivers import ReceiversError, load_receivers
from alerts.rules import RuleFileError, load_rule_files
from core.config import Config, ConfigError, load_config, numeric_settings
from core.severity import Severity
from tests.support.chinese_text import english_words_in, words_of


def _config_keys() -> list[tuple[str, str]]:
    """(section, key) of every setting; a sub-table's settings under their dotted table (``metrics.embedded``)."""
    def walk(cls: typing.Any, name: str) -> list[tuple[str, str]]:
        hints = typing.get_type_hints(cls)
        out: list[tuple[str, str]] = []
        for f in dataclasses.fields(cls):
            if dataclasses.is_dataclass(hints[f.name]):
                out += walk(hints[f.name], f"{name}.{f.name}")
            else:
                out.append((name, f.name))
        return out

    hints = typing.get_type_hints(Config)
    return [key for sec in dataclasses.fields(Config) for key in walk(hints[sec.name], sec.name)]


def _vocabulary() -> set[str]:
    """The names a message may list as choices (derived from the code): settings and sections, notifier kinds
    and their keys, enumerated values, template placeholders."""
    from alerts.notifiers.email import SECURITY
    from core.config import _CHOICES

    hints = typing.get_type_hints(Config)
    names = {sec.name for sec in dataclasses.fields(Config)}
    names |= {f.name for sec in dataclasses.fields(Config) for f in dataclasses.fields(hints[sec.name])}
    names |= {f.name for _, cls in NOTIFIERS for f in dataclasses.fields(cls.config_class)} | set(NOTIFIERS.names())
    names |= {v for values in _CHOICES.values() for v in values} | set(SECURITY) | {"phone", "idem_key", "text"}
    names |= {s.value for s in Severity} | {"receivers", "severities", "cities"}
    return {w for n in names for w in words_of(n)} | names


VOCABULARY = _vocabulary()


def _assert_chinese(message: str, source: str) -> None:
    assert re.search(r"[\u4e00-\u9fff]", message), message
    assert english_words_in(message, allow=words_of(source) | VOCABULARY) == [], message


@pytest.mark.parametrize(("section", "key"), _config_keys())
def test_a_wrong_value_for_any_setting_names_file_line_and_key(tmp_path: Path, section: str, key: str) -> None:
    f = tmp_path / "govops.toml"
    text = f"# 配置\n[{section}]\n# 说明\n{key} = {{ a = 1 }}\n"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f, env={})
    message = str(exc.value)
    assert message.startswith(f"{f}:4: 配置项 {section}.{key}："), message
    _assert_chinese(message, text)


@pytest.mark.parametrize(("section", "key"), [(s, k) for s, k, _ in numeric_settings(Config())])
def test_a_number_out_of_range_names_where_it_came_from(tmp_path: Path, section: str, key: str) -> None:
    f = tmp_path / "govops.toml"
    text = f"[{section}]\n{key} = 1e300\n"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f, env={})
    assert str(exc.value).startswith(f"{f}:2: 配置项 {section}.{key}："), str(exc.value)
    _assert_chinese(str(exc.value), text)
    env_key = f"GOVOPS_{section.upper().replace('.', '__')}__{key.upper()}"
    with pytest.raises(ConfigError) as exc:
        load_config(env={env_key: "1e300"})
    assert str(exc.value).startswith(f"环境变量 {env_key}: 配置项 {section}.{key}："), str(exc.value)
    _assert_chinese(str(exc.value), f"{env_key} {section}.{key}")


CONFIG_CASES = [
    ("[web]\nprot = 1\n", ":2: 配置项 web.prot：没有这个配置项"),
    ("[webb]\nport = 1\n", ":1: 没有 [webb] 这个配置节"),
    ("web = 1\n", ": web 应为表"),
    ("[web\n", ":1: TOML 格式错误（第 5 列）：表名后面缺少 ]"),
    ("[web]\nport = \n", ":2: TOML 格式错误"),
    ("[web]\nport = 1\nport = 2\n", "TOML 格式错误"),
    ("[web]\nhost = 'a\n", "TOML 格式错误"),
    ("[database]\nurl = 'mysql://x'\n", ":2: 配置项 database.url：应为 sqlite:///路径 或 postgresql://…"),
    ("[demo]\nbind_prefix = '10.0.0'\n", ":2: 配置项 demo.bind_prefix：应为本机回环网段"),
    ("[web]\ntimezone = 'Beijing'\n", ":2: 配置项 web.timezone：应为 IANA 时区名"),
    ("[demo]\nenabled = false\ntime_scale = 60\n", ":3: 配置项 demo.time_scale：加速时钟只用于演示站点群"),
    ("[logging]\nlevel = 'LOUD'\n", ":2: 配置项 logging.level：应为 DEBUG、INFO、WARNING、ERROR 之一"),
    ("[fetch]\nallow_networks = ['intranet']\n", ":2: 配置项 fetch.allow_networks：应为 IP 网段"),
    ("[node]\ncode = 'hunan'\n", ":2: 配置项 node.code：应为 6 位行政区划代码"),
    ("[node]\nrole = 'city'\ncode = '430000'\n", "市级节点（role = \"city\"）应为地市的行政区划代码"),
    ("[node]\nrole = 'county'\n", ":2: 配置项 node.role：应为 all-in-one、province、city 之一"),
    ("[collectors]\n\n\njitter_fraction = 0.9999\n", ":4: 配置项 collectors.jitter_fraction："),
]


def test_a_moved_setting_says_where_it_lives_now(tmp_path: Path) -> None:
    f = tmp_path / "govops.toml"
    f.write_text("[collectors]\nnode_code = '430100'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"collectors.node_code（来自 .*）：该设置已移到 \[node\] 表，"
                                          r"请把 code = '430100'"):
        load_config(f, env={})
    with pytest.raises(ConfigError, match=r"GOVOPS_COLLECTORS__NODE_CODE 已停用.*请改用 \$GOVOPS_NODE__CODE"):
        load_config(None, env={"GOVOPS_COLLECTORS__NODE_CODE": "430100"})


@pytest.mark.parametrize(("text", "expected"), CONFIG_CASES)
def test_config_checks_are_chinese(tmp_path: Path, text: str, expected: str) -> None:
    f = tmp_path / "govops.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(f, env={})
    assert str(exc.value).startswith(str(f)) and expected in str(exc.value), str(exc.value)
    _assert_chinese(str(exc.value), text)


def test_environment_errors_name_the_variable() -> None:
    for env, expected in (({"GOVOPS_WEB__PORT": "abc"}, "环境变量 GOVOPS_WEB__PORT: 配置项 web.port：应为整数"),
                          ({"GOVOPS_WEB__NOPE": "1"}, "环境变量 GOVOPS_WEB__NOPE: 没有配置项 web.nope"),
                          ({"GOVOPS_NOPE__X": "1"}, "环境变量 GOVOPS_NOPE__X: 没有 [nope] 这个配置节")):
        with pytest.raises(ConfigError) as exc:
            load_config(env=env)
        assert str(exc.value).startswith(expected), str(exc.value)
        _assert_chinese(str(exc.value), " ".join(f"{k} {v} {k.lower()}" for k, v in env.items()))


# ---- the receivers file ----------------------------------------------------------------------------

BASE = {"dingtalk": {"url": "'http://127.0.0.1:9/d'"}, "email": {"host": "'127.0.0.1'", "sender": "'a@b.test'"},
        "sms": {"url": "'http://127.0.0.1:9/s'"}, "webhook": {"url": "'http://127.0.0.1:9/w'"},
        "wecom": {"url": "'http://127.0.0.1:9/q'"}}
# What each kind's own checks refuse: (key, bad value).
CHECKS = {
    "dingtalk": [("url", "'ftp://x'"), ("timeout", "0")],
    "email": [("host", "''"), ("sender", "'nobody'"), ("port", "70000"), ("to", "['x']"), ("timeout", "0"),
              ("security", "'ssl'"), ("ca_file", "'/nonexistent/ca.pem'")],
    "sms": [("url", "'ftp://x'"), ("timeout", "0"), ("phones", "['138-0000']"), ("template", "{ a = 'b' }")],
    "webhook": [("url", "'ftp://x'"), ("timeout", "0"), ("header_value", "'v'")],
    "wecom": [("url", "'ftp://x'"), ("timeout", "0")],
}


def _receivers_file(tmp_path: Path, kind: str, settings: dict[str, str]) -> tuple[Path, str]:
    lines = ["# 接收方", "", "[receivers.duty]", f"kind = '{kind}'", *(f"{k} = {v}" for k, v in settings.items()),
             "", "[[routes]]", "receivers = ['duty']", ""]
    f = tmp_path / "receivers.toml"
    text = "\n".join(lines)
    f.write_text(text, encoding="utf-8")
    return f, text


def _receiver_cases() -> list[tuple[str, str, str]]:
    """(kind, key, TOML value) for every key of every kind given a value of the wrong type, and every check."""
    cases = []
    for kind, cls in NOTIFIERS:
        hints = typing.get_type_hints(cls.config_class)
        for f in dataclasses.fields(cls.config_class):
            cases.append((kind, f.name, "1" if hints[f.name] in (dict, typing.Any) or "dict" in str(hints[f.name])
                          else "{ a = 1 }"))
        cases += [(kind, key, value) for key, value in CHECKS[kind]]
        cases += [(kind, "colour", "'red'"), (kind, "max_per_hour", "-1"), (kind, "enabled", "'yes'"),
                  (kind, "timeout", "601")]
    return cases


@pytest.mark.parametrize(("kind", "key", "value"), _receiver_cases())
def test_receiver_errors_name_file_line_receiver_and_key(tmp_path: Path, kind: str, key: str, value: str) -> None:
    f, text = _receivers_file(tmp_path, kind, {**BASE[kind], key: value})
    with pytest.raises(ReceiversError) as exc:
        load_receivers(f)
    message = str(exc.value)
    line = text.splitlines().index(f"{key} = {value}") + 1
    assert message.startswith(f"{f}:{line}: 接收方 duty：") and key in message, message
    _assert_chinese(message, text)


@pytest.mark.parametrize("kind", NOTIFIERS.names())
def test_a_missing_required_key_names_the_receiver(tmp_path: Path, kind: str) -> None:
    for key in BASE[kind]:
        f, text = _receivers_file(tmp_path, kind, {k: v for k, v in BASE[kind].items() if k != key})
        with pytest.raises(ReceiversError) as exc:
            load_receivers(f)
        assert str(exc.value).startswith(f"{f}:3: 接收方 duty：{kind} 类型缺少键 {key}"), str(exc.value)
        _assert_chinese(str(exc.value), text)


@pytest.mark.parametrize(("route", "expected"), [
    ("receivers = ['nobody']", "键 receivers：没有名为 'nobody' 的接收方"),
    ("receivers = []", "键 receivers：至少要列出一个接收方"),
    ("receivers = ['duty']\nseverities = ['urgent']", "键 severities：未知的级别 'urgent'"),
    ("receivers = ['duty']\ncities = ['changsha']", "键 cities：'changsha' 不是 6 位行政区划代码"),
    ("receivers = ['duty']\nweekdays = [1]", "未知的键 weekdays"),
    ("receivers = 'duty'", "键 receivers：应为文本的列表"),
])
def test_route_errors_name_the_route_and_its_line(tmp_path: Path, route: str, expected: str) -> None:
    f = tmp_path / "receivers.toml"
    text = f"[receivers.duty]\nkind = 'webhook'\nurl = 'http://127.0.0.1:9/w'\n\n[[routes]]\nreceivers = ['duty']\n\n" \
           f"[[routes]]\n{route}\n"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ReceiversError) as exc:
        load_receivers(f)
    message = str(exc.value)
    head = rf"{re.escape(str(f))}:(8|9|10): 第 2 条路由（\[\[routes\]\]）："
    assert re.match(head, message) and expected in message, message
    _assert_chinese(message, text)


def test_file_level_receiver_errors(tmp_path: Path) -> None:
    f = tmp_path / "receivers.toml"
    for text, expected in (("[receivers.duty\n", ":1: TOML 格式错误"), ("extra = 1\n", ": 未知的顶层键 extra"),
                           ("receivers = 1\n", ": receivers 应为表的表"), ("[receivers]\nduty = 1\n",
                                                                            ": 接收方 duty：应为表")):
        f.write_text(text, encoding="utf-8")
        with pytest.raises(ReceiversError) as exc:
            load_receivers(f)
        assert str(exc.value).startswith(str(f)) and expected in str(exc.value), str(exc.value)
        _assert_chinese(str(exc.value), text)
    for missing in (tmp_path / "nope.toml", tmp_path):
        with pytest.raises(ReceiversError) as exc:
            load_receivers(missing)
        assert str(exc.value).startswith(str(missing)), str(exc.value)
        _assert_chinese(str(exc.value), "")


# ---- matchers in rule files ------------------------------------------------------------------------

@pytest.mark.parametrize("matcher", ['site=~"(a"', 'site=~"(?=a)"', 'site=~"(a)\\1"', '1site="x"', 'site=~"a**"',
                                     "site"])
def test_a_bad_inhibit_matcher_is_a_chinese_rule_error_at_its_line(tmp_path: Path, matcher: str) -> None:
    f = tmp_path / "rules.yaml"
    text = ("version: 1\ngroups: []\ninhibit_rules:\n  - name: x\n    source_matchers:\n"
            f"      - '{matcher}'\n    target_matchers: ['site=\"y\"']\n    equal: [site]\n")
    f.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError) as exc:
        load_rule_files([f])
    (path, line, reason), *_ = exc.value.errors
    assert (path, line) == (str(f), 6) and "source_matchers 中的匹配条件" in reason, exc.value.errors
    _assert_chinese(reason, text)


def test_a_command_meeting_a_broken_receivers_file_says_so_in_chinese(tmp_path: Path) -> None:
    """``run`` loads the receivers at start-up: a broken file is a configuration error (exit 2), not a bug."""
    import io

    from core.cli import report_error

    f, _ = _receivers_file(tmp_path, "webhook", {"url": "'ftp://x'"})
    with pytest.raises(ReceiversError) as exc:
        load_receivers(f)
    err = io.StringIO()
    assert report_error(exc.value, err=err) == 2
    assert err.getvalue() == f"配置错误：{f}:5: 接收方 duty：键 url：须以 http:// 或 https:// 开头\n"


# ---- the inspection rules file -----------------------------------------------------------------------

def _inspection_keys() -> list[tuple[str, str]]:
    from inspection.base import CHECKS
    from inspection.rules import VetoRules, load_checks

    load_checks()
    out = [("veto", f.name) for f in dataclasses.fields(VetoRules)]
    for name, kind in sorted(CHECKS):
        settings = getattr(kind, "Settings", None)
        if settings is not None and dataclasses.is_dataclass(settings):
            out += [(name, f.name) for f in dataclasses.fields(settings)]
    return out


@pytest.mark.parametrize(("table", "key"), _inspection_keys())
def test_inspection_rules_errors_name_file_line_table_and_key(tmp_path: Path, table: str, key: str) -> None:
    from inspection.rules import RulesError, load_rules

    f = tmp_path / "rules.toml"
    text = f"# 检查规则\n[{table}]\n{key} = {{ a = 1 }}\n"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as exc:
        load_rules(f)
    message = str(exc.value)
    assert message.startswith(f"{f}:3: [{table}] {key}："), message
    _assert_chinese(message, text + " ".join(k for _, k in _inspection_keys()))
