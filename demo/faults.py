"""Declared faults of the demo fleet: one :class:`Fault` per (kind, site), validated on creation.

A fault is data, never behaviour: the server and the page builders read it. Every
kind lists its parameters with defaults; :func:`make_fault` fills the defaults and
raises :class:`FaultError` naming the entry and the key for a bad value.
:func:`load_fault_file` reads the TOML form (``[[fault]]`` tables) and
:func:`default_faults` draws the seeded default mix. Pure apart from reading the file.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

COLUMN_KINDS = ("news", "notice", "policy", "personnel", "planning", "consultation")

# Days a column may go without an update before the national checklist flags it; the
# stale defaults sit well past these so a declared stale column is unambiguous.
STALE_DEFAULT_DAYS = {"news": 30, "notice": 200, "policy": 200, "personnel": 400, "planning": 400,
                      "consultation": 30}

KINDS = ("down", "error_status", "slow", "tls_expiring", "tls_expired", "stale_column", "blank_column",
         "homepage_stale", "dead_links",
         # Inspection faults: content, interaction, security and identity problems a checker must find.
         "content_error", "unanswered_message", "no_consultation", "defacement", "external_script",
         "hidden_link", "identity_missing", "navigation_homepage",
         # Robustness faults: malformed pages a checker must survive.
         "gbk_no_charset", "huge_page", "redirect_loop",
         # Services and site functions (demo/guides.py), added later: drawn last in the default mix.
         "incomplete_guides", "online_service_down", "no_search", "search_broken", "no_correction_entry",
         "interpretation_unlinked", "policy_unlinked", "few_interpretations")
# Kinds added after the default mix was first drawn: placed after every other draw, so the sites the earlier
# kinds fall on stay the same.
LATE_KINDS = ("incomplete_guides", "online_service_down", "no_search", "search_broken", "no_correction_entry",
              "interpretation_unlinked", "policy_unlinked", "few_interpretations")
INSPECTION_KINDS = frozenset(KINDS[9:])
ROBUSTNESS_KINDS = frozenset({"gbk_no_charset", "huge_page", "redirect_loop"})
# Kinds whose effect can be switched on at run time (a checker takes its baseline first).
ACTIVATABLE_KINDS = frozenset({"defacement"})
# Content errors by finding kind: dictionary entries (listed wrong forms), then near misses of the lexicon's
# canonical terms (one-character homophone / look-alike slips no dictionary lists).
DICTIONARY_ERROR_KINDS = ("wrong_name", "wrong_formulation", "banned_word")
NEAR_MISS_ERROR_KINDS = ("misspelt_name", "misspelt_place", "misspelt_formulation")
CONTENT_ERROR_KINDS = DICTIONARY_ERROR_KINDS + NEAR_MISS_ERROR_KINDS
IDENTITY_ITEMS = ("site_code", "icp", "psb")

# Kinds that make a site unreachable or unusable for visitors (and for links from other sites).
UNREACHABLE_KINDS = frozenset({"down", "error_status", "slow", "tls_expired"})
TLS_KINDS = frozenset({"tls_expiring", "tls_expired"})


class FaultError(ValueError):
    """A fault declaration is invalid; the message names the file/entry and the key."""


@dataclass(frozen=True)
class Fault:
    """One declared fault on one site; ``params`` holds every parameter, defaults filled in."""

    kind: str
    site_code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.kind, self.site_code, tuple(sorted(self.params.items()))))

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "site_code": self.site_code, "params": dict(self.params)}


def _int_range(lo: int, hi: int) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(f"expected an integer {lo}-{hi}, got {v!r}")
        return v
    return check


def _positive_float(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
        raise ValueError(f"expected a number of seconds > 0, got {v!r}")
    return float(v)


def _choice(*options: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {v!r}")
        return str(v)
    return check


def _text(v: Any) -> str:
    if not isinstance(v, str) or not v.strip() or any(c in v for c in "<>&\"'\n"):
        raise ValueError(f"expected non-empty plain text (no markup or quotes), got {v!r}")
    return v.strip()


def _maybe_text(v: Any) -> str:
    return "" if v == "" else _text(v)


_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domain(v: Any) -> str:
    # External domains must never resolve to a real host: tests and demos load nothing from the internet.
    if not isinstance(v, str) or not _DOMAIN.match(v) or not v.endswith((".example", ".invalid", ".test")):
        raise ValueError(f"expected a lower-case domain under .example, .invalid or .test, got {v!r}")
    return v


_COLUMN = _choice(*COLUMN_KINDS)


def _schema(kind: str, probe_timeout: float) -> dict[str, tuple[Any, Callable[[Any], Any]]]:
    """Parameter name -> (default, validator) for one kind; ``None`` default = derived later."""
    schemas: dict[str, dict[str, tuple[Any, Callable[[Any], Any]]]] = {
        "down": {},
        "error_status": {"status": (503, _int_range(400, 599))},
        # Default delay exceeds the probe timeout so the probe reports the homepage as failed.
        "slow": {"delay_s": (probe_timeout + 5.0, _positive_float)},
        "tls_expiring": {"days": (10, _int_range(1, 365))},
        "tls_expired": {"days": (5, _int_range(1, 3650))},
        "stale_column": {"column": ("news", _COLUMN), "days": (None, _int_range(1, 3650))},
        "blank_column": {"column": ("notice", _COLUMN)},
        "homepage_stale": {"days": (20, _int_range(1, 3650))},
        "dead_links": {"count": (4, _int_range(1, 20)),
                       "where": ("both", _choice("homepage", "inner", "both"))},
        # `error` is the finding kind (TOML's `kind` names the fault); text/expected default per error.
        "content_error": {"error": ("wrong_formulation", _choice(*CONTENT_ERROR_KINDS)), "text": (None, _text),
                          "expected": (None, _maybe_text), "where": ("article", _choice("article", "pdf", "docx"))},
        # More than the rule's 3 months and within its one-year look-back.
        "unanswered_message": {"days": (120, _int_range(91, 365))},
        "no_consultation": {},
        "defacement": {"activation": ("manual", _choice("manual", "start")),
                       "domain": ("js.hm-tongji.example", _domain)},
        "external_script": {"domain": ("cdn.stat-analytics.example", _domain)},
        "hidden_link": {"domain": ("www.hg-yulecheng.example", _domain),
                        "style": ("display_none", _choice("display_none", "offscreen"))},
        "identity_missing": {"which": ("icp", _choice(*IDENTITY_ITEMS))},
        "navigation_homepage": {"second_level": ("fresh", _choice("fresh", "stale")),
                                "days": (20, _int_range(1, 3650))},
        "gbk_no_charset": {"column": ("notice", _COLUMN)},
        "huge_page": {"mb": (12, _int_range(11, 64))},
        "redirect_loop": {},
        # Five of six guides missing four elements: the 服务不实用 veto's provisional defaults, both reached.
        "incomplete_guides": {"guides": (5, _int_range(1, 6)), "missing": (4, _int_range(1, 10))},
        "online_service_down": {"systems": (3, _int_range(1, 6))},
        "no_search": {},
        "search_broken": {},
        "no_correction_entry": {},
        "interpretation_unlinked": {},  # interpretations name no policy
        "policy_unlinked": {},  # policies do not link back to their interpretations
        "few_interpretations": {},  # one policy in five interpreted (the ratio under the provisional 50 %)
    }
    return schemas[kind]


def make_fault(kind: str, site_code: str, params: Mapping[str, Any] | None = None, *,
               where: str = "fault", probe_timeout: float = 15.0) -> Fault:
    """A validated fault with defaults filled; raises :class:`FaultError` naming ``where`` and the key."""
    if kind not in KINDS:
        raise FaultError(f"{where}: key 'kind': unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
    if not (isinstance(site_code, str) and len(site_code) == 10 and site_code.isdigit()):
        raise FaultError(f"{where}: key 'site': expected a 10-digit site code, got {site_code!r}")
    schema = _schema(kind, probe_timeout)
    given = dict(params or {})
    unknown = sorted(set(given) - set(schema))
    if unknown:
        known = ", ".join(schema) or "none"
        raise FaultError(f"{where}: key {unknown[0]!r}: unknown parameter for {kind}; known: {known}")
    out: dict[str, Any] = {}
    for key, (default, check) in schema.items():
        if key in given:
            try:
                out[key] = check(given[key])
            except ValueError as exc:
                raise FaultError(f"{where}: key {key!r}: {exc}") from None
        else:
            out[key] = default
    if kind == "stale_column" and out["days"] is None:
        out["days"] = STALE_DEFAULT_DAYS[out["column"]]
    if kind == "content_error":
        from core.i18n.demo import CONTENT_ERRORS

        wrong, right = CONTENT_ERRORS[out["error"]]
        if out["expected"] is None:
            # The table's correct form belongs to the table's wrong text only.
            out["expected"] = right if out["text"] is None else ""
        if out["text"] is None:
            out["text"] = wrong
    return Fault(kind, site_code, out)


def _unique_key(f: Fault) -> str:
    """The parameter that lets one site carry a kind more than once (per column, error or item)."""
    for key in ("column", "error", "which"):
        if key in f.params:
            return str(f.params[key])
    return ""


def check_unique(faults: Sequence[Fault], where: str = "faults") -> None:
    """Raise if one site carries the same kind twice (per column for column kinds)."""
    seen: set[tuple[str, str, str]] = set()
    for i, f in enumerate(faults, 1):
        key = (f.site_code, f.kind, _unique_key(f))
        if key in seen:
            on = f" on column {key[2]}" if "column" in f.params else f" for {key[2]}"
            raise FaultError(f"{where}: entry #{i}: site {f.site_code} already has a {f.kind} fault"
                             + (on if key[2] else ""))
        seen.add(key)
    by_site: dict[str, set[str]] = {}
    for f in faults:
        by_site.setdefault(f.site_code, set()).add(f.kind)
    for code, kinds in by_site.items():
        if "down" in kinds and len(kinds) > 1:
            raise FaultError(f"{where}: site {code}: 'down' cannot be combined with {sorted(kinds - {'down'})}")
        if kinds >= TLS_KINDS:
            raise FaultError(f"{where}: site {code}: tls_expiring and tls_expired exclude each other")
        for a, b in _EXCLUSIVE:
            if a in kinds and b in kinds:
                raise FaultError(f"{where}: site {code}: {a} and {b} exclude each other")
        blocked = kinds & INSPECTION_KINDS
        if blocked and kinds & {"error_status", "tls_expired"}:
            # Nobody can inspect the pages of a site that answers only errors.
            raise FaultError(f"{where}: site {code}: {sorted(blocked)[0]} needs a reachable site, "
                             f"not one with {sorted(kinds & {'error_status', 'tls_expired'})[0]}")


# Pairs one site cannot carry together: they describe the same pages in contradicting ways.
_EXCLUSIVE = (("navigation_homepage", "homepage_stale"), ("no_consultation", "unanswered_message"),
              ("no_search", "search_broken"), ("interpretation_unlinked", "policy_unlinked"))


def load_fault_file(path: Path, site_codes: set[str], probe_timeout: float) -> list[Fault]:
    """Faults declared in a TOML file as ``[[fault]]`` tables with ``kind``, ``site`` and parameters.

    Raises :class:`FaultError` naming the file, the entry number and the key.
    """
    if not path.is_file():
        raise FaultError(f"fault file {path}: not found")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FaultError(f"fault file {path}: invalid TOML: {exc}") from None
    extra = sorted(set(doc) - {"fault"})
    if extra:
        raise FaultError(f"fault file {path}: key {extra[0]!r}: unknown top-level key; expected [[fault]] tables")
    entries = doc.get("fault", [])
    if not isinstance(entries, list):
        raise FaultError(f"fault file {path}: key 'fault': expected [[fault]] tables")
    faults: list[Fault] = []
    for i, entry in enumerate(entries, 1):
        where = f"fault file {path}: entry #{i}"
        if not isinstance(entry, dict):
            raise FaultError(f"{where}: expected a table")
        for key in ("kind", "site"):
            if key not in entry:
                raise FaultError(f"{where}: key {key!r}: missing")
        site = entry["site"]
        where = f"{where} ({entry['kind']} on {site})"
        if isinstance(site, str) and len(site) == 10 and site.isdigit() and site not in site_codes:
            raise FaultError(f"{where}: key 'site': no demo site has code {site!r}")
        params = {k: v for k, v in entry.items() if k not in ("kind", "site")}
        faults.append(make_fault(str(entry["kind"]), site, params, where=where, probe_timeout=probe_timeout))
    check_unique(faults, f"fault file {path}")
    return faults


# Extra instances in the default mix beyond one per kind: both navigation cases, every content error
# kind and every identity item, so a run over the default fleet exercises every finding kind. The near-miss
# content errors come last, so the rest of the seeded mix is what it was before they existed.
_MIX_EXTRA = ("navigation_homepage", "content_error", "content_error", "identity_missing", "identity_missing",
              "content_error", "content_error", "content_error")
_STALE_MIX_COLUMNS = ("news", "notice", "policy", "personnel", "planning")


def default_faults(seed: int, candidates: Sequence[tuple[str, bool]], probe_timeout: float,
                   share: float = 0.12) -> list[Fault]:
    """The seeded default mix over ``candidates`` (site code, serves HTTPS), one fault per site.

    Every kind appears at least once (navigation_homepage fresh and stale, content_error and
    identity_missing once per error kind / footer item, one dictionary and one near-miss content error
    in an attachment);
    about ``share`` of the candidates get a fault, more when the kinds need it. TLS kinds go
    to HTTPS sites. Deterministic for a given seed and candidate order.
    """
    rng = random.Random(f"demo-faults:{seed}")
    base = [k for k in KINDS if k not in LATE_KINDS] + list(_MIX_EXTRA)
    total = max(len(base), round(len(candidates) * share))
    extra = [rng.choice(("down", "error_status", "stale_column", "stale_column", "dead_links",
                         "blank_column", "homepage_stale")) for _ in range(total - len(base))]
    kinds = base + extra + list(LATE_KINDS)
    https = [c for c, tls in candidates if tls]
    plain = [c for c, tls in candidates if not tls]
    if len(https) < 2 or len(candidates) < len(kinds):
        raise FaultError(f"default fault mix: need {len(kinds)} sites with 2 on HTTPS, have {len(candidates)}")
    rng.shuffle(https)
    rng.shuffle(plain)
    pool = https[2:] + plain
    rng.shuffle(pool)
    # The content errors placed in a PDF or DOCX: one dictionary kind now, one near-miss kind drawn when the
    # first near-miss fault comes (last in the mix, so earlier draws stay as they were).
    attachment = {"dictionary": rng.choice(DICTIONARY_ERROR_KINDS)}
    seen: dict[str, int] = {}
    faults: list[Fault] = []
    for kind in kinds:
        n = seen[kind] = seen.get(kind, -1) + 1  # how many of this kind came before
        code = https.pop(0) if kind in TLS_KINDS else pool.pop()
        faults.append(make_fault(kind, code, _mix_params(rng, kind, n, attachment), where="default fault mix",
                                 probe_timeout=probe_timeout))
    return faults


def _mix_params(rng: random.Random, kind: str, n: int, attachment: dict[str, str]) -> dict[str, Any]:
    """Parameters of the ``n``-th (0-based) fault of ``kind`` in the default mix."""
    if kind == "stale_column":
        return {"column": rng.choice(_STALE_MIX_COLUMNS)}
    if kind == "blank_column":
        return {"column": rng.choice(("notice", "personnel", "planning"))}
    if kind == "error_status":
        return {"status": rng.choice((500, 502, 503, 503))}
    if kind == "dead_links":
        return {"count": rng.randint(2, 6)}
    if kind == "content_error":
        error = CONTENT_ERROR_KINDS[n % len(CONTENT_ERROR_KINDS)]
        if error in NEAR_MISS_ERROR_KINDS and "near_miss" not in attachment:
            attachment["near_miss"] = rng.choice(NEAR_MISS_ERROR_KINDS)
        return {"error": error, "where": rng.choice(("pdf", "docx")) if error in attachment.values() else "article"}
    if kind == "identity_missing":
        return {"which": IDENTITY_ITEMS[n % len(IDENTITY_ITEMS)]}
    if kind == "navigation_homepage":
        return {"second_level": ("fresh", "stale")[n % 2]}
    if kind == "unanswered_message":
        return {"days": rng.randint(100, 200)}
    if kind == "hidden_link":
        return {"style": rng.choice(("display_none", "offscreen"))}
    if kind == "gbk_no_charset":
        return {"column": rng.choice(("news", "notice", "policy"))}
    return {}
