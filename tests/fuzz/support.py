"""Shared strategies and helpers of the fuzz suite: hostile text, extreme numbers, nested data, and a
small TOML writer (so generated documents are real TOML the loaders must then judge)."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large,
              HealthCheck.filter_too_much, HealthCheck.large_base_example]
# fuzz-ci: the same examples on every run and machine; fuzz-deep: random, ten times as many, with hypothesis'
# example database so a failure found once is tried first next time (see tests/fuzz/conftest.py).
settings.register_profile("fuzz-ci", derandomize=True, deadline=None, database=None, print_blob=True,
                          suppress_health_check=SUPPRESSED)
settings.register_profile("fuzz-deep", derandomize=False, deadline=None, print_blob=True,
                          suppress_health_check=SUPPRESSED)
PROFILE = os.environ.get("GOVOPS_FUZZ_PROFILE", "fuzz-ci")
SCALE = 10 if PROFILE == "fuzz-deep" else 1


def fuzz(examples: int) -> Callable[[Any], Any]:
    """The suite's settings with ``examples`` examples (ten times as many under ``fuzz-deep``)."""
    return settings(settings.get_profile(PROFILE), max_examples=examples * SCALE)


# Characters parsers trip over: controls, quotes, escapes, separators, brackets, BOM, bidi override,
# line and paragraph separators, full-width forms, CJK.
SPECIAL = [*"\x00\x01\x07\x08\t\n\r\x0b\x0c\x1b\x7f\x85\xa0\u2028\u2029\ufeff\u202e\u200b\u3000",
           *"\\\"'`,;:=#[]{}()<>*&!|%@$^~-+._/ ", "站", "点", "網", "＝", "，", "ａ"]
hostile_char = st.one_of(st.sampled_from(SPECIAL), st.characters(), st.sampled_from(list("az09AZ")))


def hostile_text(max_size: int = 40, min_size: int = 0) -> st.SearchStrategy[str]:
    """Text of hostile characters (never a lone surrogate: see :data:`surrogate_text`)."""
    return st.text(hostile_char, min_size=min_size, max_size=max_size)


# Lone surrogates: not valid Unicode scalars, but a Python str can hold them (surrogateescape decoding).
surrogate_text = st.text(st.one_of(hostile_char, st.characters(categories=["Cs"])), max_size=20)
long_text = st.builds(lambda c, n: c * n, st.sampled_from(["a", "站", "\x00", " ", "9"]),
                      st.sampled_from([127, 128, 129, 256, 1025, 70_000, 140_000]))

extreme_int = st.one_of(st.integers(-3, 3), st.integers(), st.sampled_from(
    [2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 2**64, 10**400]))
extreme_float = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                          st.sampled_from([1e308, -1e308, 5e-324, 0.0, -0.0]))
scalar = st.one_of(st.none(), st.booleans(), extreme_int, extreme_float, hostile_text(20), long_text,
                   st.dates(), st.datetimes())


def nested(leaves: st.SearchStrategy[Any] = scalar, max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Lists and string-keyed dicts of ``leaves``, a few levels deep."""
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(hostile_text(8), inner, max_size=4)), max_leaves=max_leaves)


# ---- TOML writer: what tomllib must read back, so the loaders get every value TOML can carry.

def _toml_str(s: str) -> str:
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif o < 0x20 or o == 0x7f or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04X}" if not 0xD800 <= o <= 0xDFFF else "\\uFFFD")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(v: Any) -> str | None:
    """``v`` as a TOML value, or None when TOML cannot carry it (None, a date-time with a zone…)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, datetime):
        return v.isoformat() if v.tzinfo is None else None
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        items = [toml_value(x) for x in v]
        return "[" + ", ".join(i for i in items if i is not None) + "]"
    if isinstance(v, dict):
        pairs = [(k, toml_value(x)) for k, x in v.items()]
        return "{" + ", ".join(f"{_toml_str(str(k))} = {x}" for k, x in pairs if x is not None) + "}"
    return None


def toml_document(doc: dict[str, Any]) -> str:
    """A TOML document: top-level scalars first, then one ``[table]`` per dict, ``[[array]]`` per list of dicts."""
    lines: list[str] = []
    tables: list[tuple[str, Any]] = []
    for k, v in doc.items():
        if isinstance(v, dict) or (isinstance(v, list) and v and all(isinstance(x, dict) for x in v)):
            tables.append((k, v))
            continue
        text = toml_value(v)
        if text is not None:
            lines.append(f"{_toml_str(str(k))} = {text}")
    for k, v in tables:
        head = f"[[{_toml_str(str(k))}]]" if isinstance(v, list) else f"[{_toml_str(str(k))}]"
        for body in (v if isinstance(v, list) else [v]):
            lines.append(head)
            for k2, v2 in body.items():
                text = toml_value(v2)
                if text is not None:
                    lines.append(f"{_toml_str(str(k2))} = {text}")
    return "\n".join(lines) + "\n"


def json_roundtrip(value: Any) -> Any:
    """``value`` through JSON text and back, as a client of ``--format json`` would read it."""
    return json.loads(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(position, delete count, insertion)`` applied (positions taken modulo its length)."""
    for pos, delete, insert in edits:
        at = pos % (len(text) + 1)
        text = text[:at] + insert + text[at + delete:]
    return text


edits = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 8), hostile_text(12)), min_size=1, max_size=6)
