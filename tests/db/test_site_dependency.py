"""Site ↔ host/service dependencies: the registry import's hosts/services columns and the mapping file
(``registry link``), all-or-nothing with errors naming row and column, on a real database; and the pure
impact reading (alerts/impact.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.impact import affected_sites, fault_targets, served_by
from db.hunan import seed_nodes
from db.impact import DependencyRow, dependencies
from db.models import Host, HostRole, Site
from db.registry_io import ImportReport, LinkReport, RegistryImportError, import_links, import_sites

HEAD = "site_code,name,url,level,node_code,hosts,services\n"
CS = "4301000001,长沙市人民政府门户网站,https://www.changsha.gov.cn/,city_portal,430100"
ZZ = "4302000001,株洲市人民政府门户网站,https://www.zhuzhou.gov.cn/,city_portal,430200"


@pytest.fixture
def factory(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
        for name in ("web-01", "web-02", "db-01"):
            s.add(Host(name=name, address="127.0.0.1", node_code="430000", role=HostRole.WEB))
    yield fac


def deps(fac: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with fac() as s:
        return [(d.site_code, d.kind, d.name) for d in dependencies(s)]


def write(tmp: Path, text: str, name: str = "f.csv") -> Path:
    p = tmp / name
    p.write_text(text, encoding="utf-8")
    return p


def test_import_sets_hosts_and_services(factory: sessionmaker[Session], tmp_path: Path) -> None:
    f = write(tmp_path, HEAD + f"{CS},web-01、db-01,cms；postgres\n{ZZ},,\n")
    with factory.begin() as s:
        assert import_sites(s, f) == ImportReport(2, 0, 0)
    assert deps(factory) == [("4301000001", "host", "db-01"), ("4301000001", "host", "web-01"),
                             ("4301000001", "service", "cms"), ("4301000001", "service", "postgres")]
    with factory.begin() as s:  # the same file again: nothing changes
        assert import_sites(s, f) == ImportReport(0, 0, 2)
    # Only the dependencies change: the site counts as updated, the list is replaced (web-01 gone).
    f2 = write(tmp_path, HEAD + f"{CS},db-01 web-02,cms\n{ZZ},web-01,\n")
    with factory.begin() as s:
        assert import_sites(s, f2, dry_run=True) == ImportReport(0, 2, 0, dry_run=True)
    assert len(deps(factory)) == 4
    with factory.begin() as s:
        assert import_sites(s, f2) == ImportReport(0, 2, 0)
    assert deps(factory) == [("4301000001", "host", "db-01"), ("4301000001", "host", "web-02"),
                             ("4301000001", "service", "cms"), ("4302000001", "host", "web-01")]
    # A file without the columns leaves the dependencies alone.
    with factory.begin() as s:
        import_sites(s, write(tmp_path, "site_code,name,url,level,node_code\n" + CS + "\n"))
    assert len(deps(factory)) == 4


def test_unknown_host_is_an_error_naming_row_and_column_and_nothing_is_written(
        factory: sessionmaker[Session], tmp_path: Path) -> None:
    f = write(tmp_path, "标识码,网站名称,网址,级别,行政区划代码,主机\n" + f"{CS},web-01\n{ZZ},web-01、ghost-9\n")
    with factory.begin() as s, pytest.raises(RegistryImportError) as info:
        import_sites(s, f)
    assert [(e.line, e.column) for e in info.value.errors] == [(3, "主机")]
    assert "第 3 行 主机：主机“ghost-9”未登记" in str(info.value)
    assert deps(factory) == []
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Site)) == 0


def test_mapping_file_links_and_its_errors(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with factory.begin() as s:
        import_sites(s, write(tmp_path, HEAD + f"{CS},web-01,\n{ZZ},,\n"))
    links = write(tmp_path, "标识码,类型,名称\n4301000001,主机,web-02\n4301000001,host,db-01\n"
                            "4302000001,服务,cms\n", "links.csv")
    with factory.begin() as s:
        assert import_links(s, links) == LinkReport(2, 2)
    assert deps(factory) == [("4301000001", "host", "db-01"), ("4301000001", "host", "web-02"),
                             ("4302000001", "service", "cms")]
    with factory.begin() as s:
        assert import_links(s, links) == LinkReport(2, 0)
    bad = write(tmp_path, "site_code,kind,name\n4301000001,host,ghost\n4309990001,service,x\n"
                          "4302000001,disk,x\n4302000001,service,cms\n4302000001,service,cms\n", "bad.csv")
    with factory.begin() as s, pytest.raises(RegistryImportError) as info:
        import_links(s, bad)
    assert [(e.line, e.column) for e in info.value.errors] == [(2, "name"), (3, "site_code"), (4, "kind"),
                                                               (6, "name")]
    assert "未写入任何数据" in str(info.value) and "依赖类型“disk”无效" in str(info.value)
    assert len(deps(factory)) == 3


def test_impact_is_read_from_the_dependencies() -> None:
    rows = [DependencyRow("A", "甲", "host", "web-01"), DependencyRow("B", "乙", "host", "web-01"),
            DependencyRow("B", "乙", "service", "cms"), DependencyRow("C", "丙", "host", "web-02")]
    assert fault_targets({"host": "web-01", "node": "430000"}) == [("host", "web-01")]
    assert fault_targets({"service": "cms", "host": "db-01"}) == [("host", "db-01"), ("service", "cms")]
    assert fault_targets({"site": "A"}) == []
    assert affected_sites(rows, [("host", "web-01")]) == ["A", "B"]
    assert affected_sites(rows, [("service", "cms"), ("host", "web-02")]) == ["B", "C"]
    assert affected_sites(rows, [("service", "web-01")]) == []  # a kind is part of the name
    assert served_by(rows, "B") == {"host": ["web-01"], "service": ["cms"]}
    assert served_by(rows, "Z") == {}
