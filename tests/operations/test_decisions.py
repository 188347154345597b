"""Decisions: validation of the closed reason set, and the status a decision gives as evidence changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from operations.decisions import (
    DecisionKind,
    DecisionRecord,
    DecisionStatus,
    DismissReason,
    evidence_digest,
    needs_review,
    status,
    validate,
)
from operations.errors import VerifyError

T0 = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "reason", "note", "expected"), [
    ("confirmed", None, "", (DecisionKind.CONFIRMED, None, "")),
    ("confirmed", "", " 属实 ", (DecisionKind.CONFIRMED, None, "属实")),
    ("dismissed", "false_positive", "", (DecisionKind.DISMISSED, DismissReason.FALSE_POSITIVE, "")),
    ("dismissed", "exempt_column", "已备案撤销", (DecisionKind.DISMISSED, DismissReason.EXEMPT_COLUMN, "已备案撤销")),
    ("dismissed", "already_fixed", "", (DecisionKind.DISMISSED, DismissReason.ALREADY_FIXED, "")),
    ("dismissed", "other", "临时维护", (DecisionKind.DISMISSED, DismissReason.OTHER, "临时维护")),
])
def test_valid_decisions(kind: str, reason: str | None, note: str, expected: tuple[object, ...]) -> None:
    d = validate(kind, reason, note)
    assert (d.kind, d.reason, d.note) == expected


@pytest.mark.parametrize(("kind", "reason", "note", "message"), [
    ("dismissed", None, "", "排除问题需要原因"),
    ("dismissed", "because", "", "排除原因“because”无效"),
    ("dismissed", "other", "  ", "必须填写说明"),
    ("confirmed", "false_positive", "", "确认问题时不填排除原因"),
    ("maybe", None, "", "核验结论“maybe”无效"),
    ("confirmed", None, "长" * 2001, "说明过长"),
])
def test_invalid_decisions(kind: str, reason: str | None, note: str, message: str) -> None:
    with pytest.raises(VerifyError, match=message):
        validate(kind, reason, note)


def test_digest_changes_with_evidence_but_not_with_volatile_counters() -> None:
    url = "http://127.0.0.1/a"
    base = evidence_digest("column_freshness", "column_stale", url, {"days": 20, "newest": "x"})
    assert base == evidence_digest("column_freshness", "column_stale", url,
                                   {"newest": "x", "days": 20, "probes_counted": 99})
    assert base != evidence_digest("column_freshness", "column_stale", url, {"days": 21, "newest": "x"})
    assert base != evidence_digest("column_freshness", "column_blank", url, {"days": 20, "newest": "x"})


@pytest.mark.parametrize(("record", "current", "expected"), [
    (None, "d1", DecisionStatus.UNDECIDED),
    (DecisionRecord("dismissed", "d1", T0), "d1", DecisionStatus.DISMISSED),
    (DecisionRecord("confirmed", "d1", T0), "d1", DecisionStatus.CONFIRMED),
    (DecisionRecord("dismissed", "d1", T0), "d2", DecisionStatus.LAPSED),
    (DecisionRecord("confirmed", "d1", T0), "d2", DecisionStatus.LAPSED),
])
def test_status(record: DecisionRecord | None, current: str, expected: DecisionStatus) -> None:
    assert status(record, current) is expected
    assert needs_review(expected) == (expected in (DecisionStatus.UNDECIDED, DecisionStatus.LAPSED))
