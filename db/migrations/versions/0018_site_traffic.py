"""Site traffic from access logs: daily PV/UV, the day's visitor keys and the ingestion ledger.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_traffic_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("pv", sa.BigInteger(), nullable=False),
        sa.Column("uv", sa.BigInteger(), nullable=False),
        sa.Column("bot_hits", sa.BigInteger(), nullable=False),
        sa.Column("bad_lines", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_site_traffic_daily_site_id_site"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_traffic_daily")),
        sa.UniqueConstraint("site_id", "day", name=op.f("uq_site_traffic_daily_site_id")),
    )
    op.create_table(
        "site_traffic_visitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("keys", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_site_traffic_visitors_site_id_site"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_traffic_visitors")),
        sa.UniqueConstraint("site_id", "day", name=op.f("uq_site_traffic_visitors_site_id")),
    )
    op.create_table(
        "traffic_ingest_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_line_sha256", sa.String(length=64), nullable=False),
        sa.Column("prefix_sha256", sa.String(length=64), nullable=False),
        sa.Column("head_sha256", sa.String(length=64), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("bad_lines", sa.BigInteger(), nullable=False),
        sa.Column("unattributed", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("site_code", sa.String(length=16), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_traffic_ingest_ledger")),
        sa.UniqueConstraint("first_line_sha256", "head_sha256",
                            name=op.f("uq_traffic_ingest_ledger_first_line_sha256")),
    )


def downgrade() -> None:
    op.drop_table("traffic_ingest_ledger")
    op.drop_table("site_traffic_visitors")
    op.drop_table("site_traffic_daily")
