"""The content-error dictionary: versioned entries and allow-list, matched with one Aho-Corasick automaton.

:func:`load_dictionary` reads the TOML file admins edit (data/inspection/dictionary.toml) and
raises :class:`DictionaryError` naming the file, the entry and the key for any bad value, and naming
the line for a file over :data:`MAX_FILE_BYTES`, a byte that is not UTF-8 or TOML nested too deep.
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
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import ahocorasick

from core.i18n.files import TextFileError, parse_toml, read_text, toml_array_line, toml_error_text, toml_line

KINDS = ("wrong_name", "wrong_formulation", "banned_word")
SEVERITIES = ("critical", "high", "medium", "low")
DEFAULT_PATH = "data/inspection/dictionary.toml"
MAX_FILE_BYTES = 4 * 1024 * 1024  # tens of thousands of entries; the shipped file is 4 KB
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
    folded = text.translate(_ONE_TO_ONE)
    if len(folded) != len(text):  # a character folds to none or several: the general path
        return _normalise_chars(text)
    # Every character folds to one: the offsets are the identity but where whitespace runs go.
    out: list[str] = []
    where: list[int] = []
    pos, size = 0, len(folded)
    for m in _SPACE_RUN.finditer(folded):
        a, b = m.span()
        out.append(folded[pos:a])
        where.extend(range(pos, a))
        if a > 0 and b < size and not (_CJK.match(folded[a - 1]) and _CJK.match(folded[b])):
            out.append(" ")
            where.append(a)
        pos = b
    out.append(folded[pos:])
    where.extend(range(pos, size))
    return "".join(out), where


def _normalise_chars(text: str) -> tuple[str, list[int]]:
    """:func:`normalise` one character at a time (any text)."""
    out: list[str] = []
    where: list[int] = []
    pending_space = -1  # original offset of a whitespace run not yet emitted
    for i, ch in enumerate(text):
        for c in _fold(ch):
            if c.isspace():
                if pending_space < 0:
                    pending_space = i
                continue
            if pending_space >= 0:
                if out and not (_CJK.match(out[-1]) and _CJK.match(c)):
                    out.append(" ")
                    where.append(pending_space)
                pending_space = -1
            out.append(c)
            where.append(i)
    return "".join(out), where


@lru_cache(maxsize=65536)
def _fold(ch: str) -> str:
    """One character's NFKC form without zero-width characters, ASCII lower-cased."""
    return "".join(c.lower() if c.isascii() else c for c in unicodedata.normalize("NFKC", ch).translate(_ZERO_WIDTH))


class _OneToOne(dict[int, str | None]):
    """``str.translate`` table: a character folding to exactly one character -> that one; any other -> deleted
    (so a shorter result says the text needs the general path). Filled as characters come: pages repeat few."""

    def __missing__(self, code: int) -> str | None:
        folded = _fold(chr(code))
        value = folded if len(folded) == 1 else None
        if len(self) < 65536:
            self[code] = value
        return value


_ONE_TO_ONE = _OneToOne()
_SPACE_RUN = re.compile(r"\s+")  # \s is str.isspace()'s whitespace


@lru_cache(maxsize=4096)
def _norm(s: str) -> str:
    """The normalised form of a dictionary phrase (memoised: entries' phrases are looked up on every scan)."""
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
        for rule, phrase in self._allow_phrases:
            if rule.applies_to(url):
                spans.setdefault(-1, []).extend(_find_all(norm, phrase))
        for i, correct in self._own_correct_forms:
            spans.setdefault(i, []).extend(_find_all(norm, correct))
        return {k: tuple(v) for k, v in spans.items()}

    @cached_property
    def _allow_phrases(self) -> tuple[tuple[AllowRule, str], ...]:
        """Each allow rule with its phrase normalised (normalised once, not on every scan)."""
        return tuple((rule, _norm(rule.phrase)) for rule in self.allow)

    @cached_property
    def _own_correct_forms(self) -> tuple[tuple[int, str], ...]:
        """(entry index, normalised correct form) of the entries whose correct form contains the wrong one."""
        return tuple((i, _norm(e.correct)) for i, e in enumerate(self.entries)
                     if e.correct and _norm(e.wrong) in _norm(e.correct))


def _find_all(text: str, phrase: str) -> Iterable[tuple[int, int]]:
    if not phrase:
        return
    i = text.find(phrase)
    while i >= 0:
        yield i, i + len(phrase)
        i = text.find(phrase, i + 1)


def make_dictionary(version: str, entries: Iterable[Entry], allow: Iterable[AllowRule] = (),
                    source: str = "", text: str = "") -> Dictionary:
    """A dictionary with its automaton built (entries keep their order; the automaton matches all)."""
    entries = tuple(entries)
    automaton = ahocorasick.Automaton()
    for i, e in enumerate(entries):
        key = _norm(e.wrong)
        if not key:
            raise DictionaryError(f"{_place(source, text, 'entry', i + 1, 'wrong')}：键 wrong：规范化后为空")
        if automaton.exists(key):
            prev = automaton.get(key)[0] + 1
            raise DictionaryError(f"{_place(source, text, 'entry', i + 1, 'wrong')}：键 wrong：{e.wrong!r} "
                                  f"与第 {prev} 条 [[entry]] 重复")
        automaton.add_word(key, (i, len(key)))
    if entries:
        automaton.make_automaton()
    return Dictionary(version, entries, tuple(allow), source, automaton)


