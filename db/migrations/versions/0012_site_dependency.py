"""Site dependencies: the hosts and services that serve each site (impact of a host or service fault).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_dependency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_name", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_site_dependency_site_id_site"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_dependency")),
        sa.UniqueConstraint("site_id", "target_kind", "target_name", name=op.f("uq_site_dependency_site_id")),
    )
    with op.batch_alter_table("site_dependency", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_dependency_site_id"), ["site_id"], unique=False)
        batch_op.create_index("ix_site_dependency_target", ["target_kind", "target_name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("site_dependency", schema=None) as batch_op:
        batch_op.drop_index("ix_site_dependency_target")
        batch_op.drop_index(batch_op.f("ix_site_dependency_site_id"))
    op.drop_table("site_dependency")
