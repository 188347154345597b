"""RuleDirectory: one reload policy for the engine and the rules page, over real files in tmp."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from alerts.rule_dir import RuleDirectory
from alerts.service import AlertService
from core.config import AlertsConfig, Config
from tests.support.oncall_rules import RULES
from tsdb.sqlite_store import SQLiteMetricStore


def test_new_set_only_when_every_file_loads_and_generations_count_changes(tmp_path: Path) -> None:
    rules = RuleDirectory(tmp_path)
    st = rules.refresh()
    assert (st.generation, st.files, st.taken, st.in_force.rules) == (1, (), False, ())
    assert rules.refresh() is st  # nothing changed: no new look, same state

    (tmp_path / "a.yaml").write_text(RULES, encoding="utf-8")
    st = rules.refresh()
    assert st.taken and [r.name for r in st.in_force.rules] == ["site_down"] and st.generation == 2
    assert [v.name for v in st.loaded] == ["a.yaml"] and len(st.loaded[0].sha) == 12

    (tmp_path / "b.yaml").write_text(RULES.replace("site_down", "x").replace("for: 3m", "for: soon"),
                                     encoding="utf-8")
    st = rules.refresh()
    assert not st.taken and st.generation == 3 and st.loaded_generation == 2
    assert [r.name for r in st.in_force.rules] == ["site_down"]  # the whole new set is refused
    assert st.error_text.startswith(f"{tmp_path / 'b.yaml'}:") and len(st.files) == 2

    (tmp_path / "b.yaml").unlink()
    (tmp_path / "a.yaml").unlink()
    st = rules.refresh()
    assert st.files == () and not st.taken and [r.name for r in st.in_force.rules] == ["site_down"]


def test_engine_and_page_sharing_one_directory_both_take_a_change(
        migrated_db: tuple[str, sessionmaker[Session]], tmp_path: Path) -> None:
    from dashboard.rules_data import RulesReader

    _, sessions = migrated_db
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "a.yaml").write_text(RULES, encoding="utf-8")
    config = dataclasses.replace(Config(), alerts=AlertsConfig(rules_dir=str(rules_dir),
                                                               receivers_file=str(tmp_path / "none.toml")))
    store = SQLiteMetricStore(tmp_path / "m.db")
    try:
        shared = RuleDirectory(rules_dir)
        service = AlertService(config, sessions, store, rules=shared)
        page = RulesReader(config, shared)
        (rules_dir / "b.yaml").write_text(RULES.replace("site_down", "site_gone"), encoding="utf-8")
        # The page looks first and sees the change; the engine still takes it on its next look.
        assert sorted(r.name for r in page.snapshot().in_force.rules) == ["site_down", "site_gone"]
        assert service.reload_rules() is True
        assert sorted(r.name for r in service.engine.ruleset.rules) == ["site_down", "site_gone"]
        assert service.reload_rules() is False  # once only
    finally:
        store.close()
