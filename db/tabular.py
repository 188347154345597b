"""Read and write simple tables as CSV or XLSX, the way Chinese offices exchange them.

CSV input may be UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 (what Excel saves on a
Chinese Windows), comma- or tab-separated. CSV output is UTF-8 with BOM so Excel opens it correctly.
XLSX uses the first worksheet. Every cell comes back as a stripped string ("" for empty).
Rows carry their spreadsheet line number (header = line 1) so errors can point at them.
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

from db import registry_text as T

SUFFIXES = (".csv", ".xlsx")


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
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableFileError(T.BAD_XLSX.format(detail=exc)) from None
    try:
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def read_table(path: Path) -> Table:
    """The header and non-blank rows of ``path`` (.csv or .xlsx). Raises :class:`TableFileError`."""
    fmt = table_format(path)
    if not path.is_file():
        raise TableFileError(T.FILE_NOT_FOUND.format(path=path))
    raw_rows = _read_csv(path) if fmt == "csv" else _read_xlsx(path)
    if not raw_rows or not any(_cell(v) for v in raw_rows[0]):
        raise TableFileError(T.EMPTY_FILE)
    header = [_cell(v) for v in raw_rows[0]]
    while header and not header[-1]:
        header.pop()  # Excel often carries empty trailing header cells
    rows: list[tuple[int, list[str]]] = []
    for line, raw in enumerate(raw_rows[1:], start=2):
        cells = [_cell(v) for v in raw]
        while len(cells) > len(header) and not cells[-1]:
            cells.pop()  # empty cells past the header carry nothing; non-empty ones are reported later
        if any(cells):
            rows.append((line, cells + [""] * (len(header) - len(cells))))
    return Table(header=header, rows=rows)


def write_table(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """Write ``header`` and ``rows`` as .csv (UTF-8 with BOM) or .xlsx (text cells); returns the row count.

    The file is written to a temporary sibling and renamed, so a failure never leaves half a file.
    """
    fmt = table_format(path)
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    try:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerow(header)
                for row in rows:
                    writer.writerow(row)
                    count += 1
        else:
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet()
            ws.append(list(header))
            for row in rows:
                ws.append([str(v) for v in row])  # text cells keep codes exact in Excel
                count += 1
            wb.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
