"""Read and write simple tables as CSV or XLSX, the way Chinese offices exchange them.

CSV input may be UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 (what Excel saves on a
Chinese Windows), comma- or tab-separated. CSV output is UTF-8 with BOM so Excel opens it correctly.
XLSX uses the first worksheet. Every cell comes back as a stripped string ("" for empty).
Rows carry their spreadsheet line number (header = line 1) so errors can point at them.

Formula safety (CSV/formula injection): a spreadsheet runs a cell that starts with ``=``, ``+``, ``-``
or ``@`` (and, when splitting a CSV, a tab or carriage return) as a formula, so a site named
``=HYPERLINK(…)`` would become a live link in whoever opens the export. XLSX cells are always written
as text (a text cell is never evaluated, whatever it starts with). CSV cells that start with a trigger
are escaped the OWASP way, with a leading ``'``; a cell that already starts with ``'`` gets one too, so
reading a CSV undoes exactly that escaping and export → import is the identity.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.i18n import registry as T

SUFFIXES = (".csv", ".xlsx")
ESCAPE = "'"
# What makes a spreadsheet read a cell as a formula (OWASP "CSV Injection"), plus the full-width forms
# of = + - @, which an East Asian Excel may also take as a formula's start (a cheap precaution).
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
_ESCAPED_STARTS = FORMULA_TRIGGERS | {ESCAPE}
MAX_FILE_BYTES = 32 * 1024 * 1024  # a registry of every Chinese government site is a few MB
MAX_ROWS = 200_000  # more rows than any registry has: the rest is not read
MAX_COLUMNS = 64  # cells further right are not read (an XLSX may claim 16,384 columns)


class TableFileError(ValueError):
    """The file as a whole cannot be read or written (format, encoding, empty); message in Chinese."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet line, cells); blank rows left out


def table_format(path: Path) -> str:
    """``"csv"`` or ``"xlsx"`` from the suffix; anything else raises :class:`TableFileError`."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TableFileError(T.UNSUPPORTED_FORMAT.format(suffix=path.suffix or path.name))
    return suffix[1:]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 4301000001 as a float
    if isinstance(value, datetime | date):
        return value.isoformat()
    # U+3000 (full-width space) and NBSP are common in hand-typed Chinese cells.
    return str(value).strip().strip("\u3000\xa0").strip()


def escape_csv_cell(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet runs as a formula: ``'`` in front when it starts with a
    formula trigger or with ``'`` itself. :func:`unescape_csv_cell` is its exact inverse."""
    return ESCAPE + value if value[:1] in _ESCAPED_STARTS else value


def unescape_csv_cell(cell: str) -> str:
    """Undo :func:`escape_csv_cell`: drop one leading ``'`` before a formula trigger or another ``'``.
    Any other cell (a hand-made ``'0731``, say) is returned as it is."""
    return cell[1:] if cell[:1] == ESCAPE and cell[1:2] in _ESCAPED_STARTS else cell


def xlsx_unwritable(value: str) -> bool:
    """Whether ``value`` holds a control character an XLSX file cannot store (XML 1.0 forbids them)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.search(value) is not None


def decode_csv_bytes(raw: bytes) -> str:
    """The text of a CSV file in any supported encoding; raises :class:`TableFileError` otherwise."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    for encoding in ("utf-8", "gb18030"):  # GB18030 is a superset of GBK and GB2312
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableFileError(T.UNKNOWN_ENCODING)


