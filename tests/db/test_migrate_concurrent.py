"""Commands started at once on a fresh database: one migrates and seeds, the others wait and find it done."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from core.config import PROJECT_ROOT
from db.migrate import current, head
from db.models import Node
from db.session import make_engine, make_session_factory


def test_three_commands_at_once_on_a_fresh_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVOPS_")}
    env.update({"GOVOPS_DATABASE__URL": url, "GOVOPS_DEMO__ENABLED": "false",
                "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp_path / "m.db")})
    missing = str(tmp_path / "missing.csv")
    argvs = [["migrate"], ["registry", "import", "--sites", missing], ["registry", "import", "--sites", missing]]

    def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(PROJECT_ROOT / "app.py"), *argv], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, argvs))
    assert results[0].returncode == 0, results[0].stderr
    for r in results[1:]:  # the file is missing: that, not the database, is what they report
        assert "文件不存在" in r.stdout + r.stderr and "无法使用数据库" not in r.stdout + r.stderr, r.stdout + r.stderr
    assert current(url) == head()
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as s:
            assert s.scalar(select(func.count()).select_from(Node)) == 137
    finally:
        engine.dispose()
