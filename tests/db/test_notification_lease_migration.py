"""Revision 0005 on a database with notifications in it, up and down, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db.migrate import downgrade, upgrade
from db.session import make_engine

INSERT = text("INSERT INTO notification (idem_key, group_key, alert_ids, receiver, notifier, payload, status, "
              "attempts, created_at, detail) VALUES (:key, 'g', '[]', 'hook', 'webhook', '{}', :status, 1, "
              "'2026-03-02 01:00:00+00:00', '')")


def test_0005_adds_the_lease_and_the_unknown_status_and_takes_them_back(db_url: str) -> None:
    upgrade(db_url, "0004")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(INSERT, {"key": "old", "status": "sent"})
        upgrade(db_url, "0005")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT claimed_by, lease_until, unknown_attempts FROM notification")).one() \
                == (None, None, 0)
            conn.execute(INSERT, {"key": "lost", "status": "unknown"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(INSERT, {"key": "bad", "status": "maybe"})
        downgrade(db_url, "0004")
        with engine.begin() as conn:  # the older schema has no "unknown": such a row was attempted and not sent
            rows = dict(conn.execute(text("SELECT idem_key, status FROM notification")).all())
        assert rows == {"old": "sent", "lost": "failed"}
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(INSERT, {"key": "again", "status": "unknown"})
    finally:
        engine.dispose()
