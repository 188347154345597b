"""A first `app.py inspect` on a fresh database (no probe history at all) tells the inspector which demo
sites do not answer now: one 首页当前无法访问 finding per down site, its page checks not judged for that
one reason, nothing of the kind on the sites that answer. Run as a user runs it: a subprocess with the
demo fleet started by `--demo`, JSON on stdout; the expectation is the fleet's exported ground truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.config import load_config
from demo.fleet import build_fleet

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).parents[2]


def test_a_first_inspect_reports_every_site_that_is_down_now(tmp_path: Path) -> None:
    (tmp_path / "rules.toml").write_text("[availability]\nlive_spacing_s = 1.0\n", encoding="utf-8")
    env = {
        "GOVOPS_DATABASE__URL": f"sqlite:///{tmp_path / 'govops.db'}",
        "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp_path / "metrics.db"),
        "GOVOPS_DEMO__BIND_PREFIX": "127.0.79",
        "GOVOPS_DEMO__PORT": "30080",
        "GOVOPS_DEMO__HTTPS_PORT": "30443",
        "GOVOPS_COLLECTORS__PROBE_TIMEOUT": "3",
        "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp_path / "demo-ca.pem"),
    }
    config = load_config(env=env)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("GOVOPS_")}
    r = subprocess.run([sys.executable, str(ROOT / "app.py"), "inspect", "--demo", "--checks", "availability,identity",
                        "--rules", str(tmp_path / "rules.toml"), "--format", "json"], cwd=ROOT, env={**base_env, **env},
                       capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr[-3000:]
    doc = json.loads(r.stdout)
    truth = build_fleet(config, datetime.now(UTC)).ground_truth()  # seeded faults: the fleet the command served
    down = {s["code"] for s in truth["sites"] if any(not f["expect"]["probe_ok"] for f in s["faults"])}
    assert down, "the seeded demo mix must contain sites that do not answer"
    reported = {f["site_code"] for f in doc["findings"]
                if f["check"] == "availability" and f["kind"] == "homepage_down"}
    assert reported == down
    row = next(f for f in doc["findings"] if f["kind"] == "homepage_down")
    assert {"check", "kind", "location", "severity", "detail"} <= set(row) and row["severity"] == "critical"
    assert row["detail"].startswith("首页当前无法访问：") and "尚不能判定单项否决" in row["detail"]
    runs = {(o["site_code"], o["check"]): o for o in doc["runs"]}
    for code in down:  # one fault, one finding: the page check is not judged, for that one reason
        assert runs[(code, "identity")]["status"] == "error"
        assert runs[(code, "identity")]["error"].startswith("未检查：首页当前无法访问（")
    judged = [o for (code, check), o in runs.items() if check == "identity" and code not in down]
    assert judged and all(o["status"] == "ok" for o in judged)
