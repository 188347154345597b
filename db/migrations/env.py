"""Alembic environment: the URL (or an open connection) comes from :mod:`db.migrate`, not a file.

``config.attributes["connection"]`` is used when given; otherwise ``config.attributes["url"]``
(an attribute, not a main option, because configparser would mangle ``%`` in URL queries).
SQLite runs in batch mode so ALTERs work there too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, cast

from alembic import context
from sqlalchemy import Connection

from core.logging import get_logger
from db.models import Base
from db.session import make_engine

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext, MigrationInfo
    from alembic.script import Script

log = get_logger("db.migrate")
config = context.config


# Alembic calls it with these keywords; its stub declares the callback positionally, so not keyword-only.
def _on_apply(ctx: MigrationContext, step: MigrationInfo, heads: Collection[Any], run_args: Mapping[str, Any]) -> None:
    # One line per revision, so an operator sees how far a long upgrade got.
    target = step.destination_revision_ids
    up = cast("Script | None", step.up_revision)  # the revision map built from the scripts directory holds Scripts
    log.info("migrate.step", direction="up" if step.is_upgrade else "down",
             revision=",".join(target) if target else "base", script=step.up_revision_id,
             doc=(up.doc or "").splitlines()[0] if up else "")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=_on_apply,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("url")
    if not url:
        raise RuntimeError("db.migrations: no database URL; call db.migrate.upgrade(url)")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("db.migrations: offline (SQL script) mode is not supported")
run_migrations_online()
