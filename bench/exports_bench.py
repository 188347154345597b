"""Export benchmark: a period's 检查情况通报 as Excel and PDF, beside a plain pandas ``to_excel`` of the same table.

Run: ``.venv/bin/python -m bench.exports_bench [--sites 200 2000] [--repeat 3]``

Results: ``score()`` on seven kinds of facts (clean, deducted, below 60, vetoed, undetermined, department without
services, vetoed new-media account) as of 2026-12-31, cycled over the sites of five cities. Measured in the same
run, interleaved per repetition: building the rows (``site_row``), ``save_bulletin`` (ours: two sheets, styles,
summary), the peer ``pandas.DataFrame.to_excel`` (openpyxl engine) of the same eight columns with no styling or
summary, and ``save_bulletin_pdf`` (table over many pages, summary, chart, embedded font subset). Figures: median
seconds and the ratio ours / peer.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from pypdf import PdfReader

from inspection.facts import parse_facts
from inspection.indicators import DEFAULT_FILE, load_indicators
from inspection.rules import VetoRules
from inspection.scoring import score, to_dict
from reports.excel import save_bulletin
from reports.model import SiteIdentity, SiteRow, site_row
from reports.pdf import save_bulletin_pdf

AS_OF = date(2026, 12, 31)
CITIES = (("430000", "省直"), ("430100", "长沙市"), ("430200", "株洲市"), ("430300", "湘潭市"), ("431300", "娄底市"))


def _ago(days: int) -> str:
    return (AS_OF - timedelta(days=days)).isoformat()


def _facts(**extra: Any) -> dict[str, Any]:
    return {"site": {"type": "portal", "external_services": True}, "probes": {"total": 140, "failed": 0},
            "homepage_newest_item": _ago(1),
            "columns": [{"name": "要闻动态", "kind": "news", "first_level": True, "newest": _ago(2)},
                        {"name": "通知公告", "kind": "notice", "first_level": True, "newest": _ago(10)},
                        {"name": "政策文件", "kind": "policy", "first_level": True, "newest": _ago(200)}],
            "consultation_channels": [{"kind": "consultation"}],
            "messages": [{"asked": _ago(10), "answered": _ago(5)}]} | extra


def _manual(*entries: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"indicator": c, "points": p, "note": f"人工扣分：{c}"} for c, p in entries]


KINDS = (
    _facts(),
    _facts(deductions=_manual(("search", 1.5), ("links", 0.3))),
    _facts(deductions=_manual(("policy_files", 5), ("news", 6), ("messages", 12), ("forms", 6), ("service_guides", 7))),
    _facts(homepage_newest_item=_ago(20)),
    _facts(probes={"total": 100, "failed": 0}),
    _facts(site={"type": "department", "external_services": False}, deductions=_manual(("news", 5))),
    _facts(new_media=[{"platform": "weibo", "last_post": _ago(30), "comments_open": True}]),
)


def results() -> list[dict[str, Any]]:
    table = load_indicators(DEFAULT_FILE)
    return [to_dict(score(parse_facts(f, AS_OF), table, VetoRules(), AS_OF), table) for f in KINDS]


def sites(n: int, res: list[dict[str, Any]]) -> list[tuple[SiteIdentity, dict[str, Any]]]:
    out = []
    for i in range(n):
        code, city = CITIES[i % len(CITIES)]
        out.append((SiteIdentity(f"43{i:08d}", f"{city}政府网站{i:04d}", "县级政府门户网站", city, code),
                    res[i % len(res)]))
    return out


def peer(path: Path, rows: list[SiteRow]) -> None:
    frame = pd.DataFrame([{"网站名称": r.name, "网站类型": r.type_label, "所属市州": r.city, "得分": r.score,
                           "等级": r.grade, "单项否决": "\n".join(f"{a}：{b}" for a, b in r.vetoes),
                           "主要问题": "\n".join(r.problems)} for r in rows])
    frame.to_excel(path, sheet_name="检查情况", engine="openpyxl")


def _time(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _measure(out: Path, data: list[tuple[SiteIdentity, dict[str, Any]]], repeat: int) -> str:
    """One table line: median seconds of each step over ``repeat`` interleaved repetitions."""
    times: dict[str, list[float]] = {"rows": [], "xlsx": [], "peer": [], "pdf": []}
    for _ in range(repeat):
        t = time.perf_counter()
        rows = [site_row(i, r) for i, r in data]
        times["rows"].append(time.perf_counter() - t)
        times["xlsx"].append(_time(lambda: save_bulletin(out / "b.xlsx", "2026Q4", rows)))  # noqa: B023
        times["peer"].append(_time(lambda: peer(out / "p.xlsx", rows)))  # noqa: B023
        times["pdf"].append(_time(lambda: save_bulletin_pdf(out / "b.pdf", "2026Q4", rows)))  # noqa: B023
    med = {k: statistics.median(v) for k, v in times.items()}
    pages = len(PdfReader(out / "b.pdf").pages)
    return (f"| {len(data)} | {med['rows']:.3f} | {med['xlsx']:.3f} | {med['peer']:.3f} | "
            f"{med['xlsx'] / med['peer']:.2f} | {med['pdf']:.3f} ({pages} pages) | {pages / med['pdf']:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, nargs="+", default=[200, 2000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    res = results()
    print("| sites | rows s | ours xlsx s | pandas to_excel s | xlsx ours/peer | ours pdf s | pdf pages/s |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        save_bulletin_pdf(out / "warm.pdf", "warm", [site_row(i, r) for i, r in sites(7, res)])  # font load
        for n in args.sites:
            print(_measure(out, sites(n, res), args.repeat))

if __name__ == "__main__":
    main()
