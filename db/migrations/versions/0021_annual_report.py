"""Yearly website report (annual_report) and the facts a check run read (inspection_run.facts).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

STATES = ("draft", "submitted", "reviewed", "returned", "published")


def upgrade() -> None:
    allowed = ", ".join(f"'{s}'" for s in STATES)
    op.create_table(
        "annual_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.String(length=32), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("manual", sa.JSON(), nullable=False),
        sa.Column("state", sa.Enum(*STATES, name="annual_report_state", native_enum=False, create_constraint=False,
                                   length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("filled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=64), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_annual_report_site_id_site"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_report")),
        sa.UniqueConstraint("site_id", "year", name="uq_annual_report_site_year"),
        sa.CheckConstraint(f"state IN ({allowed})", name=op.f("ck_annual_report_annual_report_state")),
    )
    op.add_column("inspection_run", sa.Column("facts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inspection_run") as batch:
        batch.drop_column("facts")
    op.drop_table("annual_report")
