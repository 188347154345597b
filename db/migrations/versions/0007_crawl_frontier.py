"""A persistent crawl frontier per site: every page reachable from the homepage read within the cycle.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crawl_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("etag", sa.String(length=512), nullable=True),
        sa.Column("last_modified", sa.String(length=128), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_checked", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_changed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("links", sa.LargeBinary(), nullable=True),
        sa.Column("signature", sa.String(length=64), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_crawl_page_site_id_site"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_page")),
        sa.UniqueConstraint("site_id", "url", name="uq_crawl_page_site_url"),
    )
    with op.batch_alter_table("crawl_page", schema=None) as batch_op:
        batch_op.create_index("ix_crawl_page_site", ["site_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("crawl_page", schema=None) as batch_op:
        batch_op.drop_index("ix_crawl_page_site")
    op.drop_table("crawl_page")
