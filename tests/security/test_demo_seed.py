"""Demo mode's on-call users and rolling roster: notifications have someone to go to, restarts add
nothing twice, real shifts are never touched, and passwords land only in the 0600 file."""

from __future__ import annotations

import itertools
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from alerts.roster import add_shift, recipients
from core.config import load_config
from db.models_alerts import DutyShift
from db.models_security import User
from db.session import transaction
from runtime.bootstrap import prepare_database
from runtime.security_cli import demo_bootstrap
from security.demo_seed import DEMO_PEOPLE, ROSTER_DAYS, demo_accounts_file, roster_slots, seed_demo_accounts
from security.passwords import verify_password

NOW = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)  # 10:30 北京时间
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cfg_path(db_url: str, tmp_path: Path) -> str:
    path = tmp_path / "govops.toml"
    path.write_text(f"[database]\nurl = {json.dumps(db_url)}\n[security]\n"
                    f"secret_key_file = {json.dumps(str(tmp_path / 'var' / 'secret_key'))}\n", encoding="utf-8")
    return str(path)


def test_slots_cover_now_and_the_next_days_in_turns() -> None:
    slots = roster_slots(DEMO_PEOPLE, NOW, SHANGHAI)
    for scope in ("430000", "430100", "430300"):
        for tier in (1, 2):
            mine = sorted((s for s in slots if s.scope_code == scope and s.tier == tier), key=lambda s: s.starts_at)
            assert mine[0].starts_at <= NOW < mine[0].ends_at  # someone is on duty now
            assert mine[-1].ends_at >= NOW + timedelta(days=ROSTER_DAYS)
            assert all(a.ends_at == b.starts_at for a, b in itertools.pairwise(mine))  # no gap
            assert all(s.starts_at.astimezone(SHANGHAI).hour in (8, 20) for s in mine)
            if tier == 1:  # two people taking turns: day shifts one, night shifts the other
                days = {s.username for s in mine if s.starts_at.astimezone(SHANGHAI).hour == 8}
                nights = {s.username for s in mine if s.starts_at.astimezone(SHANGHAI).hour == 20}
                assert len(days) == len(nights) == 1 and days != nights


def test_seed_is_idempotent_keeps_real_shifts_and_writes_passwords_to_a_private_file(cfg_path: str) -> None:
    config = load_config(cfg_path)
    sessions = prepare_database(config)
    # A real shift for 长沙 tier 1 this afternoon, made before the demo seeds anything.
    real_start = datetime(2026, 12, 6, 14, 0, tzinfo=SHANGHAI)
    _, admin = demo_bootstrap(sessions, NOW)
    assert admin is not None
    with transaction(sessions) as s:
        from security.users import create_user

        create_user(s, "zhang", "real-password", "oncall", "430100", actor="test", now=NOW)
        add_shift(s, "430100", 1, "zhang", real_start, real_start + timedelta(hours=3), actor="test",
                  actor_scope="430000", now=NOW)
    first = seed_demo_accounts(config, sessions, NOW, admin)
    assert first.created_users == len(DEMO_PEOPLE) and first.added_shifts > 0
    path = demo_accounts_file(config)
    assert first.file == path and path.parent == config.resolve_path(config.security.secret_key_file).parent / "demo"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert [r[0] for r in lines] == ["admin", *(p.username for p in DEMO_PEOPLE)]
    with sessions() as s:
        for username, _role, _scope, password in lines:
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None and verify_password(user.password_hash, password)
        # Notifications now have someone to go to, in every seeded scope, now and in six days.
        for city in ("430100", "430300", "430000", "430500"):  # 邵阳 has none of its own: the province's
            assert recipients(s, city, 1, NOW) and recipients(s, city, 2, NOW + timedelta(days=6))
        # The real shift stands, and no demo shift overlaps it at its scope and tier.
        real_end = real_start + timedelta(hours=3)
        at_real = s.scalars(select(DutyShift).where(
            DutyShift.scope_code == "430100", DutyShift.tier == 1, DutyShift.starts_at < real_end,
            DutyShift.ends_at > real_start)).all()
        assert [x.username for x in at_real] == ["zhang"]
        shifts = s.scalar(select(func.count()).select_from(DutyShift))
    again = seed_demo_accounts(config, sessions, NOW + timedelta(hours=1), None)  # a restart
    assert (again.created_users, again.added_shifts) == (0, 0) and again.file == path
    assert len(path.read_text(encoding="utf-8").splitlines()) == len(lines) + 1  # nothing appended
    later = seed_demo_accounts(config, sessions, NOW + timedelta(days=2), None)  # the roster rolls on
    assert later.created_users == 0 and later.added_shifts > 0
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(DutyShift)) == shifts + later.added_shifts


def _accounts(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]


def test_the_accounts_file_lists_only_passwords_valid_now(tmp_path: Path) -> None:
    """A restart after a database reset: the file lists the new passwords alone (it used to append them under
    the old, dead ones); a changed password or a disabled user drops out; the file stays 0600."""
    def config_for(db: str) -> Any:
        path = tmp_path / f"{db}.toml"
        path.write_text(f"[database]\nurl = {json.dumps(f'sqlite:///{tmp_path / db}.db')}\n[security]\n"
                        f"secret_key_file = {json.dumps(str(tmp_path / 'var' / 'secret_key'))}\n", encoding="utf-8")
        return load_config(str(path))

    first = config_for("first")
    sessions = prepare_database(first)
    _, admin = demo_bootstrap(sessions, NOW)
    assert admin is not None
    path = seed_demo_accounts(first, sessions, NOW, admin).file
    assert path is not None and [r[0] for r in _accounts(path)] == ["admin", *(p.username for p in DEMO_PEOPLE)]
    old = {r[0]: r[3] for r in _accounts(path)}

    reset = config_for("reset")  # the same var/ directory, a fresh database
    assert demo_accounts_file(reset) == path
    fresh_sessions = prepare_database(reset)
    _, fresh_admin = demo_bootstrap(fresh_sessions, NOW)
    assert fresh_admin is not None
    seed_demo_accounts(reset, fresh_sessions, NOW, fresh_admin)
    rows = _accounts(path)
    assert [r[0] for r in rows] == ["admin", *(p.username for p in DEMO_PEOPLE)]  # each user once
    assert all(old[r[0]] != r[3] for r in rows)  # none of the dead passwords
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob(".*.tmp"))  # written through a temporary file, renamed over it

    from security.users import set_active, set_password

    with transaction(fresh_sessions) as s:
        set_password(s, DEMO_PEOPLE[0].username, "a-new-password-2026", actor="test", now=NOW)
        set_active(s, DEMO_PEOPLE[1].username, False, actor="test", now=NOW)
    seed_demo_accounts(reset, fresh_sessions, NOW + timedelta(hours=1), None)  # a restart
    assert [r[0] for r in _accounts(path)] == ["admin", *(p.username for p in DEMO_PEOPLE[2:])]
    with fresh_sessions() as s:
        for username, _role, _scope, password in _accounts(path):
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None and verify_password(user.password_hash, password)
