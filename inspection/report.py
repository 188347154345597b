"""What ``inspect`` prints, built from plain data (pure; runtime/inspect_cli.py does the I/O).

- :func:`format_table`: open findings as an aligned table, times in the configured zone, hint kinds
  (our own monitoring, e.g. ``probe_coverage``) left out: :func:`hint_lines` says them once per kind.
- :func:`failure_lines`: runs that could not judge, one line per (check, outcome, reason).
- :func:`verdict_dicts` / :func:`verdict_lines`: the veto verdicts, with their data sufficiency.
- :func:`summary_line`: the one-line summary; :func:`json_document`: the ``--format json`` output.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from core.i18n.inspection import (
    CLI,
    FINDING_KIND,
    RUN_STATUS,
    SEVERITY,
    VETO_ITEM,
    VETO_STATUS,
    sufficiency_text,
)
from core.severity import Severity
from inspection.catalog import CHECK_LABEL
from inspection.veto import AT_RISK, BREACHED, INSUFFICIENT, SiteVerdict

HINT_KINDS = ("probe_coverage",)  # findings about how much we measured, not about the site
NAMES_SHOWN = 3  # site codes written out in a collapsed line


def local_time(iso: str | None, tz: tzinfo) -> str:
    """An ISO time as "2026-11-27 15:00" in ``tz`` ("" for None; a naive time is UTC)."""
    if not iso:
        return ""
    t = datetime.fromisoformat(iso)
    if t.tzinfo is None:
        from datetime import UTC

        t = t.replace(tzinfo=UTC)
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def duration_text(seconds: float) -> str:
    """"42 秒", "3 分 12 秒", "1 小时 5 分"."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分 {s % 60} 秒"
    return f"{s // 3600} 小时 {s % 3600 // 60} 分"


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _cut(s: str, limit: int) -> str:
    out, w = "", 0
    for ch in " ".join(s.split()):
        w += _width(ch)
        if w > limit - 1:
            return out + "…"
        out += ch
    return out


def split_hints(rows: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], dict[str, list[Any]]]:
    """(findings about the sites, {hint kind: its rows})."""
    hints: dict[str, list[Any]] = defaultdict(list)
    rest: list[Mapping[str, Any]] = []
    for r in rows:
        (hints[r["kind"]] if r["kind"] in HINT_KINDS else rest).append(r)
    return rest, dict(hints)


def format_table(rows: Sequence[Mapping[str, Any]], tz: tzinfo, zone: str) -> str:
    """Findings as an aligned plain-text table with Chinese headers (wide characters count double),
    first seen in ``tz`` (the header names the zone); "未发现问题" when there is none."""
    if not rows:
        return CLI["no_findings"]
    limits = (14, 14, 22, 6, 60, 70, 10, 4, 17)
    header = [*CLI["header"][:-1], f"{CLI['header'][-1]}（{zone}）"]
    body = [[r["site_code"], CHECK_LABEL.get(r["check"], r["check"]), FINDING_KIND.get(r["kind"], r["kind"]),
             SEVERITY.get(r["severity"], r["severity"]), r["location"], r["detail"], r["deadline"] or "",
             CLI["yes"] if r["veto"] else CLI["no"], local_time(r["first_seen"], tz)] for r in rows]
    table = [header, *[[_cut(str(v), lim) for v, lim in zip(row, limits, strict=True)] for row in body]]
    widths = [max(_width(row[i]) for row in table) for i in range(len(limits))]
    return "\n".join("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
                     for row in table)


def _codes(codes: Sequence[str]) -> str:
    shown = "、".join(codes[:NAMES_SHOWN])
    return shown + (CLI["and_more"].format(n=len(codes)) if len(codes) > NAMES_SHOWN else "")


