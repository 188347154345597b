"""The content-error dictionary: normalisation, matching, allow-list, loading errors, the shipped file."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspection.dictionary import (
    AllowRule,
    DictionaryError,
    Entry,
    _normalise_chars,
    load_dictionary,
    make_dictionary,
    normalise,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "inspection" / "dictionary.toml"

DICT = make_dictionary("t1", [
    Entry("wrong_formulation", "党的第二十大", "党的二十大"),
    Entry("wrong_formulation", "十九大", "党的十九大", severity="high"),
    Entry("wrong_name", "李示帆市长", "李示范市长"),
    Entry("banned_word", "六合彩"),
], [AllowRule("打击六合彩"), AllowRule("六合彩开奖", url="*/jubao/*")])


@pytest.mark.parametrize(("text", "expected"), [
    ("Ａ  Ｂ", "a b"),  # full-width letters, spaces between Latin words collapse to one
    ("习 近\u3000平", "习近平"),  # spaces inside Chinese runs removed
    ("党\u200b的二十大", "党的二十大"),  # zero-width characters dropped
    ("２０２６年", "2026年"),
    ("（通知）", "(通知)"),
])
def test_normalise(text: str, expected: str) -> None:
    norm, where = normalise(text)
    assert norm == expected
    assert len(where) == len(norm) and all(0 <= i < len(text) for i in where)


def _normalise_per_character(text: str) -> tuple[str, list[int]]:
    """The definition of :func:`normalise`, one character at a time (it copies plain runs whole)."""
    cjk = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
    zero_width = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
    out: list[str] = []
    where: list[int] = []
    pending = -1
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).translate(zero_width):
            if c.isspace():
                pending = i if pending < 0 else pending
                continue
            if pending >= 0:
                if out and not (cjk.match(out[-1]) and cjk.match(c)):
                    out.append(" ")
                    where.append(pending)
                pending = -1
            out.append(c.lower() if c.isascii() else c)
            where.append(i)
    return "".join(out), where


def test_normalise_copies_plain_runs_as_the_character_definition_would() -> None:
    pieces = ["湖南省", "人民政府", "Ab", "cd", "12", "，", "。", "Ｑ", "２", " ", "  ", "\u3000", "\t", "\n",
              "\u00a0", "\u200b", "\u00ad", "\uf900", "\u2f08", "ﬁ", "㈱", "x", "-", "[", "~", "@", "é", "\u3400",
              "、", "《", "》", "【", "“", "’", "：", "（", "\u3003", "\u3012"]
    rng = random.Random(11)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30)))
        assert normalise(text) == _normalise_per_character(text), text


# Latin, CJK, full-width and compatibility forms (one to several characters under NFKC), zero-width and
# soft hyphen (to none), every kind of whitespace, CJK punctuation: the cases where the two paths could part.
_MIXED = st.text(st.sampled_from("aZ 1\t\n\r\x0b\x0c\x85\xa0\u2028\u2003\u3000\u200b\u00ad\ufeff习近平党的二十大"
                                 "ＡＢ１２（）㈱①ﬁ㍻，。、．!？ᅡ﨑"), max_size=40)


@given(_MIXED)
def test_normalise_takes_the_same_path_as_one_character_at_a_time(text: str) -> None:
    assert normalise(text) == _normalise_chars(text)


@pytest.mark.parametrize(("text", "url", "hits"), [
    # Real page fragments; (kind, matched original text) per hit.
    ("会议强调，要认真学习贯彻党的第二十大精神。", "", [("wrong_formulation", "党的第二十大")]),
    ("认真学习贯彻 党 的 第 二 十 大 精神", "", [("wrong_formulation", "党 的 第 二 十 大")]),
    ("认真学习贯彻党的二十大精神", "", []),
    ("深入学习党的十九大精神", "", []),  # the wrong form inside its own correct form is fine
    ("深入学习十九大精神", "", [("wrong_formulation", "十九大")]),
    ("李示帆市长主持召开常务会议", "", [("wrong_name", "李示帆市长")]),
    ("李示范市长主持召开常务会议", "", []),
    ("严厉打击六合彩等赌博违法犯罪", "http://a.gov.cn/xwdt/1.html", []),  # allow-list phrase
    ("最新六合彩开奖结果", "http://a.gov.cn/xwdt/1.html", [("banned_word", "六合彩")]),
    ("最新六合彩开奖结果", "http://a.gov.cn/jubao/1.html", []),  # phrase + URL pattern
    ("打击六合彩，但页尾又出现六合彩广告", "", [("banned_word", "六合彩")]),  # only the covered hit is allowed
])
def test_scan(text: str, url: str, hits: list[tuple[str, str]]) -> None:
    found = DICT.scan(text, url)
    assert [(h.entry.kind, h.matched) for h in found] == hits
    for h in found:
        assert text[h.start:h.end] == h.matched and h.matched in h.context


def test_context_is_bounded_snippet() -> None:
    text = "甲" * 100 + "六合彩" + "乙" * 100
    (hit,) = DICT.scan(text)
    assert hit.context == "甲" * 30 + "六合彩" + "乙" * 30


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "dict.toml"
    p.write_text(body, encoding="utf-8")
    return p


@pytest.mark.parametrize(("body", "message"), [
    ('[[entry]]\nkind="banned_word"\nwrong="x"\n', "缺少带 version 的 [dictionary] 表"),
    ('[dictionary]\nversion=""\n', ":2: [dictionary] 键 version：应为非空文本"),
    ('[dictionary]\nversion="1"\n[[entry]]\nkind="typo"\nwrong="x"\n', ":4: 第 1 条 [[entry]]：键 kind：应为 "),
    ('[dictionary]\nversion="1"\n[[entry]]\nkind="banned_word"\n', ":3: 第 1 条 [[entry]]：键 wrong：缺少或为空"),
    ('[dictionary]\nversion="1"\n[[entry]]\nkind="wrong_name"\nwrong="李示帆"\n',
     ":3: 第 1 条 [[entry]]（李示帆）：键 correct：缺少或为空"),
    ('[dictionary]\nversion="1"\n[[entry]]\nkind="banned_word"\nwrong="x"\nseverity="huge"\n',
     ":6: 第 1 条 [[entry]]（x）：键 severity：应为 "),
    ('[dictionary]\nversion="1"\n[[entry]]\nkind="banned_word"\nwrong="x"\nwrogn="y"\n',
     ":6: 第 1 条 [[entry]]：未知的键 wrogn"),
    ('[dictionary]\nversion="1"\n[[entry]]\nkind="banned_word"\nwrong="赌 场"\n'
     '[[entry]]\nkind="banned_word"\nwrong="赌场"\n',
     ":8: 第 2 条 [[entry]]：键 wrong：'赌场' 与第 1 条 [[entry]] 重复"),
    ('[dictionary]\nversion="1"\n[[allow]]\nurl="*"\n', ":3: 第 1 条 [[allow]]：键 phrase：缺少或为空"),
    ('[dictionary]\nversion="1"\n[[entry]\n', ":3: TOML 格式错误"),
    ('[dictionary]\nversion="1"\n[extra]\n', ": 未知的顶层键 extra"),
])
def test_malformed_dictionary_names_file_entry_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(DictionaryError) as err:
        load_dictionary(path)
    assert str(err.value).startswith(str(path)) and message in str(err.value), str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DictionaryError, match="词典文件不存在"):
        load_dictionary(tmp_path / "nope.toml")


def test_shipped_dictionary_loads_and_covers_every_kind() -> None:
    d = load_dictionary(SHIPPED)
    assert d.version
    assert {e.kind for e in d.entries} == {"wrong_name", "wrong_formulation", "banned_word"}
    assert all(e.correct for e in d.entries if e.kind != "banned_word")


def test_shipped_dictionary_holds_the_demo_content_errors() -> None:
    from core.i18n.demo import CONTENT_ERRORS
    from demo.faults import DICTIONARY_ERROR_KINDS, NEAR_MISS_ERROR_KINDS

    d = load_dictionary(SHIPPED)
    for kind in DICTIONARY_ERROR_KINDS:
        wrong, right = CONTENT_ERRORS[kind]
        (hit,) = d.scan(f"正文：{wrong}。")
        assert (hit.entry.kind, hit.entry.correct) == (kind, right)
    for kind in NEAR_MISS_ERROR_KINDS:  # left to near-miss detection: no dictionary entry may list them
        assert d.scan(f"正文：{CONTENT_ERRORS[kind][0]}。") == []


def test_shipped_dictionary_is_quiet_on_demo_text_pools() -> None:
    from core.i18n import demo as text

    d = load_dictionary(SHIPPED)
    pools = [*text.BODY_PARAGRAPHS, *text.REPLY_TEXTS, *text.TOPICS, *text.NEWS_TEMPLATES, *text.NOTICE_TEMPLATES,
             *text.POLICY_TEMPLATES, *text.PERSONNEL_TEMPLATES, *text.PLANNING_TEMPLATES, *text.LABEL.values()]
    assert d.scan("\n".join(pools)) == []