def _place(source: str, text: str, table: str, nth: int, key: str = "") -> str:
    """``FILE:LINE: 第 N 条 [[table]]`` (the line of ``key`` in it when found in ``text``)."""
    line = toml_array_line(text, table, nth, key) if text else 0
    return f"{source or '词典'}{f':{line}' if line else ''}: 第 {nth} 条 [[{table}]]"


def _text(where: str, table: dict[str, Any], key: str, required: bool) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise DictionaryError(f"{where}：键 {key}：应为文本，而不是 {value!r}")
    if required and not value.strip():
        raise DictionaryError(f"{where}：键 {key}：缺少或为空")
    return value.strip()


def parse_dictionary(doc: dict[str, Any], source: str, text: str = "") -> Dictionary:
    """A :class:`Dictionary` from the parsed TOML ``doc``; ``source`` names the file in errors, ``text`` (the
    file's, when known) gives them lines."""
    extra = sorted(set(doc) - {"dictionary", "entry", "allow"})
    if extra:
        raise DictionaryError(f"{source}: 未知的顶层键 {extra[0]}（只能是 [dictionary]、[[entry]]、[[allow]]）")
    head = doc.get("dictionary")
    if not isinstance(head, dict):
        raise DictionaryError(f"{source}: 缺少带 version 的 [dictionary] 表")
    version = head.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        line = toml_line(text, "dictionary", "version") if text else 0
        raise DictionaryError(f"{source}{f':{line}' if line else ''}: [dictionary] 键 version：应为非空文本，"
                              f"而不是 {version!r}")
    entries: list[Entry] = []
    raw_entries = doc.get("entry", [])
    if not isinstance(raw_entries, list):
        raise DictionaryError(f"{source}: entry 应为 [[entry]] 表")
    for i, raw in enumerate(raw_entries, 1):
        where = _place(source, text, "entry", i)
        if not isinstance(raw, dict):
            raise DictionaryError(f"{where}：应为表")
        unknown = sorted(set(raw) - {"kind", "wrong", "correct", "severity", "note"})
        if unknown:
            raise DictionaryError(f"{_place(source, text, 'entry', i, unknown[0])}：未知的键 {unknown[0]}"
                                  "（可用：kind、wrong、correct、severity、note）")
        kind = _text(_place(source, text, "entry", i, "kind"), raw, "kind", True)
        if kind not in KINDS:
            raise DictionaryError(f"{_place(source, text, 'entry', i, 'kind')}：键 kind：应为 {'、'.join(KINDS)} "
                                  f"之一，而不是 {kind!r}")
        wrong = _text(_place(source, text, "entry", i, "wrong"), raw, "wrong", True)

        def at(key: str, i: int = i, wrong: str = wrong) -> str:
            return f"{_place(source, text, 'entry', i, key)}（{wrong}）"
        correct = _text(at("correct"), raw, "correct", kind != "banned_word")
        severity = _text(at("severity"), raw, "severity", False) or "critical"
        if severity not in SEVERITIES:
            raise DictionaryError(f"{at('severity')}：键 severity：应为 {'、'.join(SEVERITIES)} 之一，"
                                  f"而不是 {severity!r}")
        if correct and _norm(correct) == _norm(wrong):
            raise DictionaryError(f"{at('correct')}：键 correct：规范化后与 wrong 相同")
        entries.append(Entry(kind, wrong, correct, severity, _text(at("note"), raw, "note", False)))
    allow: list[AllowRule] = []
    raw_allow = doc.get("allow", [])
    if not isinstance(raw_allow, list):
        raise DictionaryError(f"{source}: allow 应为 [[allow]] 表")
    for i, raw in enumerate(raw_allow, 1):
        where = _place(source, text, "allow", i)
        if not isinstance(raw, dict):
            raise DictionaryError(f"{where}：应为表")
        unknown = sorted(set(raw) - {"phrase", "url", "note"})
        if unknown:
            raise DictionaryError(f"{_place(source, text, 'allow', i, unknown[0])}：未知的键 {unknown[0]}"
                                  "（可用：phrase、url、note）")
        allow.append(AllowRule(_text(_place(source, text, "allow", i, "phrase"), raw, "phrase", True),
                               _text(_place(source, text, "allow", i, "url"), raw, "url", False),
                               _text(_place(source, text, "allow", i, "note"), raw, "note", False)))
    return make_dictionary(version.strip(), entries, allow, source, text)


def load_dictionary(path: Path) -> Dictionary:
    """Read and validate the dictionary file; raises :class:`DictionaryError` naming file, entry and key."""
    if not path.is_file():
        raise DictionaryError(f"{path}: 词典文件不存在")
    text = ""
    try:
        text = read_text(path, MAX_FILE_BYTES)
        doc = parse_toml(text, path)
    except OSError as exc:
        raise DictionaryError(f"{path}: 无法读取词典文件（{exc.strerror or exc}）") from None
    except TextFileError as exc:
        raise DictionaryError(str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise DictionaryError(toml_error_text(path, exc, text)) from None
    return parse_dictionary(doc, str(path), text)
