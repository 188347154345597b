"""Line protocol limits (issue 9, item 12): a timestamp of 2^63 or more parsed and then raised OverflowError
in the store; now every out-of-range timestamp or number and every over-long name, tag or string is a
LineProtocolError naming line and column, and whatever parses can be stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tsdb.lineprotocol import (
    MAX_FIELDS,
    MAX_NAME,
    MAX_STRING,
    MAX_TAG_VALUE,
    MAX_TAGS,
    LineProtocolError,
    parse_lines,
)
from tsdb.sqlite_store import SQLiteMetricStore

OK = "m,site=a v=1 1\n"


@pytest.mark.parametrize(("line", "precision", "column", "fragment"), [
    (f"m v=1 {2**63}", "ns", 7, "时间戳超出范围"),
    (f"m v=1 {-(2**63) - 1}", "ns", 7, "时间戳超出范围"),
    ("m v=1 9223372037", "s", 7, "时间戳超出范围"),  # 2^63 ns is 9223372036.85 s
    ("m v=1 " + "9" * 5000, "ns", 7, "时间戳超出范围"),  # int() refuses 5000 digits with ValueError
    ("m v=" + "9" * 5000 + "i 1", "ns", 5, "整数字段值超出范围"),
    ("m v=" + "9" * 30 + "u 1", "ns", 5, "整数字段值超出范围"),
    ("m v=1e999 1", "ns", 5, "字段值无效"),
    ("x" * (MAX_NAME + 1) + " v=1 1", "ns", 1, "测量名称过长"),
    ("m," + "k" * (MAX_NAME + 1) + "=a v=1 1", "ns", 3, "标签名过长"),
    ("m,k=" + "a" * (MAX_TAG_VALUE + 1) + " v=1 1", "ns", 5, "标签值过长"),
    ("m " + "f" * (MAX_NAME + 1) + "=1 1", "ns", 3, "字段名过长"),
    ('m s="' + "a" * (MAX_STRING + 1) + '" 1', "ns", 5, "字符串字段值过长"),
])
def test_out_of_range_and_over_long_values_name_line_and_column(line: str, precision: str, column: int,
                                                                 fragment: str) -> None:
    with pytest.raises(LineProtocolError) as exc:
        parse_lines(OK + OK + line + "\n", precision=precision)
    assert (exc.value.line, exc.value.column) == (3, column) and fragment in exc.value.reason
    assert len(str(exc.value)) < 200  # the offending token is cut, never echoed whole


def test_counts_are_bounded() -> None:
    tags = ",".join(f"t{i}=v" for i in range(MAX_TAGS + 1))
    with pytest.raises(LineProtocolError, match="标签过多"):
        parse_lines(f"m,{tags} v=1 1")
    fields = ",".join(f"f{i}=1" for i in range(MAX_FIELDS + 1))
    with pytest.raises(LineProtocolError, match="字段过多"):
        parse_lines(f"m {fields} 1")


def test_the_extremes_that_parse_are_stored(tmp_path: Path) -> None:
    text = (f"m,site=a v=1 {2**63 - 1}\nm,site=b v=2 {-(2**63)}\n"
            f"m,site=c v=3 9223372036\n"  # seconds: the largest that fits
            f"m,site=d big={2**63 - 1}i,u={2**64 - 1}u 5\n"
            "m," + "k" * MAX_NAME + "=" + "v" * MAX_TAG_VALUE + " " + "f" * MAX_NAME + "=1 6\n")
    points = parse_lines(text) + parse_lines("m,site=c v=3 9223372036\n", precision="s")
    longest = parse_lines(f"m,site=e s=\"{'z' * MAX_STRING}\" 7\n")  # parses: the line protocol has strings
    store = SQLiteMetricStore(tmp_path / "m.db")
    try:
        assert store.write(points) == len(points)
        with pytest.raises(ValueError, match="field 's' holds text"):  # but a metric store keeps numbers only
            store.write(longest)
    finally:
        store.close()
