"""requirements.txt stays honest: every import of ours is pinned and every pin is used ([tool.deptry])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPTRY = Path(sys.executable).with_name("deptry")


def _deptry(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DEPTRY), ".", "--no-ansi", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)


def test_requirements_match_the_imports() -> None:
    run = _deptry()
    assert run.returncode == 0, run.stdout + run.stderr


def test_an_unused_pin_is_caught(tmp_path: Path) -> None:
    """The check bites: a pin nothing imports (and no ignore explains) fails it, by name."""
    extra = tmp_path / "requirements.txt"
    extra.write_text((ROOT / "requirements.txt").read_text(encoding="utf-8") + "six==1.17.0\n", encoding="utf-8")
    run = _deptry("--requirements-files", str(extra))
    assert run.returncode != 0 and "'six' defined as a dependency but not used" in run.stdout + run.stderr
