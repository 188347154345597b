"""The content-error dictionary: versioned entries and allow-list, matched with one Aho-Corasick automaton.

:func:`load_dictionary` reads the TOML file admins edit (data/inspection/dictionary.toml) and
raises :class:`DictionaryError` naming the file, the entry and the key for any bad value.
:meth:`Dictionary.scan` finds every entry in a text after :func:`normalise` (NFKC full-width ->
half-width, zero-width characters dropped, whitespace inside Chinese runs removed so "习 近 平"
still matches) and drops hits covered by an allow-list phrase or by the entry's own correct form.
Pure: no I/O apart from reading the file in :func:`load_dictionary`.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

KINDS = ("wrong_name", "wrong_formulation", "banned_word")
SEVERITIES = ("critical", "high", "medium", "low")
DEFAULT_PATH = "data/inspection/dictionary.toml"
CONTEXT_CHARS = 30

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


class DictionaryError(ValueError):
    """The dictionary file is invalid; the message names the file, the entry and the key."""


@dataclass(frozen=True)
class Entry:
    kind: str
    wrong: str
    correct: str = ""
    severity: str = "critical"
    note: str = ""


@dataclass(frozen=True)
class AllowRule:
    phrase: str
    url: str = ""  # fnmatch glob on the page URL; empty = every page
    note: str = ""

    def applies_to(self, url: str) -> bool:
        return not self.url or fnmatch.fnmatchcase(url, self.url)


@dataclass(frozen=True)
class Hit:
    """One dictionary match in a text; ``context`` is ±30 characters of the original text."""

    entry: Entry
    matched: str  # the original text that matched (may contain the spaces normalisation removed)
    start: int  # offsets in the original text
    end: int
    context: str


def normalise(text: str) -> tuple[str, list[int]]:
    """(normalised text, original offset of each normalised character).

    NFKC per character (full-width letters/digits/punctuation become half-width), zero-width
    characters dropped, ASCII lower-cased, whitespace removed when it sits between two CJK
    characters (page layout and evasion both put spaces there) and collapsed to one space elsewhere.
    """
    out: list[str] = []
    where: list[int] = []
    pending_space = -1  # original offset of a whitespace run not yet emitted
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).translate(_ZERO_WIDTH):
            if c.isspace():
                if pending_space < 0:
                    pending_space = i
                continue
            if pending_space >= 0:
                if out and not (_CJK.match(out[-1]) and _CJK.match(c)):
                    out.append(" ")
                    where.append(pending_space)
                pending_space = -1
            out.append(c.lower() if c.isascii() else c)
            where.append(i)
    return "".join(out), where


def _norm(s: str) -> str:
    return normalise(s)[0]


@dataclass(frozen=True, eq=False)
class Dictionary:
    """Entries and allow-list of one dictionary version; build with :func:`make_dictionary`."""

    version: str
    entries: tuple[Entry, ...]
    allow: tuple[AllowRule, ...] = ()
    source: str = ""
    _automaton: Any = field(default=None, repr=False)

    def scan(self, text: str, url: str = "") -> list[Hit]:
        """Every non-allowed hit in ``text`` (a page or attachment at ``url``), in text order."""
        if not self.entries or not text:
            return []
        norm, where = normalise(text)
        allowed = self._allowed_spans(norm, url)
        hits: list[Hit] = []
        for end, (index, length) in self._automaton.iter(norm):
            start = end - length + 1
            entry = self.entries[index]
            if any(a <= start and end < b for a, b in allowed.get(index, ()) + allowed.get(-1, ())):
                continue
            o_start, o_end = where[start], where[end] + 1
            ctx = text[max(0, o_start - CONTEXT_CHARS): o_end + CONTEXT_CHARS]
            hits.append(Hit(entry, text[o_start:o_end], o_start, o_end, " ".join(ctx.split())))
        return hits

    def _allowed_spans(self, norm: str, url: str) -> dict[int, tuple[tuple[int, int], ...]]:
        """Spans (start, end-exclusive) where hits are allowed: key -1 for allow rules (any entry),
        an entry's index for its own correct form (e.g. "党的二十大" containing a shorter wrong form)."""
        spans: dict[int, list[tuple[int, int]]] = {}
        for rule in self.allow:
            if rule.applies_to(url):
                spans.setdefault(-1, []).extend(_find_all(norm, _norm(rule.phrase)))
        for i, e in enumerate(self.entries):
            if e.correct and _norm(e.wrong) in _norm(e.correct):
                spans.setdefault(i, []).extend(_find_all(norm, _norm(e.correct)))
        return {k: tuple(v) for k, v in spans.items()}


def _find_all(text: str, phrase: str) -> Iterable[tuple[int, int]]:
    if not phrase:
        return
    i = text.find(phrase)
    while i >= 0:
        yield i, i + len(phrase)
        i = text.find(phrase, i + 1)


