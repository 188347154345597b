"""Facts and tables for the scoring tests: a site that passes cleanly, changed one key at a time."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from inspection.facts import Facts, parse_facts
from inspection.indicators import DEFAULT_FILE, IndicatorTable, parse_indicators
from inspection.rules import VetoRules
from inspection.scoring import ScoreResult, score

AS_OF = date(2026, 12, 31)
TABLE_TEXT = DEFAULT_FILE.read_text(encoding="utf-8")


def ago(days: int) -> str:
    return (AS_OF - timedelta(days=days)).isoformat()


def clean() -> dict[str, Any]:
    """A portal with nothing wrong: 100 points, 合格."""
    return {
        "site": {"type": "portal", "external_services": True},
        "probes": {"total": 140, "failed": 0},
        "homepage_newest_item": ago(1),
        "columns": [{"name": "要闻动态", "kind": "news", "first_level": True, "newest": ago(2)},
                    {"name": "通知公告", "kind": "notice", "first_level": True, "newest": ago(10)},
                    {"name": "政策文件", "kind": "policy", "first_level": True, "newest": ago(20)}],
        "consultation_channels": [{"kind": "consultation"}],
        "messages": [{"asked": ago(10), "answered": ago(5)}],
    }


def table_doc() -> dict[str, Any]:
    return tomllib.loads(TABLE_TEXT)


def table(change: Callable[[dict[str, Any]], None] | None = None) -> IndicatorTable:
    doc = table_doc()
    if change is not None:
        change(doc)
    return parse_indicators(doc, "indicators.toml")


TABLE = table()


def facts(change: Callable[[dict[str, Any]], None] | None = None, as_of: date = AS_OF) -> Facts:
    doc = copy.deepcopy(clean())
    if change is not None:
        change(doc)
    return parse_facts(doc, as_of)


def run(change: Callable[[dict[str, Any]], None] | None = None, *, rules: VetoRules | None = None,
        tab: IndicatorTable | None = None) -> ScoreResult:
    return score(facts(change), tab or TABLE, rules or VetoRules(), AS_OF)


def status(result: ScoreResult, item: str) -> str:
    return next(v.status for v in result.veto_items if v.item == item)


def cols(kind: str, n: int, newest: str | None, first_level: bool = True) -> list[dict[str, Any]]:
    return [{"name": f"{kind}{i}", "kind": kind, "first_level": first_level, "newest": newest} for i in range(n)]


def manual(*entries: tuple[str, float] | tuple[str, float, str]) -> Callable[[dict[str, Any]], None]:
    """Manual deductions (indicator, points[, problem])."""
    def change(doc: dict[str, Any]) -> None:
        doc["deductions"] = [{"indicator": e[0], "points": e[1], "note": f"人工扣分{i}",
                              **({"problem": e[2]} if len(e) > 2 else {})} for i, e in enumerate(entries)]
    return change
