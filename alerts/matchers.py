"""Label matchers, as Alertmanager spells them: ``name op value`` with op in ``=``, ``!=``, ``=~``, ``!~``.

Pure: no I/O. Regular expressions are anchored (the whole label value must match), so ``site=~"43.*"``
means "starts with 43", not "contains 43". A label that is absent matches like the empty string.

Regular expressions are RE2's (``google-re2``), as in Alertmanager (Go's regexp is RE2 too): matching
takes time linear in the label value's length whatever the pattern, so a pattern such as ``(a+)+$``
that makes a backtracking engine (Python's ``re``) run for hours against a long value cannot stall an
alerting cycle or a web request. RE2 has no backreferences or look-around; such patterns are refused
when typed, in Chinese. Whatever a user types ends in a :class:`MatcherError` or a matcher: values are
at most :data:`MAX_VALUE` characters, a compiled pattern uses at most :data:`MAX_REGEX_MEMORY` bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import re2

from core.i18n.alerts import RE2_ERRORS

OPS = ("=", "!=", "=~", "!~")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_NAME = 128
MAX_VALUE = 1024
MAX_REGEX_MEMORY = 4 << 20  # RE2's budget for one compiled pattern and its match caches (default 8 MiB)


class MatcherError(ValueError):
    """A matcher is malformed. ``str()`` is Chinese and names where the matcher came from (``where``);
    ``detail`` is the reason alone (for messages that name the place their own way)."""

    def __init__(self, where: str, detail: str, subject: str = "") -> None:
        super().__init__(f"{where}：{subject}：{detail}" if subject else f"{where}：{detail}")
        self.where = where
        self.detail = detail


def _options() -> Any:
    opts = re2.Options()
    opts.log_errors = False  # RE2 would print every refused pattern to stderr
    opts.max_mem = MAX_REGEX_MEMORY
    return opts


_OPTIONS = _options()


def _compile_error(exc: Exception) -> str:
    """A Chinese reason from RE2's error (``b"missing ): (a"``)."""
    raw = exc.args[0] if exc.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    code, _, where = text.partition(": ")
    reason = RE2_ERRORS.get(code.strip())
    if reason is None:
        return "正则表达式无效：无法解析"
    return f"正则表达式无效：{reason}" + (f"（出错处：{_cut(where, 40)}）" if where else "")


def compile_regex(pattern: str) -> Any:
    """``pattern`` compiled by RE2; raises ``ValueError`` with a Chinese reason (see :data:`RE2_ERRORS`)."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except UnicodeEncodeError:
        raise ValueError("正则表达式无效：含有无法编码的字符") from None
    except re2.error as exc:
        raise ValueError(_compile_error(exc)) from None


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str
    _regex: Any = field(default=None, compare=False, repr=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = str(labels.get(self.name, ""))
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self._regex is not None
        # Bytes: a label value may hold a lone surrogate, which str → UTF-8 would refuse.
        hit = self._regex.fullmatch(actual.encode("utf-8", "surrogatepass")) is not None
        return hit if self.op == "=~" else not hit

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "op": self.op, "value": self.value}

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


def make_matcher(name: str, op: str, value: str, where: str = "匹配条件") -> Matcher:
    """A validated matcher; raises :class:`MatcherError` naming ``where`` and the bad part (Chinese)."""
    if not isinstance(name, str) or len(name) > MAX_NAME or not _NAME.match(name):
        raise MatcherError(where, f"标签名 {_cut(name)!r} 无效（只能由字母、数字和下划线组成，且不以数字开头，"
                                  f"最长 {MAX_NAME} 个字符）")
    if op not in OPS:
        raise MatcherError(where, f"{name} 的运算符 {_cut(op)!r} 无效（应为 {'、'.join(OPS)} 之一）")
    if not isinstance(value, str):
        raise MatcherError(where, f"{name} 的值应为文本，而不是{_kind(value)}")
    if len(value) > MAX_VALUE:
        raise MatcherError(where, f"{name} 的值超过 {MAX_VALUE} 个字符")
    regex = None
    if op in ("=~", "!~"):
        try:
            regex = compile_regex(value)
        except ValueError as exc:
            raise MatcherError(where, str(exc), subject=f"{name}{op}\"{_cut(value)}\"") from None
    return Matcher(name, op, value, regex)


def _kind(value: object) -> str:
    """What a value is, in Chinese (for "应为文本，而不是 数字")."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, list | tuple):
        return "列表"
    if isinstance(value, Mapping):
        return "表"
    return "其他类型的值"


def _cut(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_matchers(raw: Iterable[Mapping[str, str]], where: str = "匹配条件") -> list[Matcher]:
    """Matchers from their stored form (``{"name", "op", "value"}`` dicts); empty input is an error.

    An empty list would match every alert; a silence or inhibition that mutes everything must be
    spelled out (e.g. ``alertname=~".*"``), never the accident of a missing field.
    """
    out: list[Matcher] = []
    for i, item in enumerate(raw):
        here = f"{where}第 {i + 1} 项"
        if not isinstance(item, Mapping):
            raise MatcherError(here, f"应为含 name、op、value 的表，而不是{_kind(item)}")
        missing = [k for k in ("name", "op", "value") if k not in item]
        if missing:
            raise MatcherError(here, f"缺少 {'、'.join(missing)}")
        out.append(make_matcher(item["name"], item["op"], item["value"], here))
    if not out:
        raise MatcherError(where, "至少需要一个匹配条件")
    return out


def parse_matcher_text(text: str, where: str = "匹配条件") -> Matcher:
    """One matcher from its text form, e.g. ``site="430100001"`` or ``rule=~"tls_.*"`` (quotes optional)."""
    if not isinstance(text, str):
        raise MatcherError(where, f"应为文本，而不是{_kind(text)}")
    if len(text) > MAX_NAME + MAX_VALUE + 8:
        raise MatcherError(where, f"{_cut(text)!r} 超过 {MAX_NAME + MAX_VALUE + 8} 个字符")
    m = re.match(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$', text)
    if not m:
        raise MatcherError(where, f"{_cut(text)!r} 应写作 名称=值、名称!=值、名称=~正则 或 名称!~正则")
    value = m.group(3)
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return make_matcher(m.group(1), m.group(2), value, where)


def matches_all(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches ``labels`` (an empty sequence matches nothing)."""
    return bool(matchers) and all(m.matches(labels) for m in matchers)
