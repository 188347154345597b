"""Fault declarations: defaults, validation and TOML fault-file errors naming file, entry and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from demo.faults import FaultError, check_unique, load_fault_file, make_fault
from demo.fleet import build_fleet
from tests.demo.conftest import AS_OF, demo_config

CODES = {"4301020001", "4301030001", "4302000001"}


def _load(tmp_path: Path, body: str) -> list:  # type: ignore[type-arg]
    path = tmp_path / "faults.toml"
    path.write_text(body, encoding="utf-8")
    return load_fault_file(path, CODES, probe_timeout=15.0)


def test_defaults_are_filled() -> None:
    assert make_fault("slow", "4301020001").params == {"delay_s": 20.0}
    assert make_fault("stale_column", "4301020001", {"column": "notice"}).params == {"column": "notice", "days": 200}
    assert make_fault("dead_links", "4301020001").params == {"count": 4, "where": "both"}
    assert make_fault("error_status", "4301020001").params == {"status": 503}


def test_fault_file_is_read(tmp_path: Path) -> None:
    faults = _load(tmp_path, '[[fault]]\nkind = "down"\nsite = "4301020001"\n\n'
                             '[[fault]]\nkind = "tls_expiring"\nsite = "4301030001"\ndays = 7\n')
    assert [(f.kind, f.site_code, dict(f.params)) for f in faults] == [
        ("down", "4301020001", {}), ("tls_expiring", "4301030001", {"days": 7})]


@pytest.mark.parametrize(("body", "entry", "key"), [
    ('[[fault]]\nkind = "down"\nsite = "4301020001"\n[[fault]]\nkind = "melt"\nsite = "4301030001"\n', "#2", "kind"),
    ('[[fault]]\nkind = "slow"\nsite = "4301020001"\ndelay_s = "long"\n', "#1", "delay_s"),
    ('[[fault]]\nkind = "stale_column"\nsite = "4301020001"\ncolumn = "sports"\n', "#1", "column"),
    ('[[fault]]\nkind = "tls_expiring"\nsite = "4301020001"\ndays = 0\n', "#1", "days"),
    ('[[fault]]\nkind = "down"\nsite = "4301020001"\ncolour = "red"\n', "#1", "colour"),
    ('[[fault]]\nkind = "down"\n', "#1", "site"),
    ('[[fault]]\nsite = "4301020001"\n', "#1", "kind"),
    ('[[fault]]\nkind = "down"\nsite = "4399990001"\n', "#1", "site"),
    ('[[fault]]\nkind = "down"\nsite = "43"\n', "#1", "site"),
])
def test_bad_declarations_name_file_entry_and_key(tmp_path: Path, body: str, entry: str, key: str) -> None:
    with pytest.raises(FaultError) as err:
        _load(tmp_path, body)
    msg = str(err.value)
    assert str(tmp_path / "faults.toml") in msg
    assert f"entry {entry}" in msg
    assert f"key '{key}'" in msg


def test_invalid_toml_and_missing_file_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(FaultError, match=r"faults\.toml: invalid TOML"):
        _load(tmp_path, "[[fault]\n")
    with pytest.raises(FaultError, match=r"nope\.toml: not found"):
        load_fault_file(tmp_path / "nope.toml", CODES, 15.0)


def test_conflicting_declarations_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FaultError, match="already has a down fault"):
        check_unique([make_fault("down", "4301020001"), make_fault("down", "4301020001")])
    with pytest.raises(FaultError, match="'down' cannot be combined"):
        check_unique([make_fault("down", "4301020001"), make_fault("homepage_stale", "4301020001")])
    # Two stale columns on one site are fine; the same column twice is not.
    check_unique([make_fault("stale_column", "4301020001", {"column": "news"}),
                  make_fault("stale_column", "4301020001", {"column": "notice"})])
    with pytest.raises(FaultError, match="on column news"):
        check_unique([make_fault("stale_column", "4301020001"), make_fault("stale_column", "4301020001")])


def test_fault_file_replaces_the_default_mix_and_tls_forces_https(tmp_path: Path) -> None:
    county = "4301020001"  # a county portal: plain HTTP unless a TLS fault needs a certificate
    (tmp_path / "f.toml").write_text(f'[[fault]]\nkind = "tls_expired"\nsite = "{county}"\n', encoding="utf-8")
    spec = build_fleet(demo_config(tmp_path, str(tmp_path / "f.toml")), AS_OF)
    assert [(f.kind, f.site_code) for f in spec.faults] == [("tls_expired", county)]
    assert spec.site(county).https and spec.site(county).url.startswith("https://")
    truth = spec.ground_truth()
    assert sum(1 for s in truth["sites"] if not s["clean"]) == 1


def test_example_fault_file_is_valid(tmp_path: Path) -> None:
    from core.config import PROJECT_ROOT
    from demo.faults import KINDS

    spec = build_fleet(demo_config(tmp_path, str(PROJECT_ROOT / "data/demo/faults.example.toml")), AS_OF)
    assert {f.kind for f in spec.faults} == set(KINDS)
