"""Everything a finding can say reaches a user in Chinese: check names, finding kinds, severities,
veto items and statuses, and every evidence key the checks declare (inspection/base.py ``kinds``,
``evidence_keys``; the runner rejects undeclared ones, the fleet tests run every check)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.i18n.common import SEVERITY
from core.i18n.inspection import EVIDENCE_DETAIL_ONLY, EVIDENCE_LABEL, FINDING_KIND, VETO_ITEM, VETO_STATUS
from core.i18n.walls import EVIDENCE_LABEL as WALL_EVIDENCE_LABEL
from core.i18n.walls import VETO_ITEM_SHORT
from core.severity import Severity
from inspection.base import CHECKS as REGISTRY
from inspection.catalog import CHECK_LABEL, check_label, load_checks
from inspection.veto import STATUSES

CJK = re.compile(r"[\u4e00-\u9fff]")
CHECKS = {name: REGISTRY.get(name) for name in load_checks() if not name.startswith("t_")}  # t_*: test fakes
CHECK_DIR = Path(__file__).parents[2] / "inspection" / "checks"


def chinese(text: str) -> bool:
    return bool(CJK.search(text))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_declares_what_it_can_say_and_each_has_a_chinese_label(name: str) -> None:
    check = CHECKS[name]
    assert chinese(check.label_zh) and check_label(name) == CHECK_LABEL[name] == check.label_zh  # read, not copied
    assert check.kinds and check.evidence_keys, f"{name} must declare kinds and evidence_keys"
    for kind in check.kinds:
        assert kind in FINDING_KIND and chinese(FINDING_KIND[kind]), f"{name}: kind {kind} has no Chinese label"
    for key in check.evidence_keys:
        assert key in EVIDENCE_LABEL and chinese(EVIDENCE_LABEL[key]), f"{name}: evidence key {key} has no label"


def test_labels_cover_exactly_what_the_checks_declare() -> None:
    kinds = {k for c in CHECKS.values() for k in c.kinds}
    keys = {k for c in CHECKS.values() for k in c.evidence_keys}
    assert set(FINDING_KIND) == kinds, "a label without a kind, or the reverse"
    assert set(EVIDENCE_LABEL) == keys and keys >= EVIDENCE_DETAIL_ONLY
    assert WALL_EVIDENCE_LABEL is EVIDENCE_LABEL  # the wall and the CLI read one table


def _literal_kinds(tree: ast.AST) -> set[str]:
    """String literals a module passes as a FindingDraft's kind (2nd positional or ``kind=``)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "FindingDraft":
            args = [kw.value for kw in node.keywords if kw.arg == "kind"] + node.args[1:2]
            out |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return out


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_kinds_written_in_a_check_are_declared(name: str) -> None:
    """A second net beside the runner's: a new literal kind in the source fails here at once."""
    tree = ast.parse((CHECK_DIR / f"{name}.py").read_text(encoding="utf-8"))
    written = _literal_kinds(tree)
    assert written <= set(CHECKS[name].kinds), sorted(written - set(CHECKS[name].kinds))


def test_severities_veto_items_and_statuses_are_chinese() -> None:
    assert set(SEVERITY) == {s.value for s in Severity} and all(chinese(v) for v in SEVERITY.values())
    assert set(VETO_STATUS) == set(STATUSES) and all(chinese(v) for v in VETO_STATUS.values())
    assert set(VETO_ITEM) == set(VETO_ITEM_SHORT) and all(chinese(v) for v in VETO_ITEM.values())


def test_inspection_alert_texts_name_no_internal_code() -> None:
    """An alert summary that interpolates a finding kind or check name would show e.g. ``hidden_link``."""
    from alerts.rules import load_rule_files

    rules = load_rule_files([Path(__file__).parents[2] / "data" / "alerts" / "rules" / "inspection.yaml"])
    assert rules.rules
    for r in rules.rules:
        assert "labels[kind]" not in r.summary and "labels[check]" not in r.summary, r.name
