"""Which inspection findings a correct checker reports for each declared fault.

:func:`expected_findings` is pure. Every finding is ``{check, kind, location}`` with ``location``
the exact URL a check reports: the homepage URL (availability, homepage, identity, defacement
drift), the column URL (column freshness, no consultation channel), the page or attachment URL
(content errors), the message URL (unanswered messages), the broken or foreign URL (dead links,
external scripts, hidden links).

Returned keys:

- ``findings``: what the fault must produce (all of them), except when ``findings_required`` is
  false (robustness faults): then they are merely allowed, and ``no_crash`` is true: the run
  must survive the page and may report it or raise a clear ``CheckError``.
- ``allowed``: side effects a correct checker may also report (never required), e.g. a dead-link
  crawler that cannot resolve a foreign script's ``.example`` domain.
- ``activation`` (defacement only): ``{"mode": "manual"|"start", "how": ...}``: a manual fault is
  dormant until ``FleetHandle.activate(site_code, "defacement")``; take the baseline first.

Rule values used to decide "unambiguously breached" (a declaration inside the grey zone of a
configurable window lists its findings as allowed instead of required).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.i18n import demo as text
from demo import guides, inject
from demo.entries import dead_links, entries, homepage_newest, interpreted, second_level_newest, today, unanswered
from demo.faults import ROBUSTNESS_KINDS, UNREACHABLE_KINDS, Fault
from demo.fleet import FleetSpec, SiteSpec

HOMEPAGE_WINDOW_DAYS = 14  # 首页 2 weeks [firm]
GUIDE_MISSING_ELEMENTS = 4  # [veto] guide_missing_elements default (provisional)
INTERPRETATION_LOOKBACK = 365  # policy_interpretation's look-back, days
SURE_INSIDE = 300  # entries younger than this are in the look-back whatever year a list's "[MM-DD]" suggests
MIN_RATIO = 0.5  # policy_interpretation's min_ratio default (provisional)
TLS_WARNING_DAYS = 30  # identity check's default warning window
# Column age from which every reasonable window calls a column stale: news 2 weeks, notice/policy
# 6 months [firm]; the others "long not updated" [configurable]: more than a year is unambiguous.
STALE_FROM_DAYS = {"news": 15, "notice": 185, "policy": 185, "personnel": 366, "planning": 366,
                   "consultation": 366}


def _f(check: str, kind: str, location: str) -> dict[str, str]:
    return {"check": check, "kind": kind, "location": location}


def expected_findings(spec: FleetSpec, site: SiteSpec, fault: Fault) -> dict[str, Any]:
    """``{"findings": [...], "allowed": [...], "findings_required": bool, ...}`` for one fault."""
    required, allowed, extra = _by_kind(spec, site, fault)
    robust = fault.kind in ROBUSTNESS_KINDS
    out: dict[str, Any] = {"findings": required, "allowed": allowed, "findings_required": not robust, **extra}
    if robust:
        out["allowed"] = [*required, *allowed]
        out["no_crash"] = True
    return out


def site_expectations(spec: FleetSpec, site: SiteSpec) -> dict[str, Any]:
    """Findings that hold of a site whatever its faults: its search answers nothing for the check's term when
    no entry title holds it (none does on a clean site of the default fleet, tests/demo check it). Only
    allowed on a site a fault makes unreachable (its page checks may not run). IPv6 is not judged: demo sites
    are registered by IPv4 address."""
    home = site.url
    found = []
    kinds = {f.kind for f in spec.faults_for(site.code)}
    if not kinds & {"no_search", "search_broken"} and not guides.search_results(spec, site, guides.SEARCH_TERM):
        found.append(_f("site_functions", "search_broken", home))
    if kinds & UNREACHABLE_KINDS:
        return {"findings": [], "allowed": found}
    return {"findings": found, "allowed": []}


def _homepage_old(spec: FleetSpec, site: SiteSpec) -> bool:
    newest = homepage_newest(spec, site)
    return newest is not None and (today(spec) - newest).days > HOMEPAGE_WINDOW_DAYS


def _by_kind(spec: FleetSpec, site: SiteSpec, fault: Fault) -> tuple[list[Any], list[Any], dict[str, Any]]:
    p, home, kind = fault.params, site.url, fault.kind
    if kind in ("down", "error_status"):
        return [_f("availability", "probe_failures", home)], [], {}
    if kind == "slow":
        failing = p["delay_s"] >= spec.probe_timeout
        return ([_f("availability", "probe_failures", home)] if failing else []), [], {}
    if kind == "tls_expired":
        return [_f("availability", "probe_failures", home), _f("identity", "tls_invalid", home)], [], {}
    if kind == "tls_expiring":
        hit = [_f("identity", "tls_expiring", home)]
        return (hit, [], {}) if p["days"] <= TLS_WARNING_DAYS else ([], hit, {})
    if kind in ("stale_column", "blank_column"):
        url = site.abs_url(site.column(p["column"]).path)
        side = [_f("homepage_update", "homepage_stale", home)] if _homepage_old(spec, site) else []
        if kind == "blank_column":
            if p["column"] == "consultation":
                side.append(_f("interaction", "no_channel", url))
            return [_f("column_freshness", "column_blank", url)], side, {}
        stale = [_f("column_freshness", "column_stale", url)]
        if p["days"] >= STALE_FROM_DAYS[p["column"]]:
            return stale, side, {}
        return [], [*stale, _f("column_freshness", "column_due", url), *side], {}
    if kind == "homepage_stale":
        return _homepage(home, p["days"])
    if kind == "dead_links":
        return [_f("dead_links", "dead_link_homepage" if d.page == "/" else "dead_link_page", d.target)
                for d in dead_links(spec, site)], [], {}
    return _inspection(spec, site, fault)


def _homepage(home: str, days: int) -> tuple[list[Any], list[Any], dict[str, Any]]:
    hit = [_f("homepage_update", "homepage_stale", home)]
    if days > HOMEPAGE_WINDOW_DAYS:
        return hit, [], {}
    return [], [*hit, _f("homepage_update", "homepage_due", home)], {}


def _inspection(spec: FleetSpec, site: SiteSpec, fault: Fault) -> tuple[list[Any], list[Any], dict[str, Any]]:
    p, home, kind = fault.params, site.url, fault.kind
    if kind == "content_error":
        planted = [e for e in inject.content_errors(spec, site) if e.fault == fault]
        return [_f("content_errors", e.error, site.abs_url(e.location)) for e in planted], [], {
            "pages": [{"page": site.abs_url(e.article), "location": site.abs_url(e.location), "text": e.text,
                       "expected": p["expected"], "sentence": e.sentence} for e in planted]}
    if kind == "unanswered_message":
        day = today(spec)
        return [_f("interaction", "message_unanswered", site.abs_url(e.path)) for e in unanswered(spec, site)], [], {
            "messages": [{"url": site.abs_url(e.path), "asked": e.day.isoformat(), "days_open": (day - e.day).days}
                         for e in unanswered(spec, site)]}
    if kind == "no_consultation":
        url = site.abs_url(site.column("consultation").path)
        return [_f("interaction", "no_channel", url)], [_f("column_freshness", "column_unreadable", url)], {}
    if kind in ("defacement", "external_script"):
        active = frozenset({"defacement"})
        scripts = [u for u in inject.external_scripts(spec, site, active)
                   if (kind == "defacement") == u.endswith("/hm.js")]
        found = [_f("defacement", "external_script", u) for u in scripts]
        side = [_f("dead_links", "dead_link_homepage", u) for u in scripts]
        if kind == "external_script":
            return found, side, {}
        how = f"FleetHandle.activate({site.code!r}, 'defacement')"
        return [_f("defacement", "fingerprint_drift", home), *found], side, {
            "activation": {"mode": p["activation"], "how": how if p["activation"] == "manual" else "active from start",
                           "baseline_first": True}}
    if kind == "hidden_link":
        links = inject.hidden_links(spec, site)
        return [_f("defacement", "hidden_link", u) for u, _a, _s in links], [
            *(_f("dead_links", "dead_link_homepage", u) for u, _a, _s in links),
            _f("content_errors", "banned_word", home)], {}
    if kind == "identity_missing":
        return [_f("identity", f"missing_{p['which']}", home)], [], {}
    if kind == "navigation_homepage":
        newest = second_level_newest(spec, site)
        extra = {"channels": [site.abs_url(f"/{slug}/index.html") for slug, _n, _k in text.CHANNELS],
                 "second_level_newest_date": newest.isoformat() if newest else None}
        if p["second_level"] == "fresh":
            return [], [], extra
        req, allowed, _ = _homepage(home, p["days"])
        return req, allowed, extra
    if kind == "gbk_no_charset":
        url = site.abs_url(site.column(p["column"]).path)
        return [_f("column_freshness", "column_unreadable", url)], [], {"pages": [home, url]}
    if kind in ("incomplete_guides", "online_service_down", "no_search", "search_broken", "no_correction_entry"):
        return _functions(spec, site, fault)
    if kind in ("interpretation_unlinked", "policy_unlinked", "few_interpretations"):
        return _interpretation(spec, site, fault)
    if kind in ("huge_page", "redirect_loop"):
        url = site.abs_url(text.SPECIAL_PAGES[kind][0])
        return [_f("dead_links", "dead_link_homepage", url)], [], {"page": url}
    raise ValueError(f"fault kind {kind!r} has no expected findings")


def _functions(spec: FleetSpec, site: SiteSpec, fault: Fault) -> tuple[list[Any], list[Any], dict[str, Any]]:
    home, kind = site.url, fault.kind
    if kind == "incomplete_guides":
        hits = [_f("service_guides", "guide_incomplete", site.abs_url(g.path)) for g in guides.guides(spec, site)
                if g.missing]
        sure = fault.params["missing"] >= GUIDE_MISSING_ELEMENTS
        return (hits, [], {}) if sure else ([], hits, {})
    if kind == "online_service_down":
        down = [site.abs_url(g.online_path) for g in guides.guides(spec, site) if g.online_down]
        # the crawler may reach the systems too (three links deep): dead links there are true
        return ([_f("service_guides", "online_service_broken", u) for u in down],
                [_f("dead_links", "dead_link_page", u) for u in down], {})
    which = {"no_search": "search_missing", "search_broken": "search_broken",
             "no_correction_entry": "correction_missing"}[kind]
    return [_f("site_functions", which, home)], [], {}


def _interpretation(spec: FleetSpec, site: SiteSpec, fault: Fault) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """Findings inside the look-back are required only well inside it: a list that prints no year leaves
    the year of an entry near the edge to inference."""
    day = today(spec)
    since, sure = day - timedelta(days=INTERPRETATION_LOOKBACK), day - timedelta(days=SURE_INSIDE)
    policies = entries(spec, site, "policy")
    year = [p for p in policies if since <= p.day <= day]
    ratio = _f("policy_interpretation", "interpretation_ratio_low", site.abs_url(site.column("policy").path))
    if fault.kind == "interpretation_unlinked":
        its = entries(spec, site, "interpretation")
        found = [(e.day, _f("policy_interpretation", "interpretation_unlinked", site.abs_url(e.path))) for e in its]
        required = [f for d, f in found if d >= sure]
        return ([*required, ratio] if required else required), [f for _, f in found] + [ratio], {}
    if fault.kind == "policy_unlinked":
        found = [(p.day, _f("policy_interpretation", "policy_unlinked", site.abs_url(p.path)))
                 for i, p in enumerate(policies) if interpreted(spec, site, i)]
        return [f for d, f in found if d >= sure], [f for _, f in found], {}
    share = sum(interpreted(spec, site, policies.index(p)) for p in year) / len(year) if year else 1.0
    sure_low = len(year) >= 3 and share < MIN_RATIO - 0.05 and all(p.day >= sure for p in year[:3])
    return ([ratio] if sure_low else []), [ratio], {"interpretation_ratio": round(share, 4)}
