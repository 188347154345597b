"""Every audit action code the code base records has a Chinese label (core.i18n.security.AUDIT_ACTION_LABELS).

The codes are found by reading the source: each call of ``audit.record(session, actor, ACTION, ...)``.
A literal code is taken as it is; a formatted one (``f"alert.{to.value}"``) is expanded with the values
its placeholder can take, listed in ``PLACEHOLDERS`` below. A new call site with a new placeholder fails
here until its values are listed, so no code can reach the audit screen without a name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from alerts.states import AlertState, SilenceKind
from core.i18n.alerts import ACTION as ALERT_ACTIONS
from core.i18n.security import ACTION_LABELS, AUDIT_ACTION_GROUPS, AUDIT_ACTION_LABELS, ROLE_LABELS, action_label
from core.i18n.verification import DENIABLE as VERIFY_DENIABLE
from db.models_alerts import DeliveryStatus
from db.models_security import Role
from security.auth import Action

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "tests", "var", ".git", "node_modules"}

# (file, placeholder expression) → the values it takes. Keyed by file so a placeholder of the same
# spelling elsewhere has to be looked at again.
PLACEHOLDERS: dict[tuple[str, str], Iterable[str]] = {
    ("alerts/engine.py", "to.value"): [s.value for s in AlertState],
    ("alerts/oncall.py", "action"): list(ALERT_ACTIONS),
    ("alerts/dispatch.py", "status"): [s.value for s in DeliveryStatus],
    ("alerts/silences.py", "kind.value"): [k.value for k in SilenceKind],
    ("alerts/silences.py", "s.kind.value"): [k.value for k in SilenceKind],
    ("operations/access.py", "action"): list(VERIFY_DENIABLE),
    ("operations/notice_store.py", "action"): ["create", "issue", "answer", "problem.fixed", "problem.failed",
                                               "escalate"],
    ("annual/workflow.py", "action"): ["fill", "set", "submit", "review", "return", "publish"],
}


def _source_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            yield path


def _is_record_call(node: ast.Call) -> bool:
    f = node.func
    return (isinstance(f, ast.Attribute) and f.attr == "record" and isinstance(f.value, ast.Name)
            and f.value.id == "audit")


def _action_arg(node: ast.Call) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == "action":
            return kw.value
    return node.args[2] if len(node.args) > 2 else None


def _expand(rel: str, arg: ast.expr) -> list[str]:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):  # "user.enable" if active else "user.disable"
        return _expand(rel, arg.body) + _expand(rel, arg.orelse)
    if isinstance(arg, ast.JoinedStr):
        codes = [""]
        for part in arg.values:
            if isinstance(part, ast.Constant):
                codes = [c + str(part.value) for c in codes]
                continue
            assert isinstance(part, ast.FormattedValue)
            expr = ast.unparse(part.value)
            values = PLACEHOLDERS.get((rel, expr))
            if values is None:
                pytest.fail(f"{rel}:{arg.lineno}: audit action placeholder {{{expr}}} — list the values it takes "
                            f"in PLACEHOLDERS of {Path(__file__).name}")
            codes = [c + v for c in codes for v in values]
        return codes
    pytest.fail(f"{rel}:{arg.lineno}: audit action {ast.unparse(arg)} is neither a literal nor an f-string; "
                f"teach {Path(__file__).name} its values")


def recorded_action_codes() -> dict[str, str]:
    """Every action code the code base can record → where (file:line)."""
    found: dict[str, str] = {}
    for path in _source_files():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if "audit.record(" not in text:
            continue
        for node in ast.walk(ast.parse(text, filename=rel)):
            if isinstance(node, ast.Call) and _is_record_call(node):
                arg = _action_arg(node)
                assert arg is not None, f"{rel}:{node.lineno}: audit.record without an action"
                for code in _expand(rel, arg):
                    found.setdefault(code, f"{rel}:{node.lineno}")
    return found


def test_every_recorded_action_code_has_a_chinese_label() -> None:
    codes = recorded_action_codes()
    assert len(codes) > 30 and "alert.firing" in codes and "login.failed" in codes and "audit.export" in codes
    missing = {code: where for code, where in codes.items() if code not in AUDIT_ACTION_LABELS}
    assert not missing, f"audit action codes without a label in core/i18n/security.py: {missing}"


def test_labels_are_chinese_and_distinct() -> None:
    for code, label in AUDIT_ACTION_LABELS.items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label) and code not in label, code
    assert len(set(AUDIT_ACTION_LABELS.values())) == len(AUDIT_ACTION_LABELS)
    assert action_label("something.new") == "其他操作"  # never the raw code


def test_every_labelled_code_falls_in_a_filter_group() -> None:
    prefixes = {p for _label, ps in AUDIT_ACTION_GROUPS.values() for p in ps}
    assert all(code.split(".")[0] in prefixes for code in AUDIT_ACTION_LABELS)


def test_every_role_and_action_has_a_label_found_by_the_enum_member() -> None:
    # core.i18n keys roles and actions by their values (core imports nothing of ours); a member finds its label
    assert list(ROLE_LABELS) == [r.value for r in Role]
    assert ROLE_LABELS[Role.ONCALL] == "值班员" and ROLE_LABELS.get(Role.MANAGER) == "领导（只读）"
    assert list(ACTION_LABELS) == [a.value for a in Action] and ACTION_LABELS[Action.VIEW_AUDIT] == "查看审计日志"
