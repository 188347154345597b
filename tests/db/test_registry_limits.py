"""Registry import limits (issue 9, item 12): a field over csv's 131,072-character limit ended in a traceback and
a NUL byte was accepted in a site name (PostgreSQL then refuses the insert; XLSX cannot hold it). Now every field
has a length limit, no cell may hold a control character, a damaged workbook is one Chinese message, and a
refused file writes nothing — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import SITES_FILE, seed_nodes
from db.models import Site
from db.registry_io import MAX_LISTED, RegistryImportError, import_registry, import_sites
from db.tabular import MAX_COLUMNS

HEADER = "site_code,name,url,level,node_code,organizer,enabled\n"
GOOD = "4301000001,长沙市人民政府门户网站,https://www.changsha.gov.cn/,city_portal,430100,长沙市人民政府办公厅,是\n"


@pytest.fixture
def factory(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
        import_sites(s, SITES_FILE)
    yield fac


def _snapshot(fac: sessionmaker[Session]) -> list[tuple[object, ...]]:
    with fac() as s:
        return [(x.code, x.name, x.url, x.level, x.node_code, x.organizer, x.enabled)
                for x in s.scalars(select(Site).order_by(Site.code))]


def _refused(fac: sessionmaker[Session], path: Path) -> RegistryImportError:
    before = _snapshot(fac)
    with fac.begin() as s, pytest.raises(RegistryImportError) as info:
        import_registry(s, sites=path)
    assert _snapshot(fac) == before  # nothing written
    return info.value


CELLS = [
    ("nul_in_name", "长沙\x00市人民政府门户网站", "name", "控制字符（U+0000）"),
    ("line_break_in_name", '"长沙市\n人民政府"', "name", "控制字符（U+000A）"),
    ("bidi_override", "长沙\u202e站网府政", "name", "控制字符（U+202E）"),
    ("tab_in_organizer", "长沙市人民政府门户网站", "organizer", "控制字符（U+0009）"),
    ("long_level", "长沙市人民政府门户网站", "level", "内容过长（100000 个字符），最多 64 个字符"),
    ("long_enabled", "长沙市人民政府门户网站", "enabled", "内容过长（1000 个字符），最多 16 个字符"),
]


@pytest.mark.parametrize("case", CELLS, ids=[c[0] for c in CELLS])
def test_control_characters_and_over_long_cells_are_refused(factory: sessionmaker[Session], tmp_path: Path,
                                                            case: tuple) -> None:
    _, name, column, reason = case
    organizer = "长沙\t市" if column == "organizer" else "办公厅"
    level = "x" * 100_000 if column == "level" else "city_portal"
    enabled = "是" * 1000 if column == "enabled" else "是"
    f = tmp_path / "sites.csv"
    f.write_text(HEADER + f"4301000001,{name},https://www.changsha.gov.cn/,{level},430100,{organizer},{enabled}\n",
                 encoding="utf-8", newline="")
    err = _refused(factory, f)
    assert [(e.line, e.column) for e in err.errors] == [(2, column)]
    assert reason in err.errors[0].reason
    assert len(str(err)) < 300  # the cell is never echoed whole


def test_a_field_over_csvs_limit_is_a_line_not_a_traceback(factory: sessionmaker[Session], tmp_path: Path) -> None:
    f = tmp_path / "sites.csv"
    f.write_text(HEADER + GOOD + "4302000001," + "株" * 131_073 + ",https://www.zhuzhou.gov.cn/,city_portal,430200,,\n",
                 encoding="utf-8")
    err = _refused(factory, f)
    assert "第 3 行" in str(err) and "131072" in str(err) and len(str(err)) < 300


def test_a_field_just_over_the_name_limit(factory: sessionmaker[Session], tmp_path: Path) -> None:
    f = tmp_path / "sites.csv"
    f.write_text(HEADER + GOOD.replace("长沙市人民政府门户网站", "长" * 129), encoding="utf-8")
    err = _refused(factory, f)
    assert [(e.line, e.column, e.reason) for e in err.errors] == [
        (2, "name", "内容过长（129 个字符），最多 128 个字符")]


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_damaged_and_hostile_workbooks_are_one_message(factory: sessionmaker[Session], tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx", [HEADER.strip().split(","), GOOD.strip().split(",")])
    raw = good.read_bytes()
    broken = tmp_path / "broken.xlsx"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # the sheet's XML cut in half
            zout.writestr(item, data)
    broken.write_bytes(out.getvalue())
    assert "无法读取 Excel 文件" in str(_refused(factory, broken))
    cells = GOOD.strip().split(",")
    wide = _xlsx(tmp_path / "wide.xlsx", [HEADER.strip().split(","),  # content in column MAX_COLUMNS + 1
                                          [*cells, *[None] * (MAX_COLUMNS - len(cells)), "远处的内容"]])
    assert "第 2 行：列数过多" in str(_refused(factory, wide))
    nul = _xlsx(tmp_path / "nul.xlsx", [HEADER.strip().split(","),
                                        GOOD.replace("门户网站", "门户\u202e网站").strip().split(",")])
    assert "控制字符（U+202E）" in str(_refused(factory, nul))


def test_thousands_of_bad_rows_list_the_first_two_hundred(factory: sessionmaker[Session], tmp_path: Path) -> None:
    f = tmp_path / "sites.csv"
    f.write_text(HEADER + "".join(f"43010{i:05d},站{i},notaurl,city_portal,430100,,\n" for i in range(3000)),
                 encoding="utf-8")
    err = _refused(factory, f)
    assert len(err.errors) == 3000 and str(err).count("\n") == MAX_LISTED + 1 and "另有 2800 处错误未列出" in str(err)
