"""Reports are written all or nothing: a failed write leaves the old file and no temporary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.files import ReportSaveError, save_atomic


def test_replaces_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old")

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(ReportSaveError, match=f"无法写入 {target}：No space left on device"):
        save_atomic(target, broken)
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]
    save_atomic(target, lambda tmp: tmp.write_bytes(b"new"))
    assert target.read_bytes() == b"new" and list(tmp_path.iterdir()) == [target]
    assert target.stat().st_mode & 0o777 == 0o644


def test_bad_targets(tmp_path: Path) -> None:
    with pytest.raises(ReportSaveError, match=r"目录 .*missing 不存在"):
        save_atomic(tmp_path / "missing" / "r.pdf", lambda tmp: None)
    with pytest.raises(ReportSaveError, match="这是一个目录"):
        save_atomic(tmp_path, lambda tmp: None)
