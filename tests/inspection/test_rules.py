"""The rules file: defaults, coercion, shared [veto] values, and errors that name file, table and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from inspection.rules import RulesError, VetoRules, load_rules, provisional_keys


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_file_equals_defaults() -> None:
    rules = load_rules(PROJECT_ROOT / "data/inspection/rules.toml")
    assert rules.veto == VetoRules()
    assert rules.interval_for("availability") == 3600.0
    s = rules.settings_for("availability")
    assert (s.unreachable_ratio, s.unreachable_warning_ratio, s.window_days, s.probes_per_day) == (0.05, 0.04, 7, 20)


def test_values_are_coerced_and_shared_with_veto(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, "[veto]\nunreachable_ratio = 0.1\nwindow_days = 3\n"
                                       "[availability]\nprobes_per_day = 10\ntimeout = 20\ninterval = 60\n"))
    s = rules.settings_for("availability")
    assert s.unreachable_ratio == 0.1 and s.window_days == 3 and s.probes_per_day == 10
    assert rules.timeout_for("availability", 300.0) == 20.0 and rules.timeout_for("identity", 300.0) == 300.0
    assert rules.interval_for("availability") == 60.0
    # an integer where a number is expected is fine
    assert load_rules(_write(tmp_path, "[veto]\nunreachable_ratio = 1e-1\nunreachable_warning_ratio = 0\n"
                             .replace("0\n", "0.05\n"))).veto.unreachable_warning_ratio == 0.05


def test_only_declared_settings_share_veto_values(tmp_path: Path) -> None:
    rules = load_rules(_write(tmp_path, "[veto]\nwindow_days = 3\nwarn_days = 9\nhomepage_days = 10\n"
                                       "notice_policy_days = 200\nunanswered_days = 60\n"))
    home = rules.settings_for("homepage_update")
    assert home.window_days == 10  # from homepage_days, not from the availability look-back window_days
    assert home.warn_days == 5  # a same-named setting is not shared unless declared
    cols = rules.settings_for("column_freshness")
    assert (cols.notice_days, cols.policy_days, cols.warn_days) == (200, 200, 7)
    assert rules.settings_for("interaction").reply_days == 60
    assert rules.settings_for("availability").window_days == 3


@pytest.mark.parametrize(("text", "needles"), [
    ("[nonsense]\nx = 1\n", [":1: [nonsense]", "没有这项检查", "availability"]),
    ("[veto]\nstale_colums = 5\n", [":2: [veto] stale_colums", "没有这个设置项", "stale_columns"]),
    ("[veto]\nstale_columns = 'five'\n", [":2: [veto] stale_columns", "应为整数", "'five'"]),
    ("[veto]\nstale_columns = 5.5\n", [":2: [veto] stale_columns", "应为整数"]),
    ("[veto]\nundated_is_stale = 'yes'\n", [":2: [veto] undated_is_stale", "true 或 false"]),
    ("[veto]\nunreachable_ratio = 0.01\n", ["[veto]", "unreachable_warning_ratio"]),
    ("[veto]\nnews_days = 0\n", ["news_days", "应大于 0"]),
    ("[availability]\nprobes_per_day = true\n", [":2: [availability] probes_per_day", "应为整数"]),
    ("[availability]\ninterval = -1\n", [":2: [availability] interval", "应为大于 0 的秒数"]),
    ("[availability]\n\nwindow = 7\n", [":3: [availability] window", "没有这个设置项", "interval"]),
    ("veto = 3\n", ["[veto]", "应为表"]),
    ("[veto\n", [":1: TOML 格式错误"]),
])
def test_errors_name_file_table_key(tmp_path: Path, text: str, needles: list[str]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RulesError) as err:
        load_rules(path)
    for needle in [str(path), *needles]:
        assert needle in str(err.value), str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="不存在"):
        load_rules(tmp_path / "nope.toml")


def test_provisional_keys_listed() -> None:
    keys = provisional_keys()
    assert "veto.unreachable_warning_ratio" in keys and "availability.unreachable_warning_ratio" in keys
    assert "veto.unreachable_ratio" not in keys and "veto.stale_columns" not in keys
