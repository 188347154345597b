"""Manual entries: field validation with Chinese errors, boundaries included."""

from __future__ import annotations

import pytest

from operations.entries import EntryKind, validate
from operations.errors import VerifyError


@pytest.mark.parametrize(("kind", "points", "expected"), [
    ("deduction", "0.1", 0.1), ("deduction", 100, 100.0), ("deduction", "2.5", 2.5),
    ("bonus", "30", 30.0), ("bonus", 0.5, 0.5),
])
def test_valid_points(kind: str, points: str | float, expected: float) -> None:
    e = validate("2026Q4", kind, "4.2", points, "首页栏目空白", "http://127.0.0.1/shot.png")
    assert (e.kind, e.points, e.period.code, e.code) == (EntryKind(kind), expected, "2026Q4", "4.2")


@pytest.mark.parametrize(("args", "message"), [
    (("2026Q4", "deduction", "4.2", "0", "x", ""), "超出范围"),
    (("2026Q4", "deduction", "4.2", "100.1", "x", ""), "不超过 100 分"),
    (("2026Q4", "bonus", "b1", "30.5", "x", ""), "不超过 30 分"),
    (("2026Q4", "deduction", "4.2", "-1", "x", ""), "超出范围"),
    (("2026Q4", "deduction", "4.2", "nan", "x", ""), "超出范围"),
    (("2026Q4", "deduction", "4.2", "1.25", "x", ""), "一位小数"),
    (("2026Q4", "deduction", "4.2", "abc", "x", ""), "不是数字"),
    (("2026Q4", "deduction", "", "1", "x", ""), "指标编码"),
    (("2026Q4", "deduction", "四点二", "1", "x", ""), "指标编码"),
    (("2026Q4", "penalty", "4.2", "1", "x", ""), "条目类型"),
    (("2026Q4", "deduction", "4.2", "1", " ", ""), "说明"),
    (("2026Q4", "deduction", "4.2", "1", "x", "javascript:alert(1)"), "佐证"),
    (("2026Q9", "deduction", "4.2", "1", "x", ""), "周期"),
])
def test_invalid_entries(args: tuple[str, str, str, str, str, str], message: str) -> None:
    with pytest.raises(VerifyError, match=message):
        validate(*args)
