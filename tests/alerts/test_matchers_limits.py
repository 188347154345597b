"""Matchers refuse, in Chinese, what they cannot compile; values are bounded, so an error message never
echoes a huge value whole; and (issue 9) a regex can no longer stall an alerting cycle or a web request
by catastrophic backtracking: matchers are RE2's, linear in the label value's length.

The backtracking tests run the match in a child process with a generous time limit: on a backtracking
engine (Python's ``re``, the code before this change) ``(a+)+$`` against 40 ``a`` and a ``b`` takes
about 2^40 steps (hours), so the child is stopped and the test fails cleanly instead of hanging."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from alerts.matchers import MAX_VALUE, MatcherError, make_matcher, parse_matcher_text, parse_matchers
from core.config import PROJECT_ROOT

HANG_LIMIT_S = 60  # a hang guard, not a speed assertion: RE2 answers in microseconds


@pytest.mark.parametrize(("text", "fragment"), [
    ("site=~a{1001}", "正则表达式无效：重复次数无效"),
    ("site=~(a", "正则表达式无效：缺少右括号 )（出错处：(a）"),
    ("site=~a)", "多出一个右括号"),
    ("site=~[a", "缺少右方括号"),
    ("site=~a**", "重复符号用法有误"),
    ("site=~*a", "重复符号前面缺少可重复的内容"),
    ("site=~a\\", "末尾的反斜杠"),
    ("site=~\\Z", "不支持的转义序列"),
    ("site=~(a)\\1", "不支持的转义序列"),  # a backreference: RE2 has none
    ("site=~(?=a)a", "不支持的写法"),  # look-ahead
    ("site=~(?<!a)b", "不支持的写法"),  # look-behind
    ("site=~\ud800", "含有无法编码的字符"),
    ("site=" + "x" * (MAX_VALUE + 1), "超过"),
    ("s" * 200 + "=x", "标签名"),
    ("site", "应写作 名称=值"),
])
def test_patterns_that_cannot_be_compiled_are_chinese_matcher_errors(text: str, fragment: str) -> None:
    with pytest.raises(MatcherError) as exc:
        parse_matcher_text(text, where="静默的匹配条件第 1 项")
    message = str(exc.value)
    assert message.startswith("静默的匹配条件第 1 项：") and fragment in message and len(message) < 300, message


def test_stored_matchers_name_their_place_in_chinese() -> None:
    for raw, fragment in (([], "至少需要一个匹配条件"), ([{"name": "site", "op": "="}], "第 1 项：缺少 value"),
                          ([5], "第 1 项：应为含 name、op、value 的表，而不是数字"),
                          ([{"name": "site", "op": "=", "value": 3}], "site 的值应为文本，而不是数字")):
        with pytest.raises(MatcherError, match=fragment):
            parse_matchers(raw, where="静默 #3 的匹配条件")  # type: ignore[arg-type]


def test_values_within_the_limit_still_work() -> None:
    m = make_matcher("site", "=~", "(" * 50 + "43.*" + ")" * 50)
    assert m.matches({"site": "4301000001"}) and not m.matches({"site": "5301000001"})
    assert make_matcher("site", "=", "x" * MAX_VALUE).matches({"site": "x" * MAX_VALUE})
    assert make_matcher("rule", "=~", "(?i)TLS_.*").matches({"rule": "tls_expiring"})
    assert make_matcher("site", "=~", "a.c").matches({"site": "a\ud800c"})  # a lone surrogate in a label value
    assert make_matcher("site", "!~", "43(01|02){1,3}\\d*").matches({"site": "4303"})


def _run_child(code: str) -> str:
    """Run ``code`` in a child Python from the project root; its stdout. Fails cleanly when it hangs."""
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=HANG_LIMIT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the match did not finish within {HANG_LIMIT_S} s: catastrophic backtracking")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_backtracking_pattern_against_a_long_value_answers_at_once() -> None:
    out = _run_child("""
        from alerts.matchers import parse_matcher_text
        value = "a" * 40 + "b"
        hits = [parse_matcher_text(t).matches({"site": value})
                for t in ('site=~"(a+)+$"', 'site=~"(a|aa)+"', 'site=~"(a*)*b?c"', 'site!~"(a+)+$"')]
        print(hits)
    """)
    assert out.strip() == "[False, False, False, True]"


def test_an_alerting_cycle_with_such_a_silence_and_inhibit_rule_is_not_stalled(tmp_path: Path) -> None:
    """The two places user regexes run on every cycle: the silence stage (the planner) and the inhibit rules
    (the planner, and the console's grouping on every web request) — read from a real rule file."""
    rules = tmp_path / "evil.yaml"
    rules.write_text(textwrap.dedent("""\
        version: 1
        groups:
          - name: evil
            rules: []
        inhibit_rules:
          - name: evil_inhibit
            source_matchers: ['site=~"(a+)+$"']
            target_matchers: ['rule=~"(x+x+)+y"']
            equal: [node]
        """), encoding="utf-8")
    out = _run_child(f"""
        from datetime import UTC, datetime
        from alerts import pipeline as P
        from alerts.inhibition import problems
        from alerts.matchers import parse_matchers
        from alerts.rules import load_rule_files
        from alerts.silences import ActiveSilence
        from db.models_alerts import SilenceKind

        now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
        ruleset = load_rule_files([{str(rules)!r}])
        snaps = [P.AlertSnap(id=i, rule="x" * 40, state="firing", severity="high",
                             labels={{"site": "a" * 40 + "b", "node": "430100"}}, city_code="430100",
                             group_key="g", fired_at=now, escalation_tier=1) for i in range(1, 4)]
        silence = ActiveSilence(1, SilenceKind.SILENCE, tuple(parse_matchers(
            [{{"name": "site", "op": "=~", "value": "(a+)+$"}}])), "演练", "admin")
        muted = P.silence(snaps, [silence], now)
        grouped = problems(snaps, ruleset.inhibit_rules)
        print(len(muted), [grouped.source_of(s.id) for s in snaps])
    """)
    assert out.strip() == "0 [None, None, None]"


def test_the_silence_form_refuses_a_backreference_in_chinese() -> None:
    from dashboard.oncall_actions import InputError, parse_matchers_text

    with pytest.raises(InputError, match=r"第 1 个匹配条件“site=~\"\(a\)\\1\"”有误：正则表达式无效：不支持的转义序列"):
        parse_matchers_text('site=~"(a)\\1"')
