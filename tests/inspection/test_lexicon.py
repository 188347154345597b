"""The lexicon files: the shipped ones load, divisions come from the table, bad files fail in Chinese."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from db.hunan import DIVISIONS_FILE, load_divisions
from inspection.lexicon import INDEX, LexiconError, WordList, division_forms, load_lexicon, load_matcher

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "inspection" / "lexicon"


def test_shipped_lexicon_loads_with_sources_and_a_versioned_digest() -> None:
    lex = load_lexicon(SHIPPED, ROOT)
    assert re.fullmatch(r"\d{4}\.\d+\+[0-9a-f]{8}", lex.version)
    assert len(lex.sources) == 3 and all(lex.sources)
    classes = {t.cls for t in lex.terms}
    assert classes == {"country", "party", "state_organ", "local_organ", "division", "formulation"}
    texts = {t.text for t in lex.terms}
    assert {"中华人民共和国", "中国共产党", "全国人民代表大会", "国务院办公厅", "湖南省人民政府",
            "中国特色社会主义"} <= texts
    assert {"中国", "长沙", "湘西"} <= lex.known  # short forms guard
    assert len(lex.lookalikes["己"]) >= 2 and "未" in lex.lookalikes["末"]


def test_every_registry_division_is_a_term() -> None:
    lex = load_lexicon(SHIPPED, ROOT)
    divisions = {t.text for t in lex.terms if t.cls == "division"}
    names = [str(d["name"]) for d in load_divisions(DIVISIONS_FILE)]
    assert len(names) == 137 and set(names) <= divisions  # 1 province, 14 cities, 122 counties


@pytest.mark.parametrize(("name", "level", "short"), [
    ("长沙市", "city", ["长沙"]), ("湖南省", "province", ["湖南"]), ("津市市", "county", ["津市"]),
    ("湘西土家族苗族自治州", "city", ["湘西州", "湘西"]), ("靖州苗族侗族自治县", "county", ["靖州县", "靖州"]),
    ("江华瑶族自治县", "county", ["江华县", "江华"]),
])
def test_division_short_forms(name: str, level: str, short: list[str]) -> None:
    assert division_forms(name, level) == (name, short)


def test_another_provinces_divisions_replace_hunans(tmp_path: Path) -> None:
    folder = tmp_path / "lexicon"
    shutil.copytree(SHIPPED, folder)
    table = tmp_path / "jx.csv"
    table.write_text("code,name,level,parent_code\n360000,江西省,province,\n360100,南昌市,city,360000\n"
                     "360121,南昌县,county,360100\n", encoding="utf-8")
    index = folder / INDEX
    index.write_text(index.read_text(encoding="utf-8").replace('"data/registry/hunan-divisions.csv"',
                                                                f'"{table}"'), encoding="utf-8")
    lex, matcher = load_matcher(folder, tmp_path)
    assert {t.text for t in lex.terms if t.cls == "division"} >= {"江西省", "南昌市", "南昌县"}
    assert "长沙市" not in {t.text for t in lex.terms}
    [hit] = matcher.scan("。南猖市。")
    assert (hit.matched, hit.expected, hit.kind) == ("南猖市", "南昌市", "misspelt_place")


def _folder(tmp_path: Path, index: str, terms: str = "", confusables: str = "") -> Path:
    folder = tmp_path / "lx"
    folder.mkdir()
    (folder / INDEX).write_text(index, encoding="utf-8")
    (folder / "t.toml").write_text(terms, encoding="utf-8")
    (folder / "c.txt").write_text(confusables, encoding="utf-8")
    return folder


INDEX_OK = '[lexicon]\nversion = "1"\nterms = ["t.toml"]\nconfusables = ["c.txt"]\n'
TERMS_OK = '[source]\ntitle = "来源"\n[[term]]\ntext = "国务院办公厅"\nclass = "state_organ"\n'


@pytest.mark.parametrize(("index", "terms", "confusables", "file", "message"), [
    ("[lexicon]\n", TERMS_OK, "", INDEX, "键“version”缺失或为空"),
    (INDEX_OK + "[severity]\nparty = \"huge\"\n", TERMS_OK, "", INDEX, "[severity] 键“party”应为"),
    (INDEX_OK + "[severity]\nleaders = \"high\"\n", TERMS_OK, "", INDEX, "未知的词条类别“leaders”"),
    (INDEX_OK.replace('"1"', '"1"\nextra = 1'), TERMS_OK, "", INDEX, "[lexicon] 未知的键“extra”"),
    (INDEX_OK, TERMS_OK.replace("[source]\ntitle = \"来源\"\n", ""), "", "t.toml", "缺少 [source] 表"),
    (INDEX_OK, TERMS_OK.replace("state_organ", "leader"), "", "t.toml",
     "第 1 个词条（国务院办公厅）：键“class”应为"),
    (INDEX_OK, TERMS_OK + "short = \"国办\"\n", "", "t.toml",
     "第 1 个词条（国务院办公厅）：键“short”应为非空文本的列表"),
    (INDEX_OK, TERMS_OK + "near_miss = \"no\"\n", "", "t.toml", "键“near_miss”应为 true 或 false"),
    (INDEX_OK, TERMS_OK + "wrong = \"国务院办公听\"\n", "", "t.toml", "第 1 个词条：未知的键“wrong”"),
    (INDEX_OK, TERMS_OK + '[[term]]\ntext = "<b>"\nclass = "party"\n', "", "t.toml",
     "第 2 个词条（<b>）：键“text”应为汉字"),
    (INDEX_OK, TERMS_OK + '[[term]]\ntext = "国务院 办公厅"\nclass = "party"\n', "", "t.toml", "词条“国务院办公厅”与"),
    (INDEX_OK, TERMS_OK, "己 已\n未\n", "c.txt", "第 2 组：应为两个以上以空格分隔的汉字"),
    (INDEX_OK, TERMS_OK + "[[term]\n", "", "t.toml", "TOML 格式错误"),
    (INDEX_OK.replace("t.toml", "missing.toml"), TERMS_OK, "", "missing.toml", "不存在"),
])
def test_bad_files_name_file_entry_and_key_in_chinese(tmp_path: Path, index: str, terms: str, confusables: str,
                                                      file: str, message: str) -> None:
    folder = _folder(tmp_path, index, terms, confusables)
    with pytest.raises(LexiconError) as err:
        load_lexicon(folder, tmp_path)
    assert str(folder / file) in str(err.value) and message in str(err.value), str(err.value)


def test_a_bad_divisions_table_is_named(tmp_path: Path) -> None:
    folder = _folder(tmp_path, INDEX_OK + 'divisions = "d.csv"\n', TERMS_OK)
    (tmp_path / "d.csv").write_text("code,title\n1,x\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"行政区划表 .*d\.csv：表头须包含 name 与 level"):
        load_lexicon(folder, tmp_path)


def test_matcher_is_rebuilt_when_a_file_changes(tmp_path: Path) -> None:
    folder = _folder(tmp_path, INDEX_OK, TERMS_OK, "厅 听\n")
    first, m1 = load_matcher(folder, tmp_path)
    assert load_matcher(folder, tmp_path)[1] is m1
    (folder / "t.toml").write_text(TERMS_OK.replace("国务院办公厅", "国务院研究室"), encoding="utf-8")
    second, m2 = load_matcher(folder, tmp_path)
    assert m2 is not m1 and second.version != first.version
    assert [h.expected for h in m2.scan("。国务院研究事。")] == ["国务院研究室"]  # 事/室: shi


def test_word_list_membership() -> None:
    words = WordList(["城区", "前往", "市区", "城区", "中华人民共和国"])
    assert len(words) == 4
    assert all(w in words for w in ("城区", "前往", "市区", "中华人民共和国"))
    assert not any(w in words for w in ("城", "城区x", "", "一", "龥龥", 3))
