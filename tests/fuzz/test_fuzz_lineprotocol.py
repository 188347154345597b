"""Line protocol under fuzz: any text parses or fails with a LineProtocolError naming a real line and column,
and every point that parses can be written to the metric store (a timestamp of 2^63 used to parse and then
raise OverflowError in the store)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.support import fuzz, hostile_text
from tsdb.lineprotocol import INT64_MAX, INT64_MIN, LineProtocolError, parse_lines
from tsdb.sqlite_store import SQLiteMetricStore

PRECISIONS = st.sampled_from(["ns", "us", "ms", "s"])
LP_TEXT = st.text(st.one_of(st.sampled_from(list('mfvtsa0129-+.eEiuTF"\\ ,=\n#\r')), st.characters()), max_size=160)

_names = st.text(st.sampled_from(list("ab_\\ ,=站\x00")), min_size=1, max_size=6)
_ts = st.one_of(st.integers(INT64_MIN - 10, INT64_MIN + 10), st.integers(INT64_MAX - 10, INT64_MAX + 10),
                st.integers(-(10**20), 10**20), st.integers(0, 2_000_000_000))
_value = st.one_of(
    st.builds(str, st.floats(allow_nan=True, allow_infinity=True)),
    st.builds(lambda n: f"{n}i", st.one_of(st.integers(INT64_MIN - 2, INT64_MIN + 2),
                                           st.integers(INT64_MAX - 2, INT64_MAX + 2), st.integers(-(10**30), 10**30))),
    st.builds(lambda n: f"{n}u", st.integers(-2, 2**64 + 2)),
    st.builds(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"', hostile_text(30)),
    st.sampled_from(["t", "FALSE", "True", "yes", "1e400", "-0", ".5", "5.", "-", ""]),
)


def _line(measurement: str, tags: list[tuple[str, str]], fields: list[tuple[str, str]], ts: int | None) -> str:
    def esc(s: str, specials: str) -> str:
        out = s.replace("\\", "\\\\")
        for ch in specials:
            out = out.replace(ch, "\\" + ch)
        return out

    head = esc(measurement, ", ") + "".join(f",{esc(k, ',= ')}={esc(v, ',= ')}" for k, v in tags)
    body = ",".join(f"{esc(k, ',= ')}={v}" for k, v in fields)
    return f"{head} {body}" + (f" {ts}" if ts is not None else "")


LINES = st.lists(st.builds(_line, _names, st.lists(st.tuples(_names, _names), max_size=3),
                           st.lists(st.tuples(_names, _value), min_size=1, max_size=3), st.one_of(st.none(), _ts)),
                 min_size=1, max_size=4)


def _check_error(text: str, exc: LineProtocolError) -> None:
    assert 1 <= exc.line <= text.count("\n") + 1, (exc.line, text)
    assert exc.column >= 1 and exc.reason and str(exc).startswith(f"第 {exc.line} 行第 {exc.column} 列：")
    assert len(exc.reason) < 200  # a huge token is never echoed whole


@fuzz(400)
@given(LP_TEXT, PRECISIONS)
def test_any_text_parses_or_names_its_line_and_column(text: str, precision: str) -> None:
    try:
        points = parse_lines(text, precision=precision, default_time_ns=0)
    except LineProtocolError as exc:
        _check_error(text, exc)
        return
    for p in points:
        assert INT64_MIN <= p.time_ns <= INT64_MAX and p.measurement and p.fields


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteMetricStore]:
    s = SQLiteMetricStore(Path(tmp_path_factory.mktemp("lp")) / "m.db")
    try:
        yield s
    finally:
        s.close()


_batch = itertools.count()


@fuzz(250)
@given(LINES, PRECISIONS)
def test_whatever_parses_is_stored(store: SQLiteMetricStore, lines: list[str], precision: str) -> None:
    text = "\n".join(lines) + "\n"
    try:
        points = parse_lines(text, precision=precision, default_time_ns=1_700_000_000_000_000_000)
    except LineProtocolError as exc:
        _check_error(text, exc)
        return
    n = next(_batch)  # a measurement of its own per batch
    points = [type(p)(f"{p.measurement}#{n}", p.fields, p.time_ns, p.tags) for p in points]
    try:
        assert store.write(points) == len(points)
    except ValueError as exc:  # the store's one refusal of parsed points: a string field (numbers only)
        assert "holds text" in str(exc) and any(isinstance(v, str) for p in points for v in p.fields.values()), exc
