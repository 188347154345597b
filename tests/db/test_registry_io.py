"""Registry import/export against a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import SITES_FILE, seed_nodes
from db.models import Column, ColumnKind, Site, SiteLevel
from db.registry_io import (
    ImportReport,
    RegistryImportError,
    TableFileError,
    export_columns,
    export_sites,
    import_columns,
    import_registry,
    import_sites,
)

COLUMNS_CSV = (
    "site_code,column_name,kind,url,item_selector,date_selector,first_level\n"
    "4300000001,政府信息公开,policy,https://www.hunan.gov.cn/zwgk/,ul.list li,span.date,true\n"
    "4301000001,通知公告,notice,https://www.changsha.gov.cn/tzgg/,,,false\n"
    "4301000001,长沙要闻,news,https://www.changsha.gov.cn/ywdt/,,,\n"
)


@pytest.fixture
def factory(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    """A migrated database with Hunan's 137 division nodes."""
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
    yield fac


def _sites(fac: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with fac() as s:
        return [(x.code, x.name, x.url, x.level, x.node_code, x.organizer, x.enabled)
                for x in s.scalars(select(Site).order_by(Site.code))]


def _columns(fac: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with fac() as s:
        rows = s.execute(select(Column, Site.code).join(Site).order_by(Site.code, Column.name)).all()
        return [(code, c.name, c.kind, c.url, c.item_selector, c.date_selector, c.first_level) for c, code in rows]


def test_real_portals_import_idempotently(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with factory.begin() as s:
        assert import_sites(s, SITES_FILE) == ImportReport(created=15, updated=0, unchanged=0)
    with factory.begin() as s:
        assert import_sites(s, SITES_FILE) == ImportReport(created=0, updated=0, unchanged=15)
        stamp = s.scalars(select(Site.updated_at).where(Site.code == "4301000001")).one()
    changed = tmp_path / "sites.csv"
    changed.write_text(SITES_FILE.read_text(encoding="utf-8").replace("https://www.changsha.gov.cn/",
                                                                       "http://www.changsha.gov.cn/"),
                       encoding="utf-8")
    with factory.begin() as s:
        assert import_sites(s, changed, dry_run=True) == ImportReport(0, 1, 14, dry_run=True)
    with factory() as s:
        assert s.scalars(select(Site.url).where(Site.code == "4301000001")).one() == "https://www.changsha.gov.cn/"
    with factory.begin() as s:
        report = import_sites(s, changed)
        assert (report.created, report.updated, report.unchanged) == (0, 1, 14)
        site = s.scalars(select(Site).where(Site.code == "4301000001")).one()
        assert site.url == "http://www.changsha.gov.cn/" and site.level is SiteLevel.CITY_PORTAL
        assert site.enabled is True and site.updated_at >= stamp


def test_bad_rows_are_all_reported_and_nothing_is_written(factory: sessionmaker[Session], tmp_path: Path) -> None:
    bad = tmp_path / "sites.csv"
    bad.write_text("site_code,name,url,level,node_code\n"
                   "4301000001,长沙市人民政府门户网站,https://www.changsha.gov.cn/,city_portal,430100\n"
                   "4302000001,株洲市人民政府门户网站,https://www.zhuzhou.gov.cn/,city_portal,430200\n"
                   "4303000001,湘潭,www.xiangtan.gov.cn,city_portal,430300\n"
                   "4304000001,衡阳,https://www.hengyang.gov.cn/,门户,430400\n"
                   "4302000001,株洲又一次,https://www.zhuzhou.gov.cn/,city_portal,430200\n", encoding="utf-8")
    with factory.begin() as s, pytest.raises(RegistryImportError) as info:
        import_sites(s, bad)
    assert [(e.line, e.column) for e in info.value.errors] == [(4, "url"), (5, "level"), (6, "site_code")]
    assert "第 5 行 level：未知的网站级别“门户”" in str(info.value)
    assert "共 3 处错误，未写入任何数据" in str(info.value)
    assert _sites(factory) == []


def test_columns_need_a_known_site_unless_imported_together(factory: sessionmaker[Session],
                                                            tmp_path: Path) -> None:
    cols = tmp_path / "columns.csv"
    cols.write_text(COLUMNS_CSV, encoding="utf-8")
    with factory.begin() as s, pytest.raises(RegistryImportError) as info:
        import_columns(s, cols)
    assert [(e.line, e.column) for e in info.value.errors] == [(2, "site_code"), (3, "site_code"), (4, "site_code")]
    with factory.begin() as s:
        site_report, col_report = import_registry(s, sites=SITES_FILE, columns=cols)
    assert site_report is not None and site_report.created == 15
    assert col_report == ImportReport(created=3, updated=0, unchanged=0)
    with factory.begin() as s:
        assert import_columns(s, cols) == ImportReport(created=0, updated=0, unchanged=3)
    assert _columns(factory)[0] == ("4300000001", "政府信息公开", ColumnKind.POLICY, "https://www.hunan.gov.cn/zwgk/",
                                    "ul.list li", "span.date", True)
    assert _columns(factory)[1][-1] is False  # 通知公告 first_level=false


def test_chinese_gbk_file_equals_english_utf8_file(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with factory.begin() as s:
        import_sites(s, SITES_FILE)
    gbk = tmp_path / "网站.csv"
    lines = SITES_FILE.read_text(encoding="utf-8").splitlines()
    body = [ln.replace(",provincial_portal,", ",省政府门户网站,").replace(",city_portal,", ",市州政府门户网站,")
            for ln in lines[1:]]
    gbk.write_bytes("\r\n".join(["标识码,网站名称,网址,级别,行政区划代码", *body]).encode("gbk"))
    with factory.begin() as s:
        assert import_sites(s, gbk) == ImportReport(created=0, updated=0, unchanged=15)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_equals(factory: sessionmaker[Session], tmp_path: Path, suffix: str) -> None:
    cols = tmp_path / "columns.csv"
    cols.write_text(COLUMNS_CSV, encoding="utf-8")
    with factory.begin() as s:
        import_registry(s, sites=SITES_FILE, columns=cols)
        s.scalars(select(Site).where(Site.code == "4308000001")).one().organizer = "张家界市人民政府办公室"
        s.scalars(select(Site).where(Site.code == "4309000001")).one().enabled = False
    before_sites, before_cols = _sites(factory), _columns(factory)
    site_file, col_file = tmp_path / f"out-sites{suffix}", tmp_path / f"out-columns{suffix}"
    with factory() as s:
        assert export_sites(s, site_file) == 15
        assert export_columns(s, col_file) == 3
    with factory.begin() as s:  # unchanged when read back into the same database
        assert import_registry(s, sites=site_file, columns=col_file) == (ImportReport(0, 0, 15),
                                                                         ImportReport(0, 0, 3))
    with factory.begin() as s:  # and rebuilt identically from empty
        s.execute(delete(Column))
        s.execute(delete(Site))
    with factory.begin() as s:
        assert s.scalar(select(func.count()).select_from(Site)) == 0
        import_registry(s, sites=site_file, columns=col_file)
    assert _sites(factory) == before_sites
    assert _columns(factory) == before_cols


def test_unsupported_suffix_is_a_clear_error(factory: sessionmaker[Session], tmp_path: Path) -> None:
    with factory() as s:
        with pytest.raises(TableFileError, match=r"不支持的文件格式“\.txt”"):
            export_sites(s, tmp_path / "sites.txt")
        with pytest.raises(RegistryImportError, match=r"请使用 \.csv 或 \.xlsx"):
            import_sites(s, tmp_path / "sites.json")
        with pytest.raises(RegistryImportError, match="文件不存在"):
            import_sites(s, tmp_path / "missing.xlsx")
