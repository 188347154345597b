"""The inspection rules file and the content-error dictionary cannot end in anything but their own errors
(issue 9, item 5 applied to them): deep nesting, huge dotted keys, a byte that is not UTF-8, a file over the
limit, numbers that are not finite or would overflow date arithmetic — each names file and line or key."""

from __future__ import annotations

from pathlib import Path

import pytest

from inspection import dictionary as dictionary_module
from inspection import rules as rules_module
from inspection.dictionary import DictionaryError, load_dictionary
from inspection.rules import RulesError, load_rules

DICT = '[dictionary]\nversion = "1"\n[[entry]]\nkind = "banned_word"\nwrong = "赌场"\n'
RULES = "[veto]\nwindow_days = 7\n"

SHAPES = [
    ("nested_arrays", "x = " + "[" * 500 + "]" * 500 + "\n", "嵌套"),
    ("nested_tables", "x = " + "{a = " * 500 + "1" + "}" * 500 + "\n", "嵌套"),
    ("dotted_key", "a." * 3000 + "b = 1\n", "键名"),
]


@pytest.mark.parametrize("shape", SHAPES, ids=[s[0] for s in SHAPES])
def test_shapes_tomllib_cannot_take(tmp_path: Path, shape: tuple) -> None:
    _, tail, fragment = shape
    d = tmp_path / "dictionary.toml"
    d.write_text(DICT + tail, encoding="utf-8")
    with pytest.raises(DictionaryError, match=rf"dictionary\.toml:6: {fragment}"):
        load_dictionary(d)
    r = tmp_path / "rules.toml"
    r.write_text(RULES + tail, encoding="utf-8")
    with pytest.raises(RulesError, match=rf"rules\.toml:3: {fragment}"):
        load_rules(r)


def test_encoding_and_size(tmp_path: Path) -> None:
    d = tmp_path / "dictionary.toml"
    d.write_bytes((DICT + 'note = "站点"\n').encode("gbk"))
    with pytest.raises(DictionaryError, match=r"dictionary\.toml:5: 文件不是 UTF-8"):
        load_dictionary(d)
    d.write_bytes(DICT.encode() + b"#" * dictionary_module.MAX_FILE_BYTES)
    with pytest.raises(DictionaryError, match="文件过大"):
        load_dictionary(d)
    r = tmp_path / "rules.toml"
    r.write_bytes((RULES + "# 站点\n").encode("gbk"))
    with pytest.raises(RulesError, match=r"rules\.toml:3: 文件不是 UTF-8"):
        load_rules(r)
    r.write_bytes(RULES.encode() + b"#" * rules_module.MAX_FILE_BYTES)
    with pytest.raises(RulesError, match="文件过大"):
        load_rules(r)


@pytest.mark.parametrize(("text", "needle"), [
    ("[veto]\nunreachable_ratio = nan\n", r"rules\.toml:2: \[veto\] unreachable_ratio：应为有限的数"),
    ("[veto]\nwindow_days = 999999999999\n", r"\[veto\] window_days：应为有限的数，且绝对值不超过 36600"),
    ("[column_freshness]\nwarn_days = 1000000000\n", r"\[column_freshness\] warn_days"),
    ("[availability]\ninterval = inf\n", r"\[availability\] interval"),
    ("[availability]\ntimeout = 1e308\n", r"\[availability\] timeout"),
    ("[content_errors]\nmax_page_bytes = 10000000000000000000000\n", r"\[content_errors\] max_page_bytes"),
])
def test_numbers_must_be_finite_and_sane(tmp_path: Path, text: str, needle: str) -> None:
    r = tmp_path / "rules.toml"
    r.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=needle):
        load_rules(r)
