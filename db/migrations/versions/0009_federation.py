"""The 1+14 federation: a city's outbox and applied commands, the province's view of its city nodes and the
commands it sends them, and the origin of rows a province mirrors from a city.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=24), nullable=False),
        sa.Column("entity_key", sa.String(length=256), nullable=False),
        sa.Column("op", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("sent_at", _TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_event_id")),
        sqlite_autoincrement=True,  # ids never reused after pruning (docs/federation.md)
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_event_unsent", ["sent_at", "id"], unique=False)
    op.create_table(
        "applied_command",
        sa.Column("command_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("applied_at", _TZ, nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("command_id", name=op.f("pk_applied_command")),
    )
    op.create_table(
        "federated_node",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("first_seen_at", _TZ, nullable=False),
        sa.Column("last_seen_at", _TZ, nullable=False),
        sa.Column("last_event_seq", sa.Integer(), nullable=False),
        sa.Column("last_event_at", _TZ, nullable=True),
        sa.Column("events_applied", sa.Integer(), nullable=False),
        sa.Column("config_version", sa.String(length=64), nullable=True),
        sa.Column("config_pulled_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["code"], ["node.code"], name=op.f("fk_federated_node_code_node")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_federated_node")),
    )
    op.create_table(
        "node_command",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("created_by", sa.String(length=96), nullable=False),
        sa.Column("applied_at", _TZ, nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["node_code"], ["node.code"], name=op.f("fk_node_command_node_code_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_command")),
    )
    with op.batch_alter_table("node_command", schema=None) as batch_op:
        batch_op.create_index("ix_node_command_node", ["node_code", "id"], unique=False)
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_node", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("origin_id", sa.Integer(), nullable=True))
        batch_op.create_index("uq_alert_origin", ["origin_node", "origin_id"], unique=True)
    for table in ("host", "inspection_finding"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("origin_node", sa.String(length=6), nullable=True))
    with op.batch_alter_table("inspection_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_node", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("origin_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inspection_run", schema=None) as batch_op:
        batch_op.drop_column("origin_id")
        batch_op.drop_column("origin_node")
    for table in ("inspection_finding", "host"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("origin_node")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("uq_alert_origin")
        batch_op.drop_column("origin_id")
        batch_op.drop_column("origin_node")
    with op.batch_alter_table("node_command", schema=None) as batch_op:
        batch_op.drop_index("ix_node_command_node")
    op.drop_table("node_command")
    op.drop_table("federated_node")
    op.drop_table("applied_command")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_unsent")
    op.drop_table("outbox_event")
