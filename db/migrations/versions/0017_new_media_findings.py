"""New media: the national rules' vetoes and early warnings as findings with their history (new_media_finding).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
SEVERITIES = ("critical", "high", "medium", "low")


def upgrade() -> None:
    allowed = ", ".join(f"'{v}'" for v in SEVERITIES)
    op.create_table(
        "new_media_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.Enum(*SEVERITIES, name="finding_severity", native_enum=False,
                                      create_constraint=False, length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("veto", sa.Boolean(), nullable=False),
        sa.Column("first_seen", _TZ, nullable=False),
        sa.Column("last_seen", _TZ, nullable=False),
        sa.Column("resolved_at", _TZ, nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["new_media_account.id"],
                                name=op.f("fk_new_media_finding_account_id_new_media_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_new_media_finding")),
        sa.UniqueConstraint("account_id", "rule", "fingerprint", name=op.f("uq_new_media_finding_account_rule_fp")),
        sa.CheckConstraint(f"severity IN ({allowed})", name=op.f("ck_new_media_finding_finding_severity")),
    )
    op.create_index("ix_new_media_finding_account_open", "new_media_finding", ["account_id", "resolved_at"])
    op.create_index("ix_new_media_finding_open", "new_media_finding", ["resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_new_media_finding_open", table_name="new_media_finding")
    op.drop_index("ix_new_media_finding_account_open", table_name="new_media_finding")
    op.drop_table("new_media_finding")
