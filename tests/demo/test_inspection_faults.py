"""Inspection fault kinds: declarations, the default mix and the ground truth's expect.findings (no server)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.i18n import demo as text
from demo.entries import entries, today
from demo.faults import (
    CONTENT_ERROR_KINDS,
    IDENTITY_ITEMS,
    KINDS,
    NEAR_MISS_ERROR_KINDS,
    ROBUSTNESS_KINDS,
    FaultError,
    check_unique,
    default_faults,
    make_fault,
)
from demo.fleet import FleetSpec
from demo.routes import resolve
from demo.truth import finding_sets

SITE = "4301020001"
FINDING_KEYS = {"check", "kind", "location"}


def test_new_kinds_fill_defaults() -> None:
    assert make_fault("content_error", SITE).params == {
        "error": "wrong_formulation", "text": "一路一带", "expected": "一带一路", "where": "article"}
    assert make_fault("content_error", SITE, {"error": "banned_word"}).params["text"] == "六合彩"
    # A text of one's own has no known correct form unless given.
    assert make_fault("content_error", SITE, {"text": "某某"}).params["expected"] == ""
    assert make_fault("unanswered_message", SITE).params == {"days": 120}
    assert make_fault("defacement", SITE).params["activation"] == "manual"
    assert make_fault("identity_missing", SITE).params == {"which": "icp"}
    assert make_fault("navigation_homepage", SITE).params == {"second_level": "fresh", "days": 20}
    assert make_fault("huge_page", SITE).params == {"mb": 12}
    assert make_fault("redirect_loop", SITE).params == {}


@pytest.mark.parametrize(("kind", "params", "key"), [
    ("content_error", {"error": "typo"}, "error"),
    ("content_error", {"text": "<script>"}, "text"),
    ("content_error", {"text": ""}, "text"),
    ("content_error", {"where": "xls"}, "where"),
    ("unanswered_message", {"days": 60}, "days"),  # not yet over the 3-month rule
    ("unanswered_message", {"days": 400}, "days"),  # outside the one-year look-back
    ("defacement", {"activation": "later"}, "activation"),
    ("external_script", {"domain": "cdn.example.com"}, "domain"),  # a real, resolvable name
    ("hidden_link", {"style": "tiny"}, "style"),
    ("identity_missing", {"which": "phone"}, "which"),
    ("navigation_homepage", {"second_level": "old"}, "second_level"),
    ("gbk_no_charset", {"column": "sports"}, "column"),
    ("huge_page", {"mb": 2}, "mb"),
    ("redirect_loop", {"hops": 3}, "hops"),
])
def test_bad_parameters_name_the_key(kind: str, params: dict[str, Any], key: str) -> None:
    with pytest.raises(FaultError, match=f"key '{key}'"):
        make_fault(kind, SITE, params, where="fault file x.toml: entry #3")


def test_conflicting_inspection_faults_are_refused() -> None:
    with pytest.raises(FaultError, match="navigation_homepage and homepage_stale"):
        check_unique([make_fault("navigation_homepage", SITE), make_fault("homepage_stale", SITE)])
    with pytest.raises(FaultError, match="needs a reachable site"):
        check_unique([make_fault("error_status", SITE), make_fault("hidden_link", SITE)])
    with pytest.raises(FaultError, match="already has a identity_missing fault for psb"):
        check_unique([make_fault("identity_missing", SITE, {"which": "psb"})] * 2)
    # Different error kinds or footer items on one site are fine.
    check_unique([make_fault("content_error", SITE, {"error": e}) for e in CONTENT_ERROR_KINDS]
                 + [make_fault("identity_missing", SITE, {"which": w}) for w in IDENTITY_ITEMS])


def test_default_mix_has_every_kind_and_variant(default_spec: FleetSpec) -> None:
    faults = default_spec.faults
    assert {f.kind for f in faults} == set(KINDS)
    assert sorted(f.params["second_level"] for f in faults if f.kind == "navigation_homepage") == ["fresh", "stale"]
    errors = [f for f in faults if f.kind == "content_error"]
    assert sorted(f.params["error"] for f in errors) == sorted(CONTENT_ERROR_KINDS)
    attached = [f.params["error"] for f in errors if f.params["where"] in ("pdf", "docx")]
    assert len(attached) == 2 and len(set(attached) & set(NEAR_MISS_ERROR_KINDS)) == 1  # one of each family
    assert sorted(f.params["which"] for f in faults if f.kind == "identity_missing") == sorted(IDENTITY_ITEMS)
    again = default_faults(default_spec.seed, [(s.code, s.https) for s in default_spec.sites
                                               if s.level != "provincial_portal"], default_spec.probe_timeout)
    assert again == list(faults)


def test_every_fault_lists_expected_findings(default_spec: FleetSpec) -> None:
    truth = json.loads(json.dumps(default_spec.ground_truth()))
    for f in truth["faults"]:
        exp = f["expect"]
        assert isinstance(exp["findings"], list) and isinstance(exp["allowed"], list), f["kind"]
        assert all(set(x) == FINDING_KEYS for x in exp["findings"] + exp["allowed"]), f["kind"]
        assert exp["findings_required"] is (f["kind"] not in ROBUSTNESS_KINDS)
        assert exp.get("no_crash", False) is (f["kind"] in ROBUSTNESS_KINDS)
        fresh_nav = f["kind"] == "navigation_homepage" and f["params"]["second_level"] == "fresh"
        assert bool(exp["findings"]) is not fresh_nav, f["kind"]  # every fault but the fresh navigation is seen
        assert exp["probe_ok"] is (f["kind"] not in ("down", "error_status", "slow", "tls_expired"))
    by_kind = {}
    for f in truth["faults"]:
        by_kind.setdefault(f["kind"], []).append(f)
    site = {s["code"]: s for s in truth["sites"]}
    expected_kinds = {
        "down": {("availability", "probe_failures")}, "tls_expired": {("availability", "probe_failures"),
                                                                      ("identity", "tls_invalid")},
        "tls_expiring": {("identity", "tls_expiring")}, "blank_column": {("column_freshness", "column_blank")},
        "stale_column": {("column_freshness", "column_stale")}, "homepage_stale": {("homepage_update",
                                                                                    "homepage_stale")},
        "unanswered_message": {("interaction", "message_unanswered")}, "no_consultation": {("interaction",
                                                                                            "no_channel")},
        "defacement": {("defacement", "fingerprint_drift"), ("defacement", "external_script")},
        "external_script": {("defacement", "external_script")}, "hidden_link": {("defacement", "hidden_link")},
    }
    for kind, pairs in expected_kinds.items():
        for f in by_kind[kind]:
            assert {(x["check"], x["kind"]) for x in f["expect"]["findings"]} == pairs, kind
    for f in by_kind["content_error"]:
        assert [x["kind"] for x in f["expect"]["findings"]] == [f["params"]["error"]]
    for f in by_kind["identity_missing"]:
        assert f["expect"]["findings"] == [{"check": "identity", "kind": f"missing_{f['params']['which']}",
                                            "location": site[f["site_code"]]["url"]}]
    for f in by_kind["dead_links"]:
        assert {x["location"] for x in f["expect"]["findings"]} == {d["target"] for d in f["expect"]["dead_links"]}
    deface = by_kind["defacement"][0]["expect"]
    assert deface["activation"]["mode"] == "manual" and "FleetHandle.activate" in deface["activation"]["how"]
    assert truth["activatable"] == [{"site_code": by_kind["defacement"][0]["site_code"], "kind": "defacement",
                                     "mode": "manual"}]


def test_finding_sets_leave_clean_sites_empty(default_spec: FleetSpec) -> None:
    truth = default_spec.ground_truth()
    required, allowed = finding_sets(truth)
    assert required <= allowed
    clean = {s["code"] for s in truth["sites"] if s["clean"]}
    assert len(clean) == len(truth["sites"]) - len({f["site_code"] for f in truth["faults"]})
    assert not {k for k in allowed if k[0] in clean}
    robust = {f["site_code"] for f in truth["faults"] if f["kind"] in ROBUSTNESS_KINDS}
    assert not {k for k in required if k[0] in robust}
    assert {k[1] for k in required} == {"availability", "homepage_update", "column_freshness", "dead_links",
                                        "content_errors", "interaction", "defacement", "identity",
                                        "site_functions", "service_guides", "policy_interpretation"}


def test_planted_content_is_where_the_truth_says(default_spec: FleetSpec) -> None:
    """Pure: the article or attachment at each content-error location carries the wrong text."""
    import io

    import docx
    import pypdf

    truth = {x["site_code"]: x for x in default_spec.ground_truth()["faults"] if x["kind"] == "content_error"}
    for f in (f for f in default_spec.faults if f.kind == "content_error"):
        site = default_spec.site(f.site_code)
        [loc] = truth[f.site_code]["expect"]["findings"]
        r = resolve(default_spec, site, loc["location"].removeprefix(site.url.rstrip("/")))
        assert r.status == 200
        if f.params["where"] == "pdf":
            body = pypdf.PdfReader(io.BytesIO(r.body)).pages[0].extract_text()
        elif f.params["where"] == "docx":
            body = "\n".join(p.text for p in docx.Document(io.BytesIO(r.body)).paragraphs)
        else:
            body = r.body.decode()
        assert f.params["text"] in body, (f.params, loc)


def _site_paths(spec: FleetSpec, code: str) -> list[str]:
    site = spec.site(code)
    paths = ["/"] + [c.path for c in site.columns]
    for c in site.columns:
        paths += [e.path for e in entries(spec, site, c.kind)]
    return paths


def test_clean_sites_are_clean_for_every_check(default_spec: FleetSpec) -> None:
    """Every page of three clean sites, every clean homepage: nothing any inspection check could flag."""
    spec = default_spec
    clean = [s for s in spec.sites if not spec.faults_for(s.code)]
    wrong_texts = [w for w, _right in text.CONTENT_ERRORS.values()] + list(text.HIDDEN_LINK_TEXTS)
    pages = [(s, "/") for s in clean]
    for code in (clean[0].code, clean[len(clean) // 2].code, clean[-1].code):
        pages += [(spec.site(code), p) for p in _site_paths(spec, code)]
    day = today(spec)
    for site, path in pages:
        r = resolve(spec, site, path)
        assert r.status == 200 and r.content_type == "text/html; charset=utf-8", (site.code, path)
        doc = r.body.decode()
        assert not [w for w in wrong_texts if w in doc], (site.code, path)
        assert "display:none" not in doc and "-9999px" not in doc and "<iframe" not in doc
        assert doc.count("<script") == 1 and '<script src="/static/js/main.js" defer>' in doc
        assert text.LABEL["site_code"] + site.code in doc and site.icp in doc and site.psb in doc
        assert "未答复" not in doc
    for site in clean:
        for e in entries(spec, site, "consultation"):
            assert e.replied is not None and (e.replied - e.published).days <= 90
            assert (day - e.day).days <= 365


def test_inspection_dictionary_knows_the_demo_texts_and_clean_pages_miss_it(default_spec: FleetSpec) -> None:
    """data/inspection/dictionary.toml (the content check's) holds every default dictionary wrong text under
    its kind, the lexicon's near-miss matcher finds the others, and no dictionary wrong text occurs on a clean
    site's pages."""
    import tomllib

    from core.config import PROJECT_ROOT
    from inspection.lexicon import load_matcher

    doc = tomllib.loads((PROJECT_ROOT / "data/inspection/dictionary.toml").read_text(encoding="utf-8"))
    _lexicon, matcher = load_matcher(PROJECT_ROOT / "data/inspection/lexicon", PROJECT_ROOT)
    entries_ = {(e["kind"], e["wrong"]): e.get("correct", "") for e in doc["entry"]}
    for kind, (wrong, right) in text.CONTENT_ERRORS.items():
        if kind in NEAR_MISS_ERROR_KINDS:  # a slip no dictionary lists: only near-miss detection finds it
            assert all(wrong not in w for _k, w in entries_), (kind, wrong)
            [hit] = matcher.scan(text.CONTENT_ERROR_SENTENCES[kind].format(text=wrong))
            assert (hit.kind, hit.matched, hit.expected) == (kind, wrong, right)
        else:
            assert entries_.get((kind, wrong)) == right, (kind, wrong)
    spec = default_spec
    clean = [s for s in spec.sites if not spec.faults_for(s.code)]
    pages = [(s, "/") for s in clean] + [(clean[1], p) for p in _site_paths(spec, clean[1].code)]
    for site, path in pages:
        doc_text = resolve(spec, site, path).body.decode()
        assert not [w for _k, w in entries_ if w in doc_text], (site.code, path)
