"""An on-call world (teams, rosters, alerts) seeded for the duty screens' tests."""

from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from db.hunan import seed_nodes
from db.models_security import Role, User
from tests.alerts.oncall_world import CHANGSHA, NOW, PROVINCE, ZHUZHOU

H = timedelta(hours=1)
CST = timezone(timedelta(hours=8), "CST")

# Users are rows here: the screen reads names and roles, never passwords (hashing would only slow tests).
USERS = [("prov_admin", Role.PROVINCE_ADMIN, PROVINCE), ("cs_admin", Role.CITY_ADMIN, CHANGSHA),
         ("cs_oncall", Role.ONCALL, CHANGSHA), ("cs_oncall2", Role.ONCALL, CHANGSHA),
         ("zz_admin", Role.CITY_ADMIN, ZHUZHOU), ("zz_oncall", Role.ONCALL, ZHUZHOU),
         ("boss", Role.MANAGER, PROVINCE)]


def seed(sessions: sessionmaker[Session]) -> None:
    """The 1+14 nodes, the users above (plus an inactive on-call user of 长沙) — committed."""
    with sessions() as s:
        seed_nodes(s)
        for name, role, scope in [*USERS, ("cs_gone", Role.ONCALL, CHANGSHA)]:
            s.add(User(username=name, display_name=f"{name} 姓名", password_hash="-", role=role, scope_code=scope,
                       active=name != "cs_gone", created_at=NOW))
        s.commit()
