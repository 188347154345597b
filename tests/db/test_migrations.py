"""Migrations run up and down on SQLite and PostgreSQL and build exactly the schema of db/models.py."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from db.migrate import current, downgrade, head, upgrade
from db.models import Base
from db.session import make_engine

TABLES = {"node", "site", "site_column", "new_media_account", "host", "inspection_finding", "inspection_run",
          "page_baseline", "crawl_page", "app_user", "login_attempt", "login_session", "login_gate", "kiosk_token",
          "audit_entry", "api_token", "alert", "alert_event",
          "silence", "duty_shift", "handover", "notification",
          "outbox_event", "applied_command", "federated_node", "node_command", "service", "new_media_state",
          "site_dependency", "wall_playlist", "wall_playlist_item", "new_media_finding",
          "site_traffic_daily", "site_traffic_visitors", "traffic_ingest_ledger",
          "finding_decision", "manual_entry", "score_signoff", "rectification_notice", "rectification_problem",
          "rectification_event", "score_snapshot",
          "annual_report"}


def _schema(url: str) -> dict[str, Any]:
    """Everything reflection tells about the registry tables, in a comparable form."""
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        out: dict[str, Any] = {}
        for table in sorted(set(insp.get_table_names()) - {"alembic_version"}):
            out[table] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
                "pk": (insp.get_pk_constraint(table)["name"],
                       tuple(insp.get_pk_constraint(table)["constrained_columns"])),
                "fks": sorted((fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"],
                               (fk.get("options") or {}).get("ondelete")) for fk in insp.get_foreign_keys(table)),
                "uniques": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)),
                "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                                  for i in insp.get_indexes(table)),
                "checks": sorted(c["name"] for c in insp.get_check_constraints(table)),
            }
        return out
    finally:
        engine.dispose()


def test_upgrade_then_downgrade_round_trip(db_url: str) -> None:
    assert current(db_url) is None
    upgrade(db_url)
    assert current(db_url) == head()
    assert set(_schema(db_url)) >= TABLES
    downgrade(db_url, "base")
    assert current(db_url) is None
    assert set(_schema(db_url)) == set()
    upgrade(db_url)  # and up again from base: downgrade left nothing behind that blocks it
    assert current(db_url) == head()


def test_migrated_schema_equals_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        Base.metadata.create_all(engine)
        from_models = _schema(db_url)
        Base.metadata.drop_all(engine)
        upgrade(db_url)
        from_migrations = _schema(db_url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert set(from_models) == TABLES
    assert from_migrations == from_models
    assert diff == []


def test_constraints_follow_naming_convention(db_url: str) -> None:
    upgrade(db_url)
    schema = _schema(db_url)
    assert schema["site"]["pk"] == ("pk_site", ("id",))
    assert ("uq_site_code", ("code",)) in schema["site"]["uniques"]
    assert ("ix_site_node_code", ("node_code",), False) in schema["site"]["indexes"]
    assert schema["site"]["checks"] == ["ck_site_site_level"]
    assert ("fk_site_column_site_id_site", ("site_id",), "site", "CASCADE") in schema["site_column"]["fks"]
