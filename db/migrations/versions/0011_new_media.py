"""New media: the account's owner organ, enabled flag and credential reference; the latest activity per
account (new_media_state).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("new_media_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organizer", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("credential_ref", sa.String(length=256), nullable=True))
    with op.batch_alter_table("new_media_account", schema=None) as batch_op:
        batch_op.alter_column("enabled", server_default=None)
    op.create_table(
        "new_media_state",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("collected_at", _TZ, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("last_post_at", _TZ, nullable=True),
        sa.Column("posts_7d", sa.Integer(), nullable=True),
        sa.Column("followers", sa.Integer(), nullable=True),
        sa.Column("interaction_open", sa.Boolean(), nullable=True),
        sa.Column("interaction_at", _TZ, nullable=True),
        sa.Column("unanswered", sa.Integer(), nullable=True),
        sa.Column("oldest_unanswered_at", _TZ, nullable=True),
        sa.Column("messages_at", _TZ, nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["new_media_account.id"],
                                name=op.f("fk_new_media_state_account_id_new_media_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_new_media_state")),
    )


def downgrade() -> None:
    op.drop_table("new_media_state")
    with op.batch_alter_table("new_media_account", schema=None) as batch_op:
        batch_op.drop_column("credential_ref")
        batch_op.drop_column("enabled")
        batch_op.drop_column("organizer")
