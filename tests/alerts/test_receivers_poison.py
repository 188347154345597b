"""The receivers file cannot end in anything but ReceiversError (issue 9, item 5 applied to receivers):
TOML nested until tomllib recurses to death, a dotted key that makes it take quadratic memory, a byte that
is not UTF-8, a file over the limit, numbers that are not finite or absurd — each names file and line or key."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.receivers import MAX_FILE_BYTES, ReceiversError, load_receivers

HOOK = '[receivers.ops]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\n'
POISONS = [
    ("nested_arrays", HOOK + "x = " + "[" * 500 + "]" * 500 + "\n", r"receivers\.toml:4: 嵌套"),
    ("nested_tables", HOOK + "x = " + "{a = " * 500 + "1" + "}" * 500 + "\n", r"receivers\.toml:4: 嵌套"),
    ("dotted_key", HOOK + "a." * 3000 + "b = 1\n", r"receivers\.toml:4: 键名"),
    ("not_utf8", (HOOK + '# 值班\n').encode("gbk"), r"receivers\.toml:4: 文件不是 UTF-8"),
    ("oversized", HOOK + "#" * MAX_FILE_BYTES, "文件过大"),
    ("timeout_inf", HOOK + "timeout = inf\n", "receivers\\.toml:4: 接收方 ops：键 timeout：应为有限的数"),
    ("timeout_nan", HOOK + "timeout = nan\n", "receivers\\.toml:4: 接收方 ops：键 timeout：应为有限的数"),
    ("timeout_huge", HOOK + "timeout = 1e308\n", "receivers\\.toml:4: 接收方 ops：键 timeout"),
    ("timeout_days", HOOK + "timeout = 86400\n", "键 timeout：最多 600 秒"),
    ("rate_huge", HOOK + "max_per_minute = 99999999999999999999\n",
     "receivers\\.toml:4: 接收方 ops：键 max_per_minute"),
    ("int_beyond_float", HOOK + "header_value = 1" + "0" * 400 + "\n",  # found by the fuzz suite
     "receivers\\.toml:4: 接收方 ops：键 header_value"),
]


@pytest.mark.parametrize("poison", POISONS, ids=[p[0] for p in POISONS])
def test_any_content_is_a_receivers_error(tmp_path: Path, poison: tuple) -> None:
    _, content, needle = poison
    f = tmp_path / "receivers.toml"
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ReceiversError, match=needle):
        load_receivers(f)


def test_a_directory_or_an_unreadable_path_is_a_receivers_error(tmp_path: Path) -> None:
    with pytest.raises(ReceiversError, match="无法读取接收方文件"):
        load_receivers(tmp_path)
