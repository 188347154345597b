"""Near-miss detection of canonical terms: a span one (or two) characters away from a term, each changed
character a homophone (same pinyin, tones ignored) or a look-alike of the term's character.

:class:`NearMissMatcher` is pure (no I/O; pypinyin is a table lookup) and fast on large pages: each
term is cut into ``k + 1`` pieces (pigeonhole: a span with at most ``k`` substitutions contains one
piece unchanged), one Aho-Corasick automaton finds the pieces in a single pass, and only the spans
around a piece are compared with their term. Build it with :func:`inspection.lexicon.load_lexicon`.

Precision guards, in order (a hit must pass all): the span is not itself a canonical or known name
(``known``) nor a common word (``words``); no changed character forms a common word with the text
outside the span (前往城区 is not 望城区); when only edge characters changed, the unchanged rest is no
word or name of its own (宁乡是 is 宁乡 + 是, not 宁乡市); an allow-list phrase does not cover it; and a
longer overlapping hit wins.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

import ahocorasick
from pypinyin import Style, lazy_pinyin, pinyin

from inspection.dictionary import CONTEXT_CHARS, AllowRule, normalise

# Term class -> finding kind of its near misses (declared by the content_errors check).
CLASS_KIND = {"country": "misspelt_name", "party": "misspelt_name", "state_organ": "misspelt_name",
              "local_organ": "misspelt_name", "division": "misspelt_place", "formulation": "misspelt_formulation"}
KINDS = tuple(dict.fromkeys(CLASS_KIND.values()))
HOMOPHONE, LOOKALIKE = "homophone", "lookalike"
MIN_LENGTH = 3  # terms shorter than this only guard
MIN_LENGTH_TWO = 6  # two substitutions only in terms this long
VARIANT_MAX_LENGTH = 4  # terms up to this long are matched by their variants, longer ones by pieces
_CROSS_WORD = (2, 3, 4)  # word lengths tried across a span's edge


_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_CJK_CLASS = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
# Whitespace (or zero-width characters) between two CJK characters, and any other zero-width run: removed.
_DROP = re.compile(rf"(?<=[{_CJK_CLASS}])[\s{_ZERO_WIDTH}]+(?=[{_CJK_CLASS}])|[{_ZERO_WIDTH}]+")


def _one_to_one_nfkc() -> dict[int, str]:
    """Characters whose NFKC form is one other character (Kangxi radicals 日→日, compatibility ideographs,
    full-width forms): mapped by ``str.translate``, which keeps offsets."""
    table: dict[int, str] = {}
    for lo, hi in ((0x2E80, 0x2FDF), (0x3000, 0x303F), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF)):
        for cp in range(lo, hi + 1):
            n = unicodedata.normalize("NFKC", chr(cp))
            if len(n) == 1 and n != chr(cp):
                table[cp] = n.lower() if n.isascii() else n
    return table


_NFKC = _one_to_one_nfkc()


class OffsetMap:
    """Normalised offset -> original offset, for text that lost some runs (see :func:`fast_normalise`)."""

    def __init__(self, starts: list[int], origins: list[int]) -> None:
        self._starts, self._origins = starts, origins  # segment i begins at starts[i] (normalised), origins[i]

    def __getitem__(self, i: int) -> int:
        seg = bisect_right(self._starts, i) - 1
        return self._origins[seg] + i - self._starts[seg]


def fast_normalise(text: str) -> tuple[str, OffsetMap]:
    """What :func:`inspection.dictionary.normalise` does to Chinese text, in C-speed steps: one-to-one NFKC
    mappings (radicals, compatibility ideographs, full-width forms), zero-width characters dropped, and
    whitespace between CJK characters removed ("湘 潭 市" → "湘潭市"). Other whitespace stays as it is
    (terms are Chinese only). Returns the text and the map back to original offsets."""
    mapped = text.translate(_NFKC)
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    pos = size = 0
    for m in _DROP.finditer(mapped):
        if m.start() > pos:
            starts.append(size)
            origins.append(pos)
            parts.append(mapped[pos:m.start()])
            size += m.start() - pos
        pos = m.end()
    starts.append(size)
    origins.append(pos)
    parts.append(mapped[pos:])
    return "".join(parts), OffsetMap(starts, origins)


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@lru_cache(maxsize=65536)
def readings(ch: str) -> frozenset[str]:
    """Every toneless pinyin reading of one character (``lv`` for ü); empty for a non-Han character."""
    if not is_han(ch):
        return frozenset()
    return frozenset(pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=False)[0])


def term_readings(text: str) -> tuple[str, ...]:
    """The toneless reading of each character of a term, in context (重庆 → chong qing)."""
    # pypinyin's stub says errors= returns str; its docs allow a list (here one item per character)
    out = lazy_pinyin(text, style=Style.NORMAL, v_to_u=False,
                      errors=lambda s: list(s))  # type: ignore[arg-type, return-value]
    return tuple(out) if len(out) == len(text) else tuple("" for _ in text)


@dataclass(frozen=True)
class Term:
    """A canonical term (normalised text) and what a misspelling of it weighs."""

    text: str
    cls: str
    severity: str = "critical"
    source: str = ""  # the file (or divisions table) it came from
    near_miss: bool = True  # False: the term only guards

    @property
    def kind(self) -> str:
        return CLASS_KIND[self.cls]


@dataclass(frozen=True)
class Substitution:
    at: int  # index in the span
    wrong: str  # the character on the page
    right: str  # the term's character
    how: tuple[str, ...]  # HOMOPHONE and/or LOOKALIKE


@dataclass(frozen=True)
class NearMiss:
    """A span of a text that looks like a misspelling of ``term``; offsets are in the original text."""

    term: Term
    matched: str  # the original text (spaces the normalisation removed included)
    start: int
    end: int
    context: str
    substitutions: tuple[Substitution, ...]

    @property
    def kind(self) -> str:
        return self.term.kind

    @property
    def severity(self) -> str:
        return self.term.severity

    @property
    def expected(self) -> str:
        return self.term.text


@dataclass(frozen=True, eq=False)
class NearMissMatcher:
    """Finds near misses of ``terms`` in texts; build with :meth:`build`."""

    terms: tuple[Term, ...]
    known: frozenset[str]  # canonical forms and names that are right as written
    words: Container[str]  # common words
    lookalikes: Mapping[str, frozenset[str]]
    allow: tuple[AllowRule, ...] = ()
    max_substitutions: int = 1
    _automaton: Any = field(default=None, repr=False)
    _readings: tuple[tuple[str, ...], ...] = field(default=(), repr=False)
    _limits: tuple[int, ...] = field(default=(), repr=False)
    _backward: Any = field(default=None, repr=False)

    @classmethod
    def build(cls, terms: Iterable[Term], known: Iterable[str], words: Container[str],
              lookalikes: Mapping[str, frozenset[str]], allow: Iterable[AllowRule] = (), *,
              max_substitutions: int = 1, piece_freq: Callable[[str], int] | None = None) -> NearMissMatcher:
        """A matcher over the near-miss terms of ``terms`` (all of them count as known).

        ``piece_freq`` (how common a string is in running text) picks where each term is cut, so that no
        piece is a common one. Raises ValueError for ``max_substitutions`` outside 1–2.
        """
        if max_substitutions not in (1, 2):
            raise ValueError(f"max_substitutions must be 1 or 2, got {max_substitutions}")
        all_terms = tuple(terms)
        known_all = frozenset(known) | {t.text for t in all_terms}
        matched = tuple(t for t in all_terms if t.near_miss and len(t.text) >= MIN_LENGTH)
        term_reads = tuple(term_readings(t.text) for t in matched)
        patterns: dict[str, list[tuple[int, int, int]]] = {}  # text -> (term index, offset in term, size)
        backward: dict[str, list[tuple[int, int, int]]] = {}  # reversed text -> (term index, 0, size)
        limits: list[int] = []
        base = piece_freq or (lambda _p: 0)
        texts = [t.text for t in all_terms]
        inside: dict[str, int] = {}

        def cost(piece: str) -> int:
            """How often a piece will stop the automaton: common in running text (``piece_freq``), part of
            many terms (湖南省, 阳市: pages name those places all the time), shared by terms already cut."""
            if piece not in inside:
                inside[piece] = sum(piece in t for t in texts)
            return (base(piece) + 1000 * inside[piece]) * (len(patterns.get(piece, ())) + 1)

        for i, t in enumerate(matched):
            k = max_substitutions if len(t.text) >= MIN_LENGTH_TWO else 1
            limits.append(k)
            if k == 1 and len(t.text) <= VARIANT_MAX_LENGTH:
                # Short terms: every one-character variant is a pattern of its own (their pieces would be
                # single characters or common pairs like 社会 that stop the automaton everywhere). A variant
                # of the first character goes reversed into the backward automaton: thousands of different
                # first characters would slow every step of a forward automaton.
                for at, variant in _variants(t.text, term_reads[i], lookalikes):
                    if variant not in known_all and variant not in words:
                        table = backward if at == 0 else patterns
                        table.setdefault(variant[::-1] if at == 0 else variant, []).append((i, 0, len(variant)))
                continue
            for offset, piece in _pieces(t.text, k, cost):
                patterns.setdefault(piece, []).append((i, offset, len(piece)))
        return cls(matched, known_all, words, lookalikes, tuple(allow), max_substitutions, _automaton(patterns),
                   term_reads, tuple(limits), _automaton(backward))

    def scan(self, text: str, url: str = "") -> list[NearMiss]:
        """Every near miss in ``text`` (a page or attachment at ``url``), in text order."""
        if not self.terms or not text:
            return []
        norm, where = fast_normalise(text)
        return self.scan_normalised(text, norm, where, url)

    def scan_normalised(self, text: str, norm: str, where: Sequence[int] | OffsetMap,
                        url: str = "") -> list[NearMiss]:
        """As :meth:`scan`, given the normalised text and its offset map (``normalise`` or ``fast_normalise``)."""
        found: dict[tuple[int, int], tuple[int, int, int, tuple[Substitution, ...]]] = {}  # (start, term) -> hit
        n, terms, known = len(norm), self.terms, self.known
        for end, refs, start0 in self._candidates(norm):
            for ti, offset, size in refs:
                start = start0 if start0 >= 0 else end - size + 1 - offset
                stop = start + len(terms[ti].text)
                if start < 0 or stop > n:
                    continue
                span = norm[start:stop]
                if span in known or (start, ti) in found:  # mostly exact mentions of some canonical term
                    continue
                subs = self._substitutions(ti, span)
                if subs and not self._guarded(norm, start, stop, subs):
                    found[start, ti] = (start, stop, ti, subs)
        hits = _longest_first(list(found.values()))
        allowed = _allowed_spans(norm, url, self.allow)
        out: list[NearMiss] = []
        for start, stop, ti, subs in sorted(hits):
            if any(a <= start and stop <= b for a, b in allowed):
                continue
            o_start, o_end = where[start], where[stop - 1] + 1
            ctx = text[max(0, o_start - CONTEXT_CHARS): o_end + CONTEXT_CHARS]
            out.append(NearMiss(self.terms[ti], text[o_start:o_end], o_start, o_end, " ".join(ctx.split()), subs))
        return out

    def _candidates(self, norm: str) -> Iterable[tuple[int, tuple[tuple[int, int, int], ...], int]]:
        """(end, refs, start or -1) of every pattern occurrence: forward ones, then the backward automaton's
        over the reversed text (start computed here)."""
        if not self.terms:
            return
        for end, refs in self._automaton.iter(norm) if len(self._automaton) else ():
            yield end, refs, -1
        last = len(norm) - 1
        for end, refs in self._backward.iter(norm[::-1]) if len(self._backward) else ():
            yield end, refs, last - end

    def _substitutions(self, ti: int, span: str) -> tuple[Substitution, ...]:
        """The changed characters of ``span`` against term ``ti`` when it is a near miss, else ()."""
        term = self.terms[ti].text
        diff = [i for i, (a, b) in enumerate(zip(span, term, strict=True)) if a != b]
        if not diff or len(diff) > self._limits[ti]:
            return ()
        subs: list[Substitution] = []
        for i in diff:
            wrong, right = span[i], term[i]
            if not is_han(wrong):
                return ()
            how = tuple(h for h, ok in ((HOMOPHONE, self._readings[ti][i] in readings(wrong)),
                                        (LOOKALIKE, wrong in self.lookalikes.get(right, ()))) if ok)
            if not how:
                return ()
            subs.append(Substitution(i, wrong, right, how))
        return tuple(subs)

    def _guarded(self, norm: str, start: int, stop: int, subs: tuple[Substitution, ...]) -> bool:
        """True when the span reads as something right: a name, a word, or words across its edges."""
        span = norm[start:stop]
        if self._is_word(span):
            return True
        changed = {start + s.at for s in subs}
        for p in changed:  # a changed character that belongs to a word outside the span: 前往|城区
            for size in _CROSS_WORD:
                for a in range(max(0, p - size + 1), p + 1):
                    b = a + size
                    if b <= len(norm) and (a < start or b > stop) and self._is_word(norm[a:b]):
                        return True
        if self._split_across(norm, start, stop, changed):
            return True
        lead = 0
        while start + lead in changed:
            lead += 1
        trail = 0
        while stop - 1 - trail in changed and stop - 1 - trail >= start + lead:
            trail += 1
        if lead + trail == len(changed):  # only edge characters changed: is the rest a word of its own?
            rest = norm[start + lead: stop - trail]
            if len(rest) >= 2 and self._is_word(rest):
                return True
        return False

    def _split_across(self, norm: str, start: int, stop: int, changed: set[int]) -> bool:
        """A word crosses an edge of the span and a changed character sits in a word inside it: 离开|市区."""
        crossing = any(self._is_word(norm[a:a + size]) for size in _CROSS_WORD for edge in (start, stop)
                       for a in range(max(0, edge - size + 1), edge) if a + size <= len(norm) and a + size > edge)
        if not crossing:
            return False
        return any(self._is_word(norm[a:b]) for p in changed for a in range(start, p + 1)
                   for b in range(p + 1, stop + 1) if 2 <= b - a < stop - start)

    def _is_word(self, s: str) -> bool:
        return s in self.known or s in self.words


@lru_cache(maxsize=1)
def _homophone_index() -> dict[str, str]:
    """Toneless reading -> every character of the CJK unified block with that reading."""
    index: dict[str, list[str]] = {}
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        for r in readings(ch):
            index.setdefault(r, []).append(ch)
    return {r: "".join(chars) for r, chars in index.items()}


def _variants(text: str, reads: Sequence[str], lookalikes: Mapping[str, frozenset[str]]) -> set[tuple[int, str]]:
    """(position, string) of every string one homophone or look-alike away from ``text``."""
    homophones = _homophone_index()
    out: set[tuple[int, str]] = set()
    for i, right in enumerate(text):
        for wrong in {*homophones.get(reads[i], ""), *lookalikes.get(right, ())} - {right}:
            out.add((i, text[:i] + wrong + text[i + 1:]))
    return out


def _automaton(patterns: Mapping[str, list[tuple[int, int, int]]]) -> Any:
    automaton = ahocorasick.Automaton()
    for text, refs in patterns.items():
        automaton.add_word(text, tuple(refs))
    if patterns:
        automaton.make_automaton()
    return automaton


def _pieces(text: str, k: int, freq: Callable[[str], int]) -> list[tuple[int, str]]:
    """``k + 1`` contiguous pieces (offset, text) covering ``text``: of all the ways to cut it, the one whose
    most frequent piece is rarest (``freq``: how common a piece is; ties: the most even cut). A common
    piece (湖南省, shared by forty organ names) would make the automaton stop at every other line."""
    n = len(text)
    best: tuple[tuple[bool, int, int], list[tuple[int, str]]] | None = None
    for cuts in combinations(range(1, n), k):
        bounds = (0, *cuts, n)
        pieces = [(bounds[j], text[bounds[j]:bounds[j + 1]]) for j in range(k + 1)]
        sizes = [len(p) for _o, p in pieces]
        score = (min(sizes) < 2 <= n // (k + 1), max(freq(p) for _o, p in pieces), max(sizes) - min(sizes))
        if best is None or score < best[0]:
            best = (score, pieces)
    assert best is not None
    return best[1]


def _longest_first(found: list[tuple[int, int, int, Any]]) -> list[tuple[int, int, int, Any]]:
    """Non-overlapping hits, a longer one winning over the shorter ones it overlaps (then the first)."""
    kept: list[tuple[int, int, int, Any]] = []
    for hit in sorted(found, key=lambda h: (h[0] - h[1], h[0])):
        if all(hit[1] <= k[0] or hit[0] >= k[1] for k in kept):
            kept.append(hit)
    return kept


def _allowed_spans(norm: str, url: str, allow: Sequence[AllowRule]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for rule in allow:
        if not rule.applies_to(url):
            continue
        phrase = normalise(rule.phrase)[0]
        i = norm.find(phrase) if phrase else -1
        while i >= 0:
            spans.append((i, i + len(phrase)))
            i = norm.find(phrase, i + 1)
    return spans


def lookalike_table(groups: Iterable[Sequence[str]]) -> dict[str, frozenset[str]]:
    """Character -> the characters that look like it (every pair within a group, symmetric)."""
    table: dict[str, set[str]] = {}
    for group in groups:
        for ch in group:
            table.setdefault(ch, set()).update(c for c in group if c != ch)
    return {ch: frozenset(v) for ch, v in table.items()}

