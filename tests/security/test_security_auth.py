"""Passwords, the role × action matrix and scope checks (pure)."""

from __future__ import annotations

import pytest

from db.models_security import Role
from security.auth import Action, PermissionDenied, Principal, can, require
from security.passwords import PasswordError, check_policy, hash_password, verify_password


def test_hashes_are_salted_and_verify() -> None:
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt:") and "correct horse" not in a
    assert verify_password(a, "correct horse") and verify_password(b, "correct horse")
    assert not verify_password(a, "correct hors") and not verify_password("garbage", "x")
    with pytest.raises(PasswordError, match="至少需要 8 个字符"):
        check_policy("short")


# Written out independently of security.auth.PERMISSIONS so a change to the matrix fails here.
EXPECTED = {
    "province_admin": "view ack assign silence resolve manage_roster handover manage_users manage_kiosk "
                      "view_audit manage_rules edit_content review_content verify_findings answer_rectification",
    "city_admin": "view ack assign silence resolve manage_roster handover manage_users manage_kiosk view_audit "
                  "verify_findings answer_rectification",
    "oncall": "view ack assign silence resolve handover",
    "manager": "view",
    "security": "view ack view_audit",
    "editor": "view edit_content answer_rectification",
    "reviewer": "view review_content",
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_permission_matrix(role: Role, action: Action) -> None:
    p = Principal(actor="u", scope_code="430000", role=role, user_id=1)
    allowed = action.value in EXPECTED[role.value].split()
    assert can(p, action) is allowed
    if allowed:
        assert require(p, action.value) is p
    else:
        with pytest.raises(PermissionDenied, match="无权执行此操作"):
            require(p, action)


@pytest.mark.parametrize("action", list(Action))
def test_kiosk_only_views(action: Action) -> None:
    k = Principal.of_kiosk("wall", "430000")
    if action is Action.VIEW:
        assert require(k, action, "430100") is k
    else:
        with pytest.raises(PermissionDenied, match="只读"):
            require(k, action, "430100")


def test_scope_limits_every_role_to_its_city() -> None:
    city = Principal(actor="cs", scope_code="430100", role=Role.CITY_ADMIN, user_id=2)
    province = Principal(actor="p", scope_code="430000", role=Role.ONCALL, user_id=3)
    assert require(city, Action.ACK, "430100") is city
    with pytest.raises(PermissionDenied, match=r"^无权查看其他地区的数据$"):  # names no region (issue 9)
        require(city, Action.ACK, "430200")
    with pytest.raises(PermissionDenied, match=r"^无权查看其他地区的数据$"):
        require(city, Action.VIEW)  # a province-wide object
    assert all(can(province, Action.ACK, c) for c in ("430000", "430100", "431300"))
    with pytest.raises(PermissionDenied):
        require(None, Action.VIEW)
    with pytest.raises(ValueError):
        require(province, "fly")
