"""A realistic period for the report tests: sites of four cities and the province scored with ``score()`` on facts
like tests/inspection/test_scoring.py's — passing, deducted, failing below 60, vetoed, undetermined, departments
without services, a vetoed new-media account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inspection.scoring import to_dict
from reports.model import SheetData, SiteIdentity, SiteRow, sheet_data, site_row
from tests.inspection.scoring_support import TABLE, ago, cols, manual, run

CITIES = (("430000", "省直"), ("430100", "长沙市"), ("430200", "株洲市"), ("430300", "湘潭市"), ("431300", "娄底市"))


def _both(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        for c in changes:
            c(doc)
    return change


def _dept(doc: dict[str, Any]) -> None:
    doc["site"] = {"type": "department", "external_services": False}


# kind → (facts change, site type label)
KINDS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "clean": (lambda d: None, "市州政府门户网站"),
    "deducted": (_both(manual(("search", 1.5, "搜索框无结果"), ("links", 0.3)),
                       lambda d: d["columns"].extend(cols("policy", 1, ago(200)))), "市州政府门户网站"),
    "low": (manual(("policy_files", 10), ("news", 6), ("messages", 12), ("forms", 6), ("service_guides", 7)),
            "县级政府门户网站"),
    "vetoed": (_both(lambda d: d.update(homepage_newest_item=ago(20)), manual(("search", 2))), "县级政府门户网站"),
    "undetermined": (lambda d: d.update(probes={"total": 100, "failed": 0}), "部门网站"),
    "department": (_both(_dept, manual(("policy_files", 10), ("news", 5))), "部门网站"),
    "media": (lambda d: d.update(new_media=[{"platform": "weibo", "last_post": ago(30), "comments_open": True}]),
              "市州政府门户网站"),
}
RESULTS: dict[str, dict[str, Any]] = {k: to_dict(run(change), TABLE) for k, (change, _) in KINDS.items()}


def period(n: int) -> list[tuple[SiteIdentity, dict[str, Any]]]:
    """``n`` sites cycling through the cities and the kinds of result."""
    kinds = list(KINDS)
    out = []
    for i in range(n):
        code, city = CITIES[i % len(CITIES)]
        kind = kinds[(i // len(CITIES) + i) % len(kinds)]
        ident = SiteIdentity(f"43{i:08d}", f"{city}测试网站{i:03d}", KINDS[kind][1], city, code)
        out.append((ident, RESULTS[kind]))
    return out


def rows(n: int) -> list[SiteRow]:
    return [site_row(ident, res) for ident, res in period(n)]


PORTAL = SiteIdentity("4300000001", "湖南省人民政府门户网站", "省政府门户网站", "省直", "430000")


def sheet(kind: str = "deducted") -> SheetData:
    return sheet_data(PORTAL, RESULTS[kind], "2026Q4", [("2026Q2", 96.5, "合格"), ("2026Q3", None, "不合格")])
