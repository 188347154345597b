"""The gates `make test` enforces on the tree itself: ruff, mypy, and the floors of the house (import-linter's
contracts in [tool.importlinter]). Each gate is also shown to bite on a case made to break it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_is_clean() -> None:
    r = _run(str(BIN / "ruff"), "check", "--no-fix", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_bites(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n", encoding="utf-8")
    r = _run(str(BIN / "ruff"), "check", "--no-fix", "--config", str(ROOT / "pyproject.toml"), str(bad))
    assert r.returncode != 0 and "F401" in r.stdout


def test_the_layers_contracts_hold() -> None:
    r = _run(str(BIN / "lint-imports"), "--no-cache")
    assert r.returncode == 0 and "0 broken" in r.stdout, r.stdout + r.stderr


def test_a_contract_the_tree_breaks_is_reported(tmp_path: Path) -> None:
    """The tool analyses the real import graph: a contract today's tree does not keep fails, naming the import."""
    config = tmp_path / "contracts.toml"
    config.write_text('''[tool.importlinter]
root_packages = ["core", "runtime"]

[[tool.importlinter.contracts]]
name = "probe: runtime imports nothing of core"
type = "forbidden"
source_modules = ["runtime"]
forbidden_modules = ["core"]
''', encoding="utf-8")
    r = _run(str(BIN / "lint-imports"), "--no-cache", "--config", str(config))
    assert r.returncode != 0 and "runtime is not allowed to import core" in r.stdout, r.stdout + r.stderr


def test_mypy_is_clean() -> None:
    r = _run(str(BIN / "mypy"))  # [tool.mypy] in pyproject.toml names every package
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr


def test_mypy_bites(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x: int) -> str:\n    return x\n", encoding="utf-8")
    r = _run(str(BIN / "mypy"), "--no-incremental", "--config-file", str(ROOT / "pyproject.toml"), str(bad))
    assert r.returncode != 0 and "Incompatible return value type" in r.stdout, r.stdout


def test_no_test_module_imports_another() -> None:
    """No test module imports another (``tests.x.test_y``): what tests share lives in tests/support/ or a
    package's support module, so running one module never runs or depends on another's tests."""
    assert _test_module_imports(ROOT / "tests") == []


def _test_module_imports(root: Path) -> list[str]:
    import ast

    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            found += [f"{path.relative_to(root.parent)}: {n}" for n in names
                      if n.startswith("tests.") and n.rsplit(".", 1)[-1].startswith("test_")]
    return found


def test_a_test_module_importing_another_is_reported(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_b.py").write_text("from tests.a.test_a import thing\n", encoding="utf-8")
    assert _test_module_imports(tmp_path / "tests") == ["tests/test_b.py: tests.a.test_a"]
