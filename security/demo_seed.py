"""Demo mode's people: on-call users for the province and two cities, a rolling duty roster, and the
0600 file that holds the passwords generated for them (and for the demo admin).

Without a roster every notification is suppressed (当前无人值班), so ``app.py run`` in demo mode calls
:func:`seed_demo_accounts` on each start. It is idempotent: a user that exists is left as it is (its
password is never reset), and a roster slot that any existing shift at the same scope and tier
touches is left alone, so real shifts are never overwritten or doubled. Passwords go to the file only,
never to stdout or the log; the file is rewritten on each start with only the passwords that are valid
then (after a database reset it lists the new ones alone, not the old ones first).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.roster import add_shift
from core.config import Config
from core.i18n.security import ROLE_LABELS
from db.models_alerts import DutyShift
from db.models_security import Role, User
from db.session import transaction
from security import audit
from security.passwords import verify_password
from security.scope import PROVINCE_CODE
from security.users import create_user, generate_password

ROSTER_DAYS = 7  # the roster reaches this many days past now
DAY_SHIFT_START = time(8, 0)  # tier 1 works 08:00-20:00 and 20:00-08:00 (display zone); tier 2 a whole day
DAY_SHIFT_HOURS = 12


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    scope_code: str
    tier: int
    turn: int = 0  # tier 1 people of one scope take turns: 0 the day shifts, 1 the night shifts


# Province and two cities (长沙, 湘潭), tier 1 (two people taking turns) and tier 2 (the escalation).
DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("sheng-zhiban-a", "省中心值班员甲（演示）", PROVINCE_CODE, 1, 0),
    DemoPerson("sheng-zhiban-b", "省中心值班员乙（演示）", PROVINCE_CODE, 1, 1),
    DemoPerson("sheng-zhiban-2", "省中心二线值班（演示）", PROVINCE_CODE, 2),
    DemoPerson("changsha-zhiban-a", "长沙值班员甲（演示）", "430100", 1, 0),
    DemoPerson("changsha-zhiban-b", "长沙值班员乙（演示）", "430100", 1, 1),
    DemoPerson("changsha-zhiban-2", "长沙二线值班（演示）", "430100", 2),
    DemoPerson("xiangtan-zhiban-a", "湘潭值班员甲（演示）", "430300", 1, 0),
    DemoPerson("xiangtan-zhiban-b", "湘潭值班员乙（演示）", "430300", 1, 1),
    DemoPerson("xiangtan-zhiban-2", "湘潭二线值班（演示）", "430300", 2),
)

ACCOUNTS_HEADER = "# 演示账号（只在本机保存，勿外传）：用户名\t角色\t范围\t初始密码\n"


@dataclass(frozen=True)
class Slot:
    scope_code: str
    tier: int
    username: str
    starts_at: datetime
    ends_at: datetime


def demo_accounts_file(config: Config) -> Path:
    """Where the generated demo passwords are kept: ``demo/demo-accounts.txt`` beside the secret key
    (``var/demo/demo-accounts.txt`` by default)."""
    return config.resolve_path(config.security.secret_key_file).parent / "demo" / "demo-accounts.txt"


def roster_slots(people: Sequence[DemoPerson], now: datetime, tz: tzinfo, days: int = ROSTER_DAYS) -> list[Slot]:
    """The rolling roster from the shift that holds ``now`` to ``days`` days later, in zone ``tz``. Pure.

    Tier 1: 12-hour shifts from 08:00 and 20:00, people of a scope taking turns by ``turn``; tier 2: whole
    days from 08:00, one person."""
    local = now.astimezone(tz)
    first = datetime.combine(local.date() - timedelta(days=1), DAY_SHIFT_START, tzinfo=tz)
    until = now + timedelta(days=days)
    slots: list[Slot] = []
    by_key: dict[tuple[str, int], list[DemoPerson]] = {}
    for p in people:
        by_key.setdefault((p.scope_code, p.tier), []).append(p)
    for (scope, tier), group in by_key.items():
        group = sorted(group, key=lambda p: p.turn)
        hours = DAY_SHIFT_HOURS if tier == 1 else 24
        n = 0
        while True:
            # Arithmetic on a zoned datetime is wall-clock arithmetic: shifts keep starting at 08:00 local.
            start, end = first + timedelta(hours=hours * n), first + timedelta(hours=hours * (n + 1))
            n += 1
            if start >= until:
                break
            if end <= now:
                continue
            person = group[(n - 1) % len(group)] if tier == 1 else group[0]
            slots.append(Slot(scope, tier, person.username, start, end))
    return slots


def _ensure_users(s: Session, people: Iterable[DemoPerson], now: datetime) -> list[tuple[str, str, str, str]]:
    """Create the demo people that do not exist yet; (username, role label, scope, password) of each new one."""
    created = []
    for p in people:
        if s.scalar(select(User.id).where(User.username == p.username)) is not None:
            continue
        password = generate_password()
        create_user(s, p.username, password, Role.ONCALL, p.scope_code, actor=audit.SYSTEM, now=now,
                    display_name=p.display_name)
        created.append((p.username, ROLE_LABELS[Role.ONCALL], p.scope_code, password))
    return created


def _ensure_roster(s: Session, slots: Iterable[Slot], now: datetime) -> int:
    """Add each slot unless a shift at its scope and tier overlaps it; returns how many were added."""
    added = 0
    for slot in slots:
        taken = s.scalar(select(DutyShift.id).where(
            DutyShift.scope_code == slot.scope_code, DutyShift.tier == slot.tier,
            DutyShift.starts_at < slot.ends_at, DutyShift.ends_at > slot.starts_at).limit(1))
        if taken is not None:
            continue
        active = s.scalar(select(User.active).where(User.username == slot.username))
        if not active:  # a demo person someone disabled stays off the roster
            continue
        add_shift(s, slot.scope_code, slot.tier, slot.username, slot.starts_at, slot.ends_at, actor=audit.SYSTEM,
                  actor_scope=PROVINCE_CODE, now=now)
        added += 1
    return added


Account = tuple[str, str, str, str]  # (username, role label, scope, password): one line of the file


def read_accounts(path: Path) -> list[Account]:
    """The (username, role, scope, password) lines of an accounts file; [] when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out: list[Account] = []
    for line in text.splitlines():
        parts = line.split("\t")
        if line.startswith("#") or len(parts) != 4:
            continue
        out.append((parts[0], parts[1], parts[2], parts[3]))
    return out


