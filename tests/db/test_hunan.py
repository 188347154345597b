"""Hunan divisions: 1 province + 14 cities + 122 counties, seeded idempotently; local host record."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.hosts import HostRegistryError, ensure_local_host
from db.hunan import DivisionDataError, load_divisions, seed_nodes
from db.models import Host, Node, NodeLevel

Migrated = tuple[str, sessionmaker[Session]]


def test_divisions_file_has_the_whole_province() -> None:
    divs = load_divisions()
    levels = [d["level"] for d in divs]
    assert (levels.count("province"), levels.count("city"), levels.count("county")) == (1, 14, 122)
    by_code = {d["code"]: d for d in divs}
    assert by_code["430000"]["name"] == "湖南省"
    assert by_code["430100"]["name"] == "长沙市"
    assert by_code["433100"]["name"] == "湘西土家族苗族自治州"
    assert by_code["433101"]["parent_code"] == "433100"  # 吉首市 under 湘西州
    assert all(by_code[d["parent_code"]]["level"] == "city" for d in divs if d["level"] == "county")


def test_seed_nodes_counts_and_is_idempotent(migrated_db: Migrated) -> None:
    _, factory = migrated_db
    with factory.begin() as s:
        assert seed_nodes(s) == 137
    with factory.begin() as s:
        assert seed_nodes(s) == 0
        counts = dict(s.execute(select(Node.level, func.count()).group_by(Node.level)).all())
        assert counts == {NodeLevel.PROVINCE: 1, NodeLevel.CITY: 14, NodeLevel.COUNTY: 122}
        changsha = s.get(Node, "430100")
        assert changsha is not None and changsha.parent_code == "430000"
        assert len(changsha.children) == 9
        changsha.name = "长沙"  # a hand edit is corrected by the next seed
    with factory.begin() as s:
        assert seed_nodes(s) == 1
        assert s.get(Node, "430100").name == "长沙市"  # type: ignore[union-attr]


def test_bad_divisions_file_names_line(tmp_path: Path) -> None:
    bad = tmp_path / "d.csv"
    bad.write_text("code,name,level,parent_code\n430000,湖南省,province,\n430100,长沙市,town,430000\n",
                   encoding="utf-8")
    with pytest.raises(DivisionDataError, match=r"d\.csv:3: level"):
        load_divisions(bad)
    bad.write_text("code,name,level,parent_code\n430102,芙蓉区,county,430100\n", encoding="utf-8")
    with pytest.raises(DivisionDataError, match=r":2: parent 430100"):
        load_divisions(bad)


def test_ensure_local_host(migrated_db: Migrated) -> None:
    _, factory = migrated_db
    with factory.begin() as s:
        seed_nodes(s)
        with pytest.raises(HostRegistryError, match="999999"):
            ensure_local_host(s, "999999", "ops-1")
        host = ensure_local_host(s, "430000", "ops-1")
        assert host.local and host.node_code == "430000"
        first_id = host.id
    with factory.begin() as s:
        assert ensure_local_host(s, "430000", "ops-1").id == first_id
        assert s.scalar(select(func.count()).select_from(Host)) == 1
        with pytest.raises(HostRegistryError, match="430100"):
            ensure_local_host(s, "430100", "ops-1")
        s.add(Host(name="web-1", address="10.0.0.5", node_code="430000", local=False))
        s.flush()
        with pytest.raises(HostRegistryError, match="远程主机"):
            ensure_local_host(s, "430000", "web-1")
        assert ensure_local_host(s, "430000").name  # default: this machine's hostname
