"""Label matchers, as Alertmanager spells them: ``name op value`` with op in ``=``, ``!=``, ``=~``, ``!~``.

Pure: no I/O. Regular expressions are anchored (the whole label value must match), so ``site=~"43.*"``
means "starts with 43", not "contains 43". A label that is absent matches like the empty string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

OPS = ("=", "!=", "=~", "!~")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MatcherError(ValueError):
    """A matcher is malformed; the message names the matcher and where it came from."""


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = str(labels.get(self.name, ""))
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self._regex is not None
        hit = self._regex.fullmatch(actual) is not None
        return hit if self.op == "=~" else not hit

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "op": self.op, "value": self.value}

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


def make_matcher(name: str, op: str, value: str, where: str = "matcher") -> Matcher:
    """A validated matcher; raises :class:`MatcherError` naming ``where`` and the bad part."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise MatcherError(f"{where}: label name {name!r} is not a valid name (letters, digits, _)")
    if op not in OPS:
        raise MatcherError(f"{where}: operator {op!r} of {name!r} is not one of {', '.join(OPS)}")
    if not isinstance(value, str):
        raise MatcherError(f"{where}: value of {name!r} must be a string, got {type(value).__name__}")
    regex = None
    if op in ("=~", "!~"):
        try:
            regex = re.compile(value)
        except re.error as exc:
            raise MatcherError(f"{where}: {name}{op}\"{value}\" is not a valid regular expression: {exc}") from exc
    return Matcher(name, op, value, regex)


def parse_matchers(raw: Iterable[Mapping[str, str]], where: str = "matchers") -> list[Matcher]:
    """Matchers from their stored form (``{"name", "op", "value"}`` dicts); empty input is an error.

    An empty list would match every alert; a silence or inhibition that mutes everything must be
    spelled out (e.g. ``alertname=~".*"``), never the accident of a missing field.
    """
    out: list[Matcher] = []
    for i, item in enumerate(raw):
        here = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            raise MatcherError(f"{here}: expected {{name, op, value}}, got {type(item).__name__}")
        missing = [k for k in ("name", "op", "value") if k not in item]
        if missing:
            raise MatcherError(f"{here}: missing {', '.join(missing)}")
        out.append(make_matcher(item["name"], item["op"], item["value"], here))
    if not out:
        raise MatcherError(f"{where}: at least one matcher is required")
    return out


def parse_matcher_text(text: str, where: str = "matcher") -> Matcher:
    """One matcher from its text form, e.g. ``site="430100001"`` or ``rule=~"tls_.*"`` (quotes optional)."""
    m = re.match(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$', text)
    if not m:
        raise MatcherError(f"{where}: {text!r} is not of the form name=value, name!=value, name=~re or name!~re")
    value = m.group(3)
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return make_matcher(m.group(1), m.group(2), value, where)


def matches_all(matchers: Sequence[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches ``labels`` (an empty sequence matches nothing)."""
    return bool(matchers) and all(m.matches(labels) for m in matchers)
