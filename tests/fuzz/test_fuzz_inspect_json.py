"""The end of the pipe: ``app.py inspect --format json`` run as a user runs it (a subprocess, no terminal) on
a registry whose names carry what hostile or careless hands type — quotes, backslashes, markup, line and
paragraph separators, right-to-left text, emoji — and on findings already stored from hostile pages (NUL,
undecodable bytes, NaN). stdout must be one JSON document that reads back with every name intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.clock import to_ns
from core.config import load_config
from db.models import Site, SiteLevel
from db.session import transaction
from inspection.base import CheckResult, FindingDraft, Severity
from inspection.findings import save_result
from runtime.bootstrap import prepare_database
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

ROOT = Path(__file__).parents[2]
AS_OF = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
NAMES = {"4301020001": '引号"和\\反斜杠 </script><b>x</b>',
         "4301020002": "'; DROP TABLE site; -- \u2028段落\u2029",
         "4301020003": "عربي 右到左 🏛️ ＦＵＬＬ　ｗｉｄｔｈ \ufffd"}
TAGS = {"node": "430102", "city": "430100", "level": "county_portal"}


def test_inspect_json_reads_back_with_hostile_names_and_stored_findings(tmp_path: Path) -> None:
    cfg = tmp_path / "govops.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "govops.db"}"\n'
                   f'[metrics.embedded]\npath = "{tmp_path / "m.db"}"\n'
                   '[demo]\nenabled = false\n', encoding="utf-8")
    sessions = prepare_database(load_config(cfg, env={}))
    with transaction(sessions) as s:
        for code, name in NAMES.items():
            s.add(Site(code=code, name=name, url="http://127.0.0.1:9/", level=SiteLevel.COUNTY_PORTAL,
                       node_code="430102"))
    with transaction(sessions) as s:
        site_id = s.query(Site.id).filter(Site.code == "4301020001").scalar()
        # A finding of a check that cannot judge the site this time (nothing listens on its address): it
        # stays open and is printed as stored.
        save_result(s, site_id, CheckResult("identity", "4301020001", AS_OF, (FindingDraft(
            "identity", "icp_missing", "http://127.0.0.1:9/\udcff", Severity.HIGH, "页面含\x00空字符",
            evidence={"ratio": float("nan"), "text": "赌\udcc8场"}),)), AS_OF - timedelta(days=1))
    store = SQLiteMetricStore(tmp_path / "m.db")
    store.write([Point("site_probe", {"up": 0 if code.endswith("1") and k < 9 else 1},
                       to_ns(AS_OF - timedelta(days=7) + timedelta(hours=k + 0.5)), {"site": code, **TAGS})
                 for code in NAMES for k in range(168)])
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVOPS_")}
    r = subprocess.run([sys.executable, str(ROOT / "app.py"), "--config", str(cfg), "inspect", "--checks",
                        "availability,identity", "--as-of", "2026-11-27", "--format", "json"], cwd=ROOT, env=env,
                       capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    doc = json.loads(r.stdout.decode("utf-8"))  # strict UTF-8: no lone surrogate reached stdout
    assert {v["site_code"]: v["site_name"] for v in doc["verdicts"]} == NAMES
    found = {(f["site_code"], f["kind"]): f for f in doc["findings"]}
    assert set(found) == {("4301020001", "probe_failures"), ("4301020001", "icp_missing")}
    stored = found[("4301020001", "icp_missing")]
    assert stored["location"] == "http://127.0.0.1:9/\ufffd" and stored["detail"] == "页面含空字符"
    assert stored["evidence"] == {"ratio": None, "text": "赌\ufffd场"}
