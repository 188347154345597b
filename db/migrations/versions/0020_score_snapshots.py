"""Score snapshots (issue 14 §1 ``score run``): one row per site, period and revision.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "score_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("indicator_version", sa.String(length=32), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("computed_at", _TZ, nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("frozen_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_score_snapshot_site_id_site"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_snapshot")),
        sa.UniqueConstraint("site_id", "period", "revision", name="uq_score_snapshot_site_period_rev"),
    )
    op.create_index("ix_score_snapshot_period", "score_snapshot", ["period", "site_id"])


def downgrade() -> None:
    op.drop_index("ix_score_snapshot_period", table_name="score_snapshot")
    op.drop_table("score_snapshot")