def _range(values: Sequence[int]) -> str:
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def hint_lines(hints: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[str]:
    """One line per hint kind: "监测次数不足：132 个网站（已有 5–20/140 次监测）"."""
    out = []
    for kind in HINT_KINDS:
        rows = hints.get(kind) or []
        if not rows:
            continue
        sites = sorted({r["site_code"] for r in rows})
        line = CLI["hint"].format(kind=FINDING_KIND.get(kind, kind), n=len(sites))
        have = [int(r["evidence"]["probes_counted"]) for r in rows if "probes_counted" in (r.get("evidence") or {})]
        need = {int(r["evidence"]["probes_needed"]) for r in rows if "probes_needed" in (r.get("evidence") or {})}
        if have and len(need) == 1:  # the one wording of a look-back rule's progress (sufficiency_text)
            line += f"（{sufficiency_text(_range(have), need.pop(), 'probes')}）"
        out.append(line)
    return out


def failure_lines(outcomes: Sequence[Any]) -> list[str]:
    """Runs that did not end ``ok``, one line per (check, status, reason) with the sites it hit."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for o in outcomes:
        if o.status != "ok":
            groups[(o.check, o.status, o.error or "")].append(o.site_code)
    return [CLI["run_failed"].format(check=CHECK_LABEL.get(check, check), status=RUN_STATUS.get(status, status),
                                     n=len(codes), sites=_codes(sorted(codes)), error=error)
            for (check, status, error), codes in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def _item_dict(i: Any) -> dict[str, Any]:
    s = i.sufficiency
    return {"item_code": i.item_code, "label": i.label_zh, "status": i.status,
            "status_label": VETO_STATUS.get(i.status, i.status), "count": i.count, "threshold": i.threshold,
            "days_to_breach": i.days_to_breach, "deadline": i.deadline.isoformat() if i.deadline else None,
            "have": s.have if s else None, "need": s.need if s else None, "unit": s.unit if s else None,
            "sufficient": s.enough if s else None}


def verdict_dicts(verdicts: Sequence[SiteVerdict], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """JSON-ready verdicts: per site ``vetoed``, ``at_risk``, ``insufficient`` and every item with its
    status and sufficiency (``have``/``need``/``unit``/``sufficient``; null for items without a window)."""
    return [{"site_code": v.site_code, "site_name": names.get(v.site_code, ""), "vetoed": v.vetoed,
             "at_risk": v.veto_risk and not v.vetoed, "insufficient": v.insufficient and not v.veto_risk,
             "items": [_item_dict(i) for i in v.items]} for v in verdicts]


def verdict_lines(verdicts: Sequence[SiteVerdict], names: Mapping[str, str]) -> list[str]:
    """Items that hold or are close, one line per site and item; items short of data collapsed into one
    line per item ("站点无法访问 数据不足：132 个网站（已有 5–20/140 次监测）")."""
    out: list[str] = []
    short: dict[str, list[Any]] = defaultdict(list)
    for v in verdicts:
        for i in v.items:
            if i.status in (BREACHED, AT_RISK):
                when = CLI["days_left"].format(n=i.days_to_breach) if i.days_to_breach is not None else ""
                out.append(CLI["verdict"].format(code=v.site_code, name=names.get(v.site_code, ""),
                                                 item=VETO_ITEM[i.item_code], status=VETO_STATUS[i.status],
                                                 when=when))
            elif i.status == INSUFFICIENT:
                short[i.item_code].append((v.site_code, i.sufficiency))
    for code, found in short.items():
        suff = [s for _, s in found if s is not None]
        coverage = ""
        if suff and len({s.need for s in suff}) == 1:
            coverage = f"（{sufficiency_text(_range([s.have for s in suff]), suff[0].need, suff[0].unit)}）"
        out.append(CLI["verdict_short"].format(item=VETO_ITEM[code], status=VETO_STATUS[INSUFFICIENT],
                                               n=len(found), coverage=coverage))
    return out


def verdict_counts(verdicts: Sequence[SiteVerdict]) -> tuple[int, int, int]:
    """(vetoed, at risk and not vetoed, short of data and neither)."""
    return (sum(v.vetoed for v in verdicts), sum(v.veto_risk and not v.vetoed for v in verdicts),
            sum(v.insufficient and not v.veto_risk for v in verdicts))


def summary_line(sites: int, outcomes: Sequence[Any], rows: Sequence[Mapping[str, Any]],
                 verdicts: Sequence[SiteVerdict], elapsed_s: float) -> str:
    """One line: sites and runs, open findings by severity, vetoed / at risk / short of data.

    Findings are counted as the table shows them: monitoring hints (:data:`HINT_KINDS`, about how much we
    measured, folded into one line per kind) are not problems of the sites and are not counted."""
    found, _ = split_hints(rows)
    status = Counter(o.status for o in outcomes)
    sev = Counter(r["severity"] for r in found)
    by_sev = "，".join(f"{SEVERITY[s.value]} {sev[s.value]}" for s in Severity)
    vetoed, at_risk, short = verdict_counts(verdicts)
    return CLI["summary"].format(sites=sites, runs=len(outcomes), ok=status["ok"], error=status["error"],
                                 timeout=status["timeout"], elapsed=duration_text(elapsed_s), findings=len(found),
                                 by_severity=by_sev, vetoed=vetoed, at_risk=at_risk, insufficient=short)


def coverage_dicts(stats: Mapping[str, Mapping[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Whole-site coverage per site, from the newest dead_links run's stats (``stats``: code -> stats; sites
    whose run carries no coverage left out): pages known, checked within the cycle, percent."""
    return [{"site_code": code, "site_name": names.get(code, ""), "known": int(st["coverage_known"]),
             "checked": int(st["coverage_checked"]), "percent": float(st["coverage_pct"])}
            for code, st in sorted(stats.items()) if "coverage_known" in st]


def coverage_lines(coverage: Sequence[Mapping[str, Any]]) -> list[str]:
    """"覆盖：湖南省人民政府门户网站 已知 5,012 页，本周期已检查 3,200 页（63.8%）", one line per site."""
    return [CLI["coverage"].format(name=c["site_name"] or c["site_code"], known=c["known"], checked=c["checked"],
                                   pct=c["percent"]) for c in coverage]


def json_document(as_of: datetime, rows: Sequence[Mapping[str, Any]], verdicts: Sequence[SiteVerdict],
                  names: Mapping[str, str], outcomes: Sequence[Any],
                  coverage: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """``--format json``: one object (it was a bare list of findings before issue 8) with ``as_of`` and
    every time in UTC ISO 8601, ``timezone`` ("UTC"); ``findings`` (the open findings, each row as the old
    list's); ``verdicts`` (veto items with their sufficiency); ``runs`` (how each (site, check) run ended);
    ``coverage`` (:func:`coverage_dicts`)."""
    return {"as_of": as_of.isoformat(), "timezone": "UTC", "findings": list(rows),
            "verdicts": verdict_dicts(verdicts, names),
            "runs": [{"site_code": o.site_code, "check": o.check, "status": o.status, "error": o.error}
                     for o in outcomes], "coverage": list(coverage)}
