"""Pure parts of the registry import: reading tables in every encoding, validating rows (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from db.hunan import load_divisions
from db.models import ColumnKind, SiteLevel
from db.registry_rows import RowError, parse_columns, parse_sites
from db.tabular import Table, TableFileError, read_table, write_table

NODES = {str(d["code"]): str(d["level"]) for d in load_divisions()}
HEADER = "site_code,name,url,level,node_code"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings_read_the_same(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes("标识码,网站名称\r\n4301000001,长沙市人民政府门户网站\r\n".encode(encoding))
    table = read_table(path)
    assert table.header == ["标识码", "网站名称"]
    assert table.rows == [(2, ["4301000001", "长沙市人民政府门户网站"])]


def test_undecodable_csv_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"code\n\xff\xff\xff\x80\n")
    with pytest.raises(TableFileError, match="编码"):
        read_table(path)


def test_tab_separated_blank_rows_keep_spreadsheet_lines(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a\tb\n1\t2\n\t\n 3 \t\u30004\u3000\n", encoding="utf-8")
    assert read_table(path) == Table(header=["a", "b"], rows=[(2, ["1", "2"]), (4, ["3", "4"])])


def test_xlsx_numbers_become_exact_text(tmp_path: Path) -> None:
    path = tmp_path / "s.xlsx"
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["site_code", "enabled", None])
    ws.append([4301000001, True])
    ws.append([4302000001.0, False])
    wb.save(path)
    assert read_table(path).rows == [(2, ["4301000001", "true"]), (3, ["4302000001", "false"])]


def test_write_rejects_unknown_suffix_and_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(TableFileError, match="不支持的文件格式"):
        write_table(tmp_path / "s.txt", ["a"], [["1"]])
    assert list(tmp_path.iterdir()) == []


def _table(text: str) -> Table:
    lines = text.strip().split("\n")
    return Table(header=lines[0].split(","), rows=[(i, ln.split(",")) for i, ln in enumerate(lines[1:], start=2)])


def test_parse_sites_accepts_chinese_headers_and_labels() -> None:
    rows, errors = parse_sites(_table("标识码,网站名称,网址,级别,行政区划代码,是否启用\n"
                                      "4301000001,长沙,https://www.changsha.gov.cn/,市州政府门户网站,430100,否"), NODES)
    assert errors == []
    assert rows[0].level is SiteLevel.CITY_PORTAL and rows[0].enabled is False
    assert rows[0].given == frozenset({"enabled"})


def test_parse_sites_reports_every_bad_row() -> None:
    rows, errors = parse_sites(_table(
        f"{HEADER}\n"
        "4301000001,长沙,https://www.changsha.gov.cn/,city_portal,430100\n"  # 2 ok
        "430100001,株洲,https://www.zhuzhou.gov.cn/,city_portal,430200\n"  # 3 code form
        "4399000001,某地,https://x.gov.cn/,city_portal,430300\n"  # 4 unknown division
        "4304000001,衡阳,https://www.hengyang.gov.cn/,门户,430400\n"  # 5 unknown level
        "4301000001,重复,ftp://x,city_portal,430100\n"  # 6 duplicate + bad url
        "4305000001,,https://a.gov.cn/,county_portal,430500\n"  # 7 name missing + level/node mismatch
        "4306000001,岳阳,https://www.yueyang.gov.cn/,city_portal,439999"), NODES)  # 8 unknown node
    assert [r.code for r in rows] == ["4301000001"]
    assert [(e.line, e.column) for e in errors] == [
        (3, "site_code"), (4, "site_code"), (5, "level"), (6, "site_code"), (6, "url"),
        (7, "name"), (7, "level"), (8, "node_code")]
    assert str(errors[2]).startswith("第 5 行 level：未知的网站级别“门户”，应为 provincial_portal（省政府门户网站）")
    assert "第 2 行" in errors[3].reason


def test_parse_sites_header_problems_stop_before_cells() -> None:
    _, errors = parse_sites(_table("site_code,名称,url,网址,level,序号\n1,2,3,4,5,6"), NODES)
    assert errors == [
        RowError(1, "网址", "列名重复（与“url”指同一列）"),
        RowError(1, "序号", errors[1].reason),
        RowError(1, "node_code", errors[2].reason),
    ]
    assert "未知的列名" in errors[1].reason and "缺少必填列" in errors[2].reason


def test_parse_columns_checks_site_existence_and_duplicates() -> None:
    rows, errors = parse_columns(_table(
        "site_code,column_name,kind,url,first_level\n"
        "4301000001,通知公告,通知公告,https://www.changsha.gov.cn/tzgg/,是\n"
        "4301000001,通知公告,notice,https://www.changsha.gov.cn/tzgg/,\n"
        "4302000001,政策文件,policy,https://www.zhuzhou.gov.cn/zcwj/,\n"
        "4301000001,新闻,新闻,https://www.changsha.gov.cn/xw/,maybe"), NODES, {"4301000001"})
    assert [(r.name, r.kind) for r in rows] == [("通知公告", ColumnKind.NOTICE)]
    assert [(e.line, e.column) for e in errors] == [(3, "column_name"), (4, "site_code"), (5, "kind"),
                                                      (5, "first_level")]
    assert "既不在数据库中" in errors[1].reason
