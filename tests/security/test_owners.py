"""Owners of codes read from the registry (security/owners.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import seed_nodes
from db.models import Host, HostRole, Site, SiteLevel
from db.session import transaction
from security.access import Kind
from security.owners import owner_of, owners_of
from security.scope import PROVINCE, Owner, covers


@pytest.fixture
def registry(migrated_db: tuple[str, sessionmaker[Session]]) -> sessionmaker[Session]:
    sessions = migrated_db[1]
    with transaction(sessions) as s:
        seed_nodes(s)
        s.add_all([Site(code="P0001", name="省门户", url="https://p.example.gov.cn/", level=SiteLevel.PROVINCIAL_PORTAL,
                        node_code="430000"),
                   Site(code="X0102", name="芙蓉区", url="https://x.example.gov.cn/", level=SiteLevel.COUNTY_PORTAL,
                        node_code="430102"),
                   Host(name="vm", address="127.0.0.1", node_code="430000", role=HostRole.WEB),
                   Host(name="zz-db", address="127.0.0.2", node_code="430202", role=HostRole.DATABASE)])
    return sessions


@pytest.mark.parametrize(("kind", "code", "owner"), [
    (Kind.DIVISION, "430000", PROVINCE),
    (Kind.DIVISION, "430100", Owner("430100", "430100")),
    (Kind.DIVISION, "430102", Owner("430100", "430102")),  # a county: its parent city
    (Kind.SITE, "P0001", PROVINCE),
    (Kind.SITE, "X0102", Owner("430100", "430102")),
    (Kind.HOST, "vm", PROVINCE),
    (Kind.HOST, "zz-db", Owner("430200", "430202")),
    (Kind.DIVISION, "439999", None), (Kind.SITE, "C9999", None), (Kind.HOST, "nowhere", None),  # unknown
    (Kind.SITE, "", None), (Kind.HOST, "x" * 1000, None),
])
def test_owner_of(registry: sessionmaker[Session], kind: Kind, code: str, owner: Owner | None) -> None:
    with registry() as s:
        assert owner_of(s, kind, code) == owner
        assert owners_of(s, kind, [code, "C9999"]) == {code: owner, "C9999": None}


def test_owners_of_many_codes_in_chunks(registry: sessionmaker[Session]) -> None:
    codes = ["P0001", "X0102", *(f"S{i:05d}" for i in range(1200))]  # more than two chunks of 500
    with registry() as s:
        got = owners_of(s, Kind.SITE, codes)
        assert got == {c: owner_of(s, Kind.SITE, c) for c in codes}
        assert got["P0001"] == PROVINCE and got["X0102"] == Owner("430100", "430102")
        assert owners_of(s, Kind.HOST, ["vm", "zz-db", "nowhere"]) == {
            "vm": PROVINCE, "zz-db": Owner("430200", "430202"), "nowhere": None}


def test_county_and_city_scopes_over_registry_owners(registry: sessionmaker[Session]) -> None:
    with registry() as s:
        furong_site = owner_of(s, Kind.SITE, "X0102")
        assert covers("430100", furong_site) and covers("430102", furong_site)
        assert not covers("430103", furong_site) and not covers("430200", furong_site)
        assert not covers("430102", owner_of(s, Kind.DIVISION, "430100"))  # a county does not see its city
