"""Wall playlists: ordered views with dwell times per wall room, each opened by its own kiosk token.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "wall_playlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("scope_code", sa.String(length=6), nullable=False),
        sa.Column("kiosk_token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.ForeignKeyConstraint(["kiosk_token_id"], ["kiosk_token.id"],
                                name=op.f("fk_wall_playlist_kiosk_token_id_kiosk_token"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["scope_code"], ["node.code"], name=op.f("fk_wall_playlist_scope_code_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wall_playlist")),
        sa.UniqueConstraint("name", name=op.f("uq_wall_playlist_name")),
    )
    op.create_table(
        "wall_playlist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("view", sa.String(length=32), nullable=False),
        sa.Column("city_code", sa.String(length=6), nullable=True),
        sa.Column("dwell_seconds", sa.Integer(), nullable=False),
        sa.Column("expansion", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["playlist_id"], ["wall_playlist.id"],
                                name=op.f("fk_wall_playlist_item_playlist_id_wall_playlist"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wall_playlist_item")),
        sa.UniqueConstraint("playlist_id", "position", name=op.f("uq_wall_playlist_item_playlist_id")),
    )


def downgrade() -> None:
    op.drop_table("wall_playlist_item")
    op.drop_table("wall_playlist")
