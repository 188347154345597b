"""Fleet definition, default fault mix, ground truth and registry export (pure; no server)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import load_divisions, seed_nodes
from db.models import Column, Site
from db.registry_io import import_columns, import_sites
from demo.__main__ import main as demo_main
from demo.entries import PROFILE, entries, today
from demo.faults import KINDS
from demo.fleet import FleetError, FleetSpec, _address, build_fleet
from tests.demo.conftest import AS_OF, demo_config


def test_fleet_has_portal_departments_cities_and_counties(default_spec: FleetSpec) -> None:
    divisions = load_divisions()
    cities = {d["code"] for d in divisions if d["level"] == "city"}
    counties = {d["code"] for d in divisions if d["level"] == "county"}
    by_level: dict[str, list[str]] = {}
    for s in default_spec.sites:
        by_level.setdefault(s.level, []).append(s.node_code)
    assert by_level["provincial_portal"] == ["430000"]
    assert 5 <= len(by_level["provincial_department"]) <= 8
    assert set(by_level["provincial_department"]) == {"430000"}
    assert sorted(by_level["city_portal"]) == sorted(cities) and len(cities) == 14
    assert sorted(by_level["county_portal"]) == sorted(counties) and len(counties) == 122
    portal = default_spec.site("4300000001")
    assert portal.name == "湖南省人民政府门户网站"
    assert default_spec.site("4301000001").name == "长沙市人民政府"
    codes = [s.code for s in default_spec.sites]
    assert len(set(codes)) == len(codes)
    assert all(len(c) == 10 and c.isdigit() and c[:6] == s.node_code for c, s in zip(codes, default_spec.sites,
                                                                                        strict=True))
    assert len({s.address for s in default_spec.sites}) == len(codes)


def test_urls_and_https(default_spec: FleetSpec) -> None:
    prefix = demo_config(Path("/tmp")).demo.bind_prefix
    for s in default_spec.sites:
        assert s.address.startswith(prefix + ".")
        port = default_spec.https_port if s.https else default_spec.port
        assert s.url == f"{'https' if s.https else 'http'}://{s.address}:{port}/"
        if s.level in ("provincial_portal", "city_portal"):
            assert s.https
    others = [s for s in default_spec.sites if s.level in ("provincial_department", "county_portal")]
    assert 0 < sum(s.https for s in others) < len(others) / 2


def test_addresses_wrap_to_next_block() -> None:
    assert _address("127.0.1", 0) == "127.0.1.1"
    assert _address("127.0.1", 253) == "127.0.1.254"
    assert _address("127.0.1", 254) == "127.0.2.1"
    with pytest.raises(FleetError, match="bind_prefix"):
        _address("127.0.255", 300)


def test_default_mix_covers_every_kind_and_leaves_clean_sites(default_spec: FleetSpec) -> None:
    kinds = {f.kind for f in default_spec.faults}
    assert kinds == set(KINDS)
    faulted = {f.site_code for f in default_spec.faults}
    assert len(faulted) == len(default_spec.faults)  # one fault per site
    share = len(faulted) / len(default_spec.sites)
    assert 0.10 <= share <= 0.30, share  # one site per kind at least: 36 faults over the 144 sites
    assert "4300000001" not in faulted
    for f in default_spec.faults:
        if f.kind.startswith("tls_"):
            assert default_spec.site(f.site_code).https
        if f.kind == "slow":
            assert f.params["delay_s"] > default_spec.probe_timeout


def test_seeded_builds_are_deterministic(tmp_path: Path) -> None:
    cfg = demo_config(tmp_path, seed=7)
    a = build_fleet(cfg, AS_OF).ground_truth()
    b = build_fleet(cfg, AS_OF).ground_truth()
    c = build_fleet(replace(cfg, demo=replace(cfg.demo, seed=8)), AS_OF).ground_truth()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["faults"] != c["faults"]


def test_ground_truth_lists_exactly_the_declared_faults(default_spec: FleetSpec) -> None:
    truth = json.loads(json.dumps(default_spec.ground_truth()))  # JSON-serialisable
    declared = sorted((f.site_code, f.kind, json.dumps(dict(f.params), sort_keys=True)) for f in default_spec.faults)
    listed = sorted((f["site_code"], f["kind"], json.dumps(f["params"], sort_keys=True)) for f in truth["faults"])
    assert listed == declared
    per_site = sorted((s["code"], f["kind"], json.dumps(f["params"], sort_keys=True))
                      for s in truth["sites"] for f in s["faults"])
    assert per_site == declared
    faulted = {f.site_code for f in default_spec.faults}
    for s in truth["sites"]:
        assert s["clean"] == (s["code"] not in faulted)
        assert (s["faults"] == []) == s["clean"]
    by_kind = {f["kind"]: f["expect"] for f in truth["faults"]}
    assert by_kind["down"].items() >= {"probe_ok": False, "error": "connection_refused"}.items()
    assert by_kind["tls_expired"]["probe_ok"] is False and by_kind["tls_expiring"]["probe_ok"] is True
    assert by_kind["slow"]["probe_ok"] is False


def test_clean_columns_are_fresh_and_stale_ones_exact(default_spec: FleetSpec) -> None:
    day = today(default_spec)
    assert day.isoformat() == "2026-11-27"
    for s in default_spec.sites:
        for col in s.columns:
            items = entries(default_spec, s, col.kind)
            stale = default_spec.fault(s.code, "stale_column", col.kind)
            blank = default_spec.fault(s.code, "blank_column", col.kind)
            if blank:
                assert items == []
                continue
            assert [e.published for e in items] == sorted((e.published for e in items), reverse=True)
            assert items[0].published <= AS_OF
            age = (day - items[0].day).days
            if col.kind == "interpretation":  # derived: the newest policy's, published a day to three after it
                policy = entries(default_spec, s, "policy")[0]
                assert items[0].related == policy.path
                assert timedelta(0) <= items[0].published - policy.published <= timedelta(days=3, hours=2)
                continue
            if stale:
                assert age == stale.params["days"]
            else:
                assert age <= PROFILE[col.kind][0]
    stale_news = [f for f in default_spec.faults if f.kind == "stale_column"]
    assert stale_news and all(entries(default_spec, default_spec.site(f.site_code), f.params["column"])[0].day
                              == day - timedelta(days=f.params["days"]) for f in stale_news)


def test_registry_csvs_import_into_the_registry(default_spec: FleetSpec, tmp_path: Path,
                                                migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    sites_csv, columns_csv = tmp_path / "sites.csv", tmp_path / "columns.csv"
    default_spec.write_registry(sites_csv, columns_csv)
    with sites_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["site_code", "name", "url", "level", "node_code", "organizer"]
    n_dept = sum(1 for r in rows if r["level"] == "provincial_department")
    assert len(rows) == 1 + n_dept + 14 + 122
    with columns_csv.open(encoding="utf-8", newline="") as fh:
        cols = list(csv.DictReader(fh))
    assert list(cols[0]) == ["site_code", "column_name", "kind", "url"]
    assert len(cols) == 8 * len(rows)  # seven dated columns and the 办事指南 column
    _, factory = migrated_db
    with factory.begin() as s:
        seed_nodes(s)
    with factory.begin() as s:
        assert import_sites(s, sites_csv).created == len(rows)
    with factory.begin() as s:
        assert import_columns(s, columns_csv).created == len(cols)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Site)) == len(rows)
        assert s.scalar(select(func.count()).select_from(Column)) == len(cols)


def test_cli_export_writes_truth_and_csvs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cfg = demo_config(tmp_path)
    for key, value in (("BIND_PREFIX", cfg.demo.bind_prefix), ("SEED", "11")):
        monkeypatch.setenv(f"GOVOPS_DEMO__{key}", value)
    monkeypatch.delenv("GOVOPS_CONFIG", raising=False)
    out = tmp_path / "out"
    assert demo_main(["--as-of", "2026-11-27T10:30:00+08:00", "export", "--out", str(out)]) == 0
    assert "已导出" in capsys.readouterr().out
    truth = json.loads((out / "ground-truth.json").read_text(encoding="utf-8"))
    assert truth["today"] == "2026-11-27" and truth["seed"] == 11
    assert truth["counts"]["sites"] == len(truth["sites"]) == sum(1 for _ in (out / "sites.csv").open()) - 1
    assert (out / "columns.csv").is_file()
