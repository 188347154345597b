"""Which files a path stands for, in what order, and gzip by content rather than name."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from traffic.logfiles import first_line, log_files


def test_a_directory_is_its_logs_oldest_first(tmp_path: Path) -> None:
    names = ["access.log", "access.log.1", "access.log.2.gz", "access.log.10.gz", "error.log", "error.log.1",
             "notes.txt", "a.gov.cn.access.log.3.gz", "b.gov.cn.log"]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    got = [p.name for p in log_files([tmp_path])]
    assert got == ["a.gov.cn.access.log.3.gz", "access.log.10.gz", "access.log.2.gz", "access.log.1", "access.log",
                   "b.gov.cn.log"]
    assert log_files([tmp_path / "access.log", tmp_path]).count(tmp_path / "access.log") == 1
    with pytest.raises(FileNotFoundError):
        log_files([tmp_path / "absent.log"])


def test_first_line_plain_gzip_and_misnamed(tmp_path: Path) -> None:
    plain, gz, misnamed = tmp_path / "a.log", tmp_path / "b.log.gz", tmp_path / "c.log"
    plain.write_bytes(b"one\ntwo\n")
    gz.write_bytes(gzip.compress(b"one"))  # a finished file: its last line counts without a newline
    misnamed.write_bytes(gzip.compress(b"uno\n"))
    assert (first_line(plain), first_line(gz), first_line(misnamed)) == (b"one\n", b"one", b"uno\n")
    plain.write_bytes(b"being writ")
    assert first_line(plain) is None