def make_dictionary(version: str, entries: Iterable[Entry], allow: Iterable[AllowRule] = (),
                    source: str = "") -> Dictionary:
    """A dictionary with its automaton built (entries keep their order; the automaton matches all)."""
    entries = tuple(entries)
    automaton = ahocorasick.Automaton()
    for i, e in enumerate(entries):
        key = _norm(e.wrong)
        if not key:
            raise DictionaryError(f"{source or 'dictionary'}: entry #{i + 1}: key 'wrong': empty after normalisation")
        if automaton.exists(key):
            prev = automaton.get(key)[0] + 1
            raise DictionaryError(f"{source or 'dictionary'}: entry #{i + 1}: key 'wrong': {e.wrong!r} "
                                  f"duplicates entry #{prev}")
        automaton.add_word(key, (i, len(key)))
    if entries:
        automaton.make_automaton()
    return Dictionary(version, entries, tuple(allow), source, automaton)


def _text(where: str, table: dict[str, Any], key: str, required: bool) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise DictionaryError(f"{where}: key {key!r}: expected text, got {value!r}")
    if required and not value.strip():
        raise DictionaryError(f"{where}: key {key!r}: missing or empty")
    return value.strip()


def parse_dictionary(doc: dict[str, Any], source: str) -> Dictionary:
    """A :class:`Dictionary` from the parsed TOML ``doc``; ``source`` names the file in errors."""
    extra = sorted(set(doc) - {"dictionary", "entry", "allow"})
    if extra:
        raise DictionaryError(f"{source}: key {extra[0]!r}: unknown top-level key; expected [dictionary], "
                              "[[entry]], [[allow]]")
    head = doc.get("dictionary")
    if not isinstance(head, dict):
        raise DictionaryError(f"{source}: key 'dictionary': missing [dictionary] table with a version")
    version = head.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        raise DictionaryError(f"{source}: [dictionary] key 'version': expected non-empty text, got {version!r}")
    entries: list[Entry] = []
    raw_entries = doc.get("entry", [])
    if not isinstance(raw_entries, list):
        raise DictionaryError(f"{source}: key 'entry': expected [[entry]] tables")
    for i, raw in enumerate(raw_entries, 1):
        where = f"{source}: entry #{i}"
        if not isinstance(raw, dict):
            raise DictionaryError(f"{where}: expected a table")
        unknown = sorted(set(raw) - {"kind", "wrong", "correct", "severity", "note"})
        if unknown:
            raise DictionaryError(f"{where}: key {unknown[0]!r}: unknown key")
        kind = _text(where, raw, "kind", True)
        if kind not in KINDS:
            raise DictionaryError(f"{where}: key 'kind': expected one of {', '.join(KINDS)}, got {kind!r}")
        wrong = _text(where, raw, "wrong", True)
        where = f"{where} ({wrong})"
        correct = _text(where, raw, "correct", kind != "banned_word")
        severity = _text(where, raw, "severity", False) or "critical"
        if severity not in SEVERITIES:
            raise DictionaryError(f"{where}: key 'severity': expected one of {', '.join(SEVERITIES)}, "
                                  f"got {severity!r}")
        if correct and _norm(correct) == _norm(wrong):
            raise DictionaryError(f"{where}: key 'correct': same as 'wrong' after normalisation")
        entries.append(Entry(kind, wrong, correct, severity, _text(where, raw, "note", False)))
    allow: list[AllowRule] = []
    raw_allow = doc.get("allow", [])
    if not isinstance(raw_allow, list):
        raise DictionaryError(f"{source}: key 'allow': expected [[allow]] tables")
    for i, raw in enumerate(raw_allow, 1):
        where = f"{source}: allow #{i}"
        if not isinstance(raw, dict):
            raise DictionaryError(f"{where}: expected a table")
        unknown = sorted(set(raw) - {"phrase", "url", "note"})
        if unknown:
            raise DictionaryError(f"{where}: key {unknown[0]!r}: unknown key")
        allow.append(AllowRule(_text(where, raw, "phrase", True), _text(where, raw, "url", False),
                               _text(where, raw, "note", False)))
    return make_dictionary(version.strip(), entries, allow, source)


def load_dictionary(path: Path) -> Dictionary:
    """Read and validate the dictionary file; raises :class:`DictionaryError` naming file, entry and key."""
    if not path.is_file():
        raise DictionaryError(f"dictionary file {path}: not found")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DictionaryError(f"dictionary file {path}: not UTF-8: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise DictionaryError(f"dictionary file {path}: invalid TOML: {exc}") from None
    return parse_dictionary(doc, f"dictionary file {path}")
