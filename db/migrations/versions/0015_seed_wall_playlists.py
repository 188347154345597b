"""Default wall playlists as data: ``wall_playlist.default_scope`` marks the playlist a wall room of that
scope plays when its screen is bound to no playlist of its own. The rows themselves are seeded at start-up
(walls.defaults.seed_defaults, called by runtime.bootstrap.prepare_database), where the divisions and the
``[web] rotate_seconds`` they copy are known.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("wall_playlist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_scope", sa.String(length=6), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_wall_playlist_default_scope"), ["default_scope"])


def downgrade() -> None:
    with op.batch_alter_table("wall_playlist", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_wall_playlist_default_scope"), type_="unique")
        batch_op.drop_column("default_scope")
