"""Period scoring benchmark: ``score run`` over a whole period for N generated sites, beside the floor of reading
the same data.

Run: ``.venv/bin/python -m bench.score_bench [--sites 2000] [--findings 15] [--repeat 3]``

Setup: a fresh SQLite database migrated to head, the Hunan divisions, N sites spread over the 14 cities
(one portal in seven), about ``--findings`` open findings per site drawn from the kinds scoring reads
(bound deductions, dead links, stale columns, veto kinds, kinds no rule reads), successful check runs, a
dismissal on one finding in twenty and a manual deduction on one site in ten.

Measured in the same run, interleaved per repetition:

- ours, whole: ``operations.score_store.run_period`` for the open period 2026Q4 (bulk reads, decision
  statuses, facts building, veto verdict, scoring, trace, snapshot writes, one commit);
- ours, pure: facts building + scoring only (``score_site`` on prefetched inputs);
- the peer: the same findings aggregated per (site, check, kind) with one SQL ``GROUP BY`` and with
  ``pandas.read_sql`` + ``groupby`` — the floor of reading the data, with no judgement at all.

Figures: median seconds, sites/s, and the ratio ours / peer.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select, text

from core.severity import Severity
from db.hunan import seed_nodes
from db.migrate import upgrade
from db.models import CheckRun, Finding, Node, NodeLevel, RunStatus, Site, SiteLevel
from db.models_operations import FindingDecision, ManualEntry
from db.session import make_engine, make_session_factory, transaction
from inspection.findings import fingerprint
from inspection.indicators import DEFAULT_FILE, load_indicators
from inspection.rules import load_rules
from newmedia.rules import MediaRules
from operations import score_store
from operations.access import Actor
from operations.periods import parse
from operations.verify_store import digest_of

NOW = datetime(2026, 12, 7, 4, tzinfo=UTC)
SEEN = datetime(2026, 11, 2, 2, tzinfo=UTC)
KINDS = [("site_functions", "search_missing", {}), ("site_functions", "ipv6_missing", {}),
         ("site_functions", "correction_missing", {}), ("policy_interpretation", "interpretation_unlinked", {}),
         ("policy_interpretation", "policy_unlinked", {}), ("column_freshness", "column_overdue",
                                                            {"kind": "service_stats"}),
         ("dead_links", "dead_link_page", {}), ("dead_links", "dead_link_homepage", {}),
         ("column_freshness", "column_stale", {"kind": "policy", "column": "政策文件", "newest_date": "2026-04-01"}),
         ("column_freshness", "column_due", {"kind": "news"}), ("identity", "icp_missing", {}),
         ("service_guides", "guide_incomplete", {})]
CHECKS = ("availability", "homepage_update", "column_freshness", "content_errors", "defacement", "page_tampering",
          "interaction", "service_guides", "site_functions", "policy_interpretation", "dead_links")


def build_db(tmp: Path, sites: int, per_site: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    url = f"sqlite:///{tmp}/score.db"
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    with transaction(sessions) as s:
        seed_nodes(s)
        s.flush()
        cities = [n.code for n in s.scalars(select(Node).where(Node.level == NodeLevel.CITY).order_by(Node.code))]
        rows = [Site(code=f"43{i:08d}", name=f"测试网站{i:05d}", url=f"http://127.0.0.1:1/{i}",
                     level=SiteLevel.CITY_PORTAL if i % 7 == 0 else SiteLevel.CITY_DEPARTMENT,
                     node_code=cities[i % len(cities)]) for i in range(sites)]
        s.add_all(rows)
        s.flush()
        findings = []
        for site in rows:
            for n in range(rnd.randint(per_site // 2, per_site * 3 // 2)):
                check, kind, ev = rnd.choice(KINDS)
                loc = f"{site.url}/{kind}/{n}"
                findings.append(Finding(site_id=site.id, check=check, kind=kind, location=loc,
                                        fingerprint=fingerprint(check, kind, loc), severity=Severity.MEDIUM,
                                        detail="问题", evidence=dict(ev), veto=False, first_seen=SEEN, last_seen=SEEN,
                                        reopen_count=0))
            s.add_all([CheckRun(site_id=site.id, check=c, as_of=SEEN, started_at=SEEN, finished_at=SEEN,
                                status=RunStatus.OK, findings=0) for c in CHECKS])
            if site.id % 10 == 0:
                s.add(ManualEntry(site_id=site.id, period="2026Q4", kind="deduction", code="news", points=1.0,
                                  note="人工扣分", evidence="", created_by="bench", created_at=SEEN))
        s.add_all(findings)
        s.flush()
        s.add_all([FindingDecision(finding_id=f.id, kind="dismissed", reason="false_positive", note="",
                                   evidence_digest=digest_of(f), decided_by="bench", decided_at=SEEN)
                   for f in findings[::20]])
    return url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=2000)
    ap.add_argument("--findings", type=int, default=15)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    table, rules = load_indicators(), load_rules(DEFAULT_FILE.parent / "rules.toml").veto
    actor, period = Actor("bench", "430000"), parse("2026Q4")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        url = build_db(Path(tmp), args.sites, args.findings)
        sessions = make_session_factory(make_engine(url))
        with sessions() as s:
            n_findings = s.scalar(select(func.count()).select_from(Finding))
        print(f"setup: {args.sites} sites, {n_findings} findings, {time.perf_counter() - t0:.1f} s")
        whole, pure, sql, pdg = [], [], [], []
        for _ in range(args.repeat):
            with sessions() as s:
                t = time.perf_counter()
                summary = score_store.run_period(s, actor, period, NOW, table, rules, MediaRules())
                whole.append(time.perf_counter() - t)
            with sessions() as s:
                sites = score_store._scope_sites(s, actor, None, None)
                data = score_store._inputs(s, sites, period, summary.as_of)
                t = time.perf_counter()
                for site in sites:
                    score_store.score_site(site, data[site.id], table, rules, MediaRules(), summary.as_of)
                pure.append(time.perf_counter() - t)
            with sessions() as s:
                t = time.perf_counter()
                rows = s.execute(text("SELECT site_id, \"check\", kind, count(*) FROM inspection_finding "
                                      "WHERE resolved_at IS NULL GROUP BY site_id, \"check\", kind")).all()
                sql.append(time.perf_counter() - t)
            engine = make_engine(url)
            t = time.perf_counter()
            df = pd.read_sql("SELECT site_id, \"check\", kind FROM inspection_finding WHERE resolved_at IS NULL",
                             engine)
            grouped = df.groupby(["site_id", "check", "kind"]).size()
            pdg.append(time.perf_counter() - t)
            engine.dispose()
        assert len(grouped) == len(rows)
        w, p, q, g = (statistics.median(x) for x in (whole, pure, sql, pdg))
        n = args.sites
        print(f"summary: passed {summary.passed}, failed {summary.failed}, undetermined {summary.undetermined}")
        print("| sites | findings | ours whole s | sites/s | ours pure s | sites/s | SQL GROUP BY s | pandas s "
              "| whole / SQL | whole / pandas | pure / pandas |")
        print(f"| {n} | {n_findings} | {w:.2f} | {n / w:,.0f} | {p:.2f} | {n / p:,.0f} | {q:.3f} | {g:.3f} "
              f"| {w / q:.1f} | {w / g:.1f} | {p / g:.1f} |")


if __name__ == "__main__":
    main()