def valid_accounts(s: Session, accounts: Iterable[Account]) -> list[Account]:
    """The accounts whose user exists, is active and still has that password, with the user's current role
    and scope (a database reset, a password change or a disabled user make a line untrue)."""
    out: list[Account] = []
    for username, _role, _scope, password in accounts:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active or not verify_password(user.password_hash, password):
            continue
        out.append((username, ROLE_LABELS.get(user.role, str(user.role)), user.scope_code, password))
    return out


def write_accounts(path: Path, accounts: Sequence[Account]) -> None:
    """Replace the file at ``path`` with exactly ``accounts`` (under the header), readable only by its owner.

    Atomic: a 0600 temporary file beside it is renamed over it, so a reader sees the old or the new list,
    never a mix, and no moment exists where the file has looser rights. No account: the file is removed."""
    if not accounts:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when a stale temporary file was there with looser rights
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(ACCOUNTS_HEADER)
            for row in accounts:
                fh.write("\t".join(row) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class DemoAccounts:
    file: Path | None  # the password file, when it exists
    created_users: int
    added_shifts: int


def seed_demo_accounts(config: Config, sessions: sessionmaker[Session], now: datetime,
                       admin: tuple[str, str] | None = None,
                       people: Sequence[DemoPerson] = DEMO_PEOPLE) -> DemoAccounts:
    """Ensure the demo on-call users and the rolling roster (one transaction), and write every password
    generated now — the demo admin's ``admin`` = (username, password) included — to
    :func:`demo_accounts_file`, which is rewritten to hold only passwords valid now: the lines of earlier
    starts whose user still exists, is active and has that password, then the new ones."""
    path = demo_accounts_file(config)
    with transaction(sessions) as s:
        created = _ensure_users(s, people, now)
        added = _ensure_roster(s, roster_slots(people, now, config.web.tz), now)
        new = ([(admin[0], ROLE_LABELS[Role.PROVINCE_ADMIN], PROVINCE_CODE, admin[1])] if admin else []) + created
        fresh = {row[0] for row in new}
        kept = valid_accounts(s, [row for row in read_accounts(path) if row[0] not in fresh])
    write_accounts(path, kept + new)
    return DemoAccounts(path if path.exists() else None, len(created), added)


__all__ = ["DEMO_PEOPLE", "Account", "DemoAccounts", "DemoPerson", "Slot", "demo_accounts_file", "read_accounts",
           "roster_slots", "seed_demo_accounts", "valid_accounts", "write_accounts"]
