"""Registry CSV and XLSX import under fuzz, on SQLite and PostgreSQL: any table of hostile cells, in any
supported encoding or as a workbook, and any bytes, is either imported — and then exports and imports back
unchanged — or refused with a RegistryImportError listing (line, column, reason), the database untouched."""

from __future__ import annotations

import itertools
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import seed_nodes
from db.models import Column, Site
from db.registry_io import RegistryImportError, export_columns, export_sites, import_registry
from db.registry_rows import COLUMN_FIELDS, SITE_FIELDS
from tests.fuzz.support import fuzz, hostile_text, long_text

# node -> a site level that fits it (a county portal on a county node …)
NODES = {"430000": "provincial_portal", "430100": "city_portal", "430102": "county_portal",
         "430200": "市州政府门户网站", "431100": "city_department"}
KINDS = ["news", "notice", "policy", "通知公告", "other"]
_counter = itertools.count()
_taken: list[int] = []  # examples whose tables were imported (the suite asserts there are some)
hostile_cell = st.one_of(hostile_text(20), long_text, st.just(""))


def _cell(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly a sound value (so that whole tables are often taken), sometimes a hostile one."""
    return st.one_of(*[valid] * 14, hostile_cell)


def _site(node: str, seq: int, name: str, url: str, organizer: str, enabled: str) -> tuple[str, ...]:
    return (f"{node}{seq:04d}", name, url, NODES[node], node, organizer, enabled)


sound_site = st.builds(
    _site, st.sampled_from(sorted(NODES)), st.integers(0, 30),
    st.sampled_from(["长沙市人民政府门户网站", "=HYPERLINK(\"http://x\")", "'0731", "湖南省人民政府", "+86", "@x"]),
    st.sampled_from(["https://www.hunan.gov.cn/", "http://127.0.1.5:18080/", "https://a.gov.cn/x?y=1"]),
    st.sampled_from(["长沙市人民政府办公厅", "-", ""]), st.sampled_from(["是", "否", "true", "0", ""]))
site_row = st.one_of(*[sound_site] * 4, st.tuples(*[_cell(st.just(v)) for v in
                                                    _site("430100", 1, "长沙", "https://x.cn/", "", "是")]))
column_row = st.tuples(
    _cell(st.builds(lambda n, i: f"{n}{i:04d}", st.sampled_from(sorted(NODES)), st.integers(0, 30))),
    _cell(st.sampled_from(["通知公告", "政策文件", "@要闻"])),
    _cell(st.sampled_from(KINDS)),
    _cell(st.sampled_from(["https://www.hunan.gov.cn/tzgg/", "http://127.0.1.5:18080/news/"])),
    _cell(st.sampled_from(["ul.list li", "div > a"])),
    _cell(st.sampled_from(["span.date", ""])),
    _cell(st.sampled_from(["是", "否"])),
)
FORMATS = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "xlsx"])


@pytest.fixture
def factory(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
    yield fac


def _snapshot(fac: sessionmaker[Session]) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    with fac() as s:
        sites = [(x.code, x.name, x.url, x.level, x.node_code, x.organizer, x.enabled)
                 for x in s.scalars(select(Site).order_by(Site.code))]
        cols = [(code, c.name, c.kind, c.url, c.item_selector, c.date_selector, c.first_level)
                for c, code in s.execute(select(Column, Site.code).join(Site).order_by(Site.code, Column.name))]
    return sites, cols


def _write(tmp: Path, stem: str, header: list[str], rows: list[tuple[str, ...]], fmt: str) -> Path:
    if fmt == "xlsx":
        path = tmp / f"{stem}.xlsx"
        wb = Workbook()
        ws = wb.active
        for r in [header, *rows]:  # a workbook cannot hold these characters at all
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in r])
        wb.save(path)
        return path
    path = tmp / f"{stem}.csv"

    def q(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v

    text = "\r\n".join(",".join(q(v) for v in r) for r in [header, *rows]) + "\r\n"
    path.write_bytes(text.encode(fmt, "replace"))
    return path


def _import(fac: sessionmaker[Session], sites: Path | None, columns: Path | None) -> bool:
    """Import; True when taken. A refusal must leave the database exactly as it was."""
    before = _snapshot(fac)
    try:
        with fac.begin() as s:
            import_registry(s, sites=sites, columns=columns)
    except RegistryImportError as exc:
        assert exc.errors and all(e.line >= 1 and e.column and e.reason for e in exc.errors)
        assert len(str(exc)) < 60_000
        assert _snapshot(fac) == before
        return False
    return True


@fuzz(40)
@given(st.lists(site_row, max_size=5), st.lists(column_row, max_size=4), FORMATS, st.booleans())
def test_tables_import_whole_or_not_at_all(factory: sessionmaker[Session], tmp_path: Path,
                                          sites: list[tuple[str, ...]], columns: list[tuple[str, ...]],
                                          fmt: str, chinese: bool) -> None:
    n = next(_counter)
    s_header = [f.aliases[0] if chinese else f.name for f in SITE_FIELDS]
    c_header = [f.aliases[0] if chinese else f.name for f in COLUMN_FIELDS]
    s_file = _write(tmp_path, f"sites{n}", s_header, sites, fmt)
    c_file = _write(tmp_path, f"columns{n}", c_header, columns, fmt) if columns else None
    if not _import(factory, s_file, c_file):
        return
    _taken.append(n)
    # Taken: what is in the database exports and imports back unchanged.
    before = _snapshot(factory)
    out_s, out_c = tmp_path / f"out{n}.{'xlsx' if fmt == 'xlsx' else 'csv'}", tmp_path / f"outc{n}.csv"
    with factory() as s:
        export_sites(s, out_s)
        export_columns(s, out_c)
    assert _import(factory, out_s, out_c)
    assert _snapshot(factory) == before


@fuzz(40)
@given(st.binary(max_size=400), st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes(factory: sessionmaker[Session], tmp_path: Path, content: bytes, suffix: str) -> None:
    f = tmp_path / f"sites{next(_counter)}{suffix}"
    f.write_bytes(content)
    _import(factory, f, None)


def _good_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([f.name for f in SITE_FIELDS])
    ws.append(["4301000001", "长沙市人民政府门户网站", "https://www.changsha.gov.cn/", "city_portal", "430100", "",
               "是"])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD_XLSX = _good_workbook()


@fuzz(40)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=8)), min_size=1, max_size=4),
       st.booleans())
def test_damaged_workbooks(factory: sessionmaker[Session], tmp_path: Path, flips: list[tuple[int, bytes]],
                           inside: bool) -> None:
    if inside:  # damage a member of the zip (the sheet's XML, the styles…) and zip it again
        src = zipfile.ZipFile(BytesIO(GOOD_XLSX))
        out = BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            names = src.namelist()
            for i, name in enumerate(names):
                data = bytearray(src.read(name))
                for pos, chunk in flips:
                    if pos % len(names) == i and data:
                        at = pos % len(data)
                        data[at:at + len(chunk)] = chunk
                dst.writestr(name, bytes(data))
        content = out.getvalue()
    else:
        data = bytearray(GOOD_XLSX)
        for pos, chunk in flips:
            at = pos % len(data)
            data[at:at + len(chunk)] = chunk
        content = bytes(data)
    f = tmp_path / f"sites{next(_counter)}.xlsx"
    f.write_bytes(content)
    _import(factory, f, None)


def test_the_fuzz_reaches_imports_that_are_taken() -> None:
    """Runs after the table test in this module: a fuzz that never got a table accepted would test little."""
    assert len(_taken) >= 5, _taken
