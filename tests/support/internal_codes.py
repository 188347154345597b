"""Internal English codes that must never appear on a user-facing page, and a scanner for them.

A page may show data that happens to be Latin (a URL, a host name ``web-01``, a user name, HTTP, CPU),
but never the names the code base uses internally: audit action codes (``alert.firing``), finding kinds
(``hidden_link``), check, rule and collector names (``dead_links``, ``site_down``, ``inspection_columns``),
metric names (``site_probe.up``), state and status codes (``firing``, ``pending``, ``stale``, ``breached``),
roles, site levels, and library exception class names (``SSLCertVerificationError``), nor Python/JavaScript
leftovers (``None``, ``NaN``).

The list is derived from the code base's own vocabularies wherever one exists (so a new finding kind,
rule, metric or audit action is covered when it is added) plus the hand-kept :data:`EXTRA_CODES`.

    from tests.support.internal_codes import english_codes_in
    assert english_codes_in(page.inner_text("body")) == []
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Codes with no vocabulary to derive them from, and leftovers of code that should never reach a page.
EXTRA_CODES: frozenset[str] = frozenset({
    # Python / JavaScript leftovers
    "None", "NaN", "nan", "NaT", "null", "undefined", "True", "False", "Traceback", "Infinity",
    # library exception and error class names that are not spelled ...Error / ...Exception
    "gaierror", "herror", "timeout", "CancelledError", "SSLCertVerificationError", "ClientConnectorError",
    "ClientConnectorCertificateError", "ClientConnectorSSLError", "ClientOSError", "ServerDisconnectedError",
    "ServerTimeoutError", "ClientPayloadError", "TooManyRedirects", "ConnectionRefusedError",
    "ConnectionResetError", "TimeoutError", "OperationalError",
    # wording that was English on screens once
    "rule_removed", "rules_rejected", "no_recipient", "inhibited", "silenced", "escalate",
    "kept", "rejected", "empty_kept", "page_missing",
    # the engine's reasons for a state change (alert_event.note)
    "for_elapsed", "condition_cleared", "dropped_before_firing", "rule_regrouped",
})

# Any CamelCase name ending like an exception class: FooError, BarException, BazWarning.
_EXCEPTION = re.compile(r"[A-Z][A-Za-z0-9]*(?:Error|Exception|Warning)")
# Spans that are data, not wording: URLs, e-mail addresses, absolute paths (/city/430100).
_DATA = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w/])/[\w./-]*")
# A token: Latin letters, digits and the joiners codes use; "web-01" and "127.0.1.5" stay whole.
_TOKEN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/:]*")


def _keys(*mappings: Iterable[str]) -> set[str]:
    return {str(k) for m in mappings for k in m}


@cache
def internal_codes() -> frozenset[str]:
    """Every internal code the scanner looks for (computed once, from the code base's vocabularies)."""
    from collectors.loader import load_kinds
    from core.i18n import common as common_words
    from core.i18n import inspection as inspection_words
    from core.i18n import walls as wall_words
    from core.i18n.security import AUDIT_ACTION_LABELS, AUDIT_OBJECT_LABELS
    from db import models as registry
    from db.models_alerts import AlertState, DeliveryStatus, SilenceKind
    from db.models_security import Role
    from inspection.base import CHECKS, Severity
    from inspection.catalog import load_checks
    from security.auth import Action
    from tsdb.catalogue import CATALOGUE

    kinds = load_kinds()  # every collector module registers its metric declarations
    load_checks()  # every check registers (its name is a code; screens use its label_zh)

    codes: set[str] = set(EXTRA_CODES)
    codes |= _keys(AUDIT_ACTION_LABELS, AUDIT_OBJECT_LABELS)
    codes |= _keys(inspection_words.FINDING_KIND, inspection_words.RUN_STATUS,
                   inspection_words.VETO_ITEM, inspection_words.VETO_STATUS)
    codes |= {name for name, _ in CHECKS}
    codes |= set(kinds)  # collector kinds (inspection_columns, site_probe …): screens use their labels
    metrics = [(s.measurement, s.field) for s in CATALOGUE]
    codes |= {f"{m}.{f}" for m, f in metrics} | {m for m, _ in metrics} | {f for _, f in metrics if "_" in f}
    codes |= {m.name for m in CATALOGUE.measurements()}
    codes |= _keys(common_words.STATUS, common_words.PROBE_ERROR, common_words.SEVERITY, common_words.SITE_LEVEL,
                   common_words.COLUMN_KIND, common_words.HOST_ROLE)
    codes |= _keys(wall_words.CITY_STATUS, wall_words.HOST_STATUS, wall_words.RULE_LABEL)
    for enum_type in (AlertState, DeliveryStatus, SilenceKind, Role, Severity, Action, registry.SiteLevel,
                      registry.RunStatus, registry.NodeLevel):
        codes |= {m.value for m in enum_type}
    codes |= _rule_names()
    return frozenset(c for c in codes if c and c.isascii())


def _rule_names() -> set[str]:
    """Alert rule and group names of the shipped rule files."""
    import yaml

    names: set[str] = set()
    for path in sorted((ROOT / "data" / "alerts" / "rules").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for group in doc.get("groups", []) or []:
            names.add(str(group.get("name", "")))
            names |= {str(r.get("name", "")) for r in group.get("rules", []) or []}
    return names


def english_codes_in(text: str, *, allow: Iterable[str] = ()) -> list[str]:
    """The internal codes (and exception class names) that occur in ``text`` as whole words, in order of
    first appearance, without repeats; codes in ``allow`` are not reported. URLs, e-mail addresses and
    absolute paths are skipped (they are data). Matching is case-sensitive: ``HTTP`` or ``TLS`` in a
    Chinese label is fine, ``tls`` (a probe error class) is not."""
    codes, allowed = internal_codes(), set(allow)
    found: list[str] = []
    for token in _TOKEN.findall(_DATA.sub(" ", text)):
        for candidate in dict.fromkeys([token, token.rstrip(".:/-"), *token.split("/")]):
            hit = candidate in codes or _EXCEPTION.fullmatch(candidate) is not None
            if hit and candidate not in allowed and candidate not in found:
                found.append(candidate)
    return found


__all__ = ["EXTRA_CODES", "english_codes_in", "internal_codes"]
