"""Line protocol: parsing, escaping, errors with line/column, and format/parse round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tsdb.lineprotocol import LineProtocolError, format_points, parse_lines
from tsdb.point import Point


def test_parses_tags_field_types_and_timestamp() -> None:
    text = 'site_probe,site=www.hunan.gov.cn,city=430100 up=true,status=200i,latency_ms=12.5,' \
           'bytes=18446744073709551615u,content_hash="ab\\"c\\\\d",ok=F 1700000000000000000\n'
    [p] = parse_lines(text)
    assert p.measurement == "site_probe"
    assert dict(p.tags) == {"site": "www.hunan.gov.cn", "city": "430100"}
    assert p.time_ns == 1_700_000_000_000_000_000
    f = dict(p.fields)
    assert f["up"] is True and f["ok"] is False
    assert f["status"] == 200 and type(f["status"]) is int
    assert f["latency_ms"] == 12.5 and type(f["latency_ms"]) is float
    assert f["bytes"] == 2**64 - 1
    assert f["content_hash"] == 'ab"c\\d'


def test_escapes_in_names_and_literal_backslashes() -> None:
    [p] = parse_lines(r'my\ meas\,x,tag\ k\=1=v\,a\ l\=ue f\=k\ 1=1i,back=2i 5' + "\n" )
    assert p.measurement == "my meas,x"
    assert dict(p.tags) == {"tag k=1": "v,a l=ue"}
    assert set(p.fields) == {"f=k 1", "back"}
    [q] = parse_lines(r"a\b,t=x\\y v=1 1")
    assert q.measurement == "a\\b" and q.tags["t"] == "x\\y"


@pytest.mark.parametrize("token,value", [
    ("t", True), ("T", True), ("true", True), ("True", True), ("TRUE", True),
    ("f", False), ("F", False), ("false", False), ("False", False), ("FALSE", False),
    ("1", 1.0), ("-1.5e3", -1500.0), (".5", 0.5), ("-7i", -7), ("7u", 7),
])
def test_field_value_types(token: str, value: object) -> None:
    [p] = parse_lines(f"m v={token} 1")
    assert p.fields["v"] == value and type(p.fields["v"]) is type(value)


def test_comments_blank_lines_precision_and_default_time() -> None:
    text = "# header\n\n   \nm v=1 3\r\n  # indented comment\nm v=2\n"
    pts = parse_lines(text, precision="s", default_time_ns=42)
    assert [p.time_ns for p in pts] == [3_000_000_000, 42]
    assert parse_lines("m v=1 3", precision="ms")[0].time_ns == 3_000_000
    assert parse_lines("m v=1 3", precision="us")[0].time_ns == 3_000
    with pytest.raises(ValueError, match="precision"):
        parse_lines("m v=1 3", precision="h")


def test_string_field_may_span_lines_and_line_numbers_follow() -> None:
    text = 'm s="a\nb" 1\nm v=bad 2\n'
    with pytest.raises(LineProtocolError) as exc:
        parse_lines(text)
    assert (exc.value.line, exc.value.column) == (3, 5)
    assert parse_lines('m s="a\nb" 1\n')[0].fields["s"] == "a\nb"


@pytest.mark.parametrize("text,line,column,fragment", [
    ("m v=1 1\nm v=1 2\ncpu,host=a value=abc 123\n", 3, 18, "字段值无效"),
    ("m v=1 1\nm\n", 2, 2, "缺少字段"),
    ("m,t v=1 1", 1, 4, "等号"),
    ("m,t= v=1 1", 1, 5, "标签 t 的值为空"),
    (",t=1 v=1 1", 1, 1, "缺少测量名称"),
    ("m v=1,v=2 1", 1, 7, "字段 v 重复"),
    ('m s="open 1', 1, 5, "双引号"),
    ("m v=1 12x", 1, 7, "时间戳无效"),
    ("m v=1 1 2", 1, 9, "多余内容"),
    ("m v=1", 1, 6, "缺少时间戳"),
    ("m v=99999999999999999999i 1", 1, 5, "超出范围"),
    ("m v=-1u 1", 1, 5, "超出范围"),
    ("m v=nan 1", 1, 5, "字段值无效"),
    ("m v= 1", 1, 5, "字段值无效"),
])
def test_malformed_lines_name_line_and_column(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(LineProtocolError) as exc:
        parse_lines(text)
    err = exc.value
    assert (err.line, err.column) == (line, column), str(err)
    assert fragment in err.reason
    assert str(err).startswith(f"第 {line} 行第 {column} 列：")
    assert isinstance(err, ValueError)


def test_format_rejects_unrepresentable_points() -> None:
    for bad in (Point("m", {"v": float("nan")}, 1), Point("m", {"v": 2**64}, 1),
                Point("m\nx", {"v": 1}, 1), Point("#m", {"v": 1}, 1), Point("m", {"v": 1}, 1, {"t": ""})):
        with pytest.raises(ValueError):
            format_points([bad])


_name = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), min_size=1, max_size=12)
_measurement = _name.filter(lambda s: s[0] not in "# \t")
_value = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(2**63), 2**64 - 1),
    st.booleans(),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
)
_point = st.builds(
    Point,
    measurement=_measurement,
    fields=st.dictionaries(_name, _value, min_size=1, max_size=4),
    time_ns=st.integers(-(2**62), 2**62),
    tags=st.dictionaries(_name, _name, max_size=4),
)


def _typed(p: Point) -> tuple:
    return (p.measurement, dict(p.tags), p.time_ns, {k: (type(v), v) for k, v in p.fields.items()})


@settings(max_examples=150, deadline=None)
@given(st.lists(_point, min_size=1, max_size=5))
def test_format_then_parse_round_trips(points: list[Point]) -> None:
    parsed = parse_lines(format_points(points))
    assert [_typed(p) for p in parsed] == [_typed(p) for p in points]