def _read_csv(path: Path) -> list[list[Any]]:
    text = decode_csv_bytes(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return [[unescape_csv_cell(c) for c in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableFileError(T.BAD_XLSX.format(detail=exc)) from None
    except Exception:  # a damaged or hostile workbook can fail in many ways inside openpyxl
        raise TableFileError(T.BAD_XLSX.format(detail=T.XLSX_DAMAGED)) from None
    try:
        if not wb.worksheets:
            raise TableFileError(T.BAD_XLSX.format(detail=T.XLSX_NO_SHEET))
        rows: list[list[Any]] = []
        for r in wb.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
            if len(rows) > MAX_ROWS:
                raise TableFileError(T.TOO_MANY_ROWS.format(limit=MAX_ROWS))
            rows.append(list(r))
        return rows
    except TableFileError:
        raise
    except Exception:  # the sheet's XML is parsed while iterating
        raise TableFileError(T.BAD_XLSX.format(detail=T.XLSX_DAMAGED)) from None
    finally:
        wb.close()


def _csv_error_line(path: Path) -> int:
    """The line where Python's csv reader fails on ``path`` (a second pass, only after it failed)."""
    text = decode_csv_bytes(path.read_bytes())
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if first.count("\t") > first.count(",") else ",")
    try:
        for _ in reader:
            pass
    except csv.Error:
        return reader.line_num
    return 0


def read_table(path: Path) -> Table:
    """The header and non-blank rows of ``path`` (.csv or .xlsx). Raises :class:`TableFileError`."""
    fmt = table_format(path)
    if not path.is_file():
        raise TableFileError(T.FILE_NOT_FOUND.format(path=path))
    if path.stat().st_size > MAX_FILE_BYTES:
        raise TableFileError(T.FILE_TOO_LARGE.format(limit=MAX_FILE_BYTES // (1024 * 1024)))
    try:
        raw_rows = _read_csv(path) if fmt == "csv" else _read_xlsx(path)
    except csv.Error as exc:  # e.g. a cell over csv's field limit of 131,072 characters
        raise TableFileError(T.BAD_CSV.format(line=_csv_error_line(path), detail=T.CSV_FIELD_TOO_LARGE
                                              if "field larger" in str(exc) else exc)) from None
    if len(raw_rows) > MAX_ROWS + 1:
        raise TableFileError(T.TOO_MANY_ROWS.format(limit=MAX_ROWS))
    if not raw_rows or not any(_cell(v) for v in raw_rows[0]):
        raise TableFileError(T.EMPTY_FILE)
    header = [_cell(v) for v in raw_rows[0]]
    while header and not header[-1]:
        header.pop()  # Excel often carries empty trailing header cells
    rows: list[tuple[int, list[str]]] = []
    for line, raw in enumerate(raw_rows, start=1):
        if len(raw) > MAX_COLUMNS and any(_cell(v) for v in raw[MAX_COLUMNS:]):
            raise TableFileError(T.TOO_MANY_COLUMNS.format(line=line, limit=MAX_COLUMNS))
    for line, raw in enumerate(raw_rows[1:], start=2):
        cells = [_cell(v) for v in raw]
        while len(cells) > len(header) and not cells[-1]:
            cells.pop()  # empty cells past the header carry nothing; non-empty ones are reported later
        if any(cells):
            rows.append((line, cells + [""] * (len(header) - len(cells))))
    return Table(header=header, rows=rows)


def _xlsx_row(ws: Any, values: Sequence[str], line: int, header: Sequence[str]) -> list[Any]:
    """Text cells (never formulas; text also keeps codes exact); raises :class:`TableFileError` for a
    value an XLSX file cannot hold, naming its line and column."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for i, value in enumerate(values):
        text = str(value)
        if xlsx_unwritable(text):
            column = header[i] if i < len(header) else T.EXTRA_CELL_COLUMN.format(index=i + 1)
            raise TableFileError(T.XLSX_CONTROL_CHAR.format(line=line, column=column))
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        cells.append(cell)
    return cells


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write ``header`` and ``rows`` as .csv (UTF-8 with BOM, formula triggers escaped) or .xlsx (text
    cells); returns the row count. :func:`read_table` reads back exactly the cells written.

    The file is written to a temporary sibling and renamed, so a failure never leaves half a file.
    Raises :class:`TableFileError` (unsupported suffix, or a control character an XLSX cannot hold).
    """
    fmt = table_format(path)
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    try:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerow([escape_csv_cell(str(v)) for v in header])
                for row in rows:
                    writer.writerow([escape_csv_cell(str(v)) for v in row])
                    count += 1
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet()
            ws.append(_xlsx_row(ws, header, 1, header))
            try:
                for row in rows:
                    ws.append(_xlsx_row(ws, row, count + 2, header))
                    count += 1
            except TableFileError:
                ws.close()  # end the sheet's writer cleanly; the temporary file is removed below
                raise
            wb.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
