"""Inspection: findings, check runs and page baselines.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

A snapshot of the inspection models in db/models.py at this revision; enum values are spelled out.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEVERITIES = ("critical", "high", "medium", "low")
RUN_STATUSES = ("ok", "error", "timeout")


def _enum(column: str, table: str, type_name: str,
          values: tuple[str, ...]) -> tuple[sa.Column[str], sa.CheckConstraint]:
    col: sa.Column[str] = sa.Column(column, sa.Enum(*values, name=type_name, native_enum=False,
                                                    create_constraint=False, length=32), nullable=False)
    allowed = ", ".join(f"'{v}'" for v in values)
    return col, sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{type_name}"))


def _site_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f(f"fk_{table}_site_id_site"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    severity_col, severity_ck = _enum("severity", "inspection_finding", "finding_severity", SEVERITIES)
    op.create_table(
        "inspection_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("location", sa.String(length=2048), nullable=False),
        sa.Column("fingerprint", sa.String(length=40), nullable=False),
        severity_col,
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("veto", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        _site_fk("inspection_finding"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_finding")),
        sa.UniqueConstraint("site_id", "check", "fingerprint", name=op.f("uq_inspection_finding_site_check_fp")),
        severity_ck,
    )
    op.create_index("ix_inspection_finding_site_open", "inspection_finding", ["site_id", "resolved_at"])
    op.create_index("ix_inspection_finding_check_open", "inspection_finding", ["check", "resolved_at"])
    op.create_index("ix_inspection_finding_deadline", "inspection_finding", ["deadline"])

    status_col, status_ck = _enum("status", "inspection_run", "run_status", RUN_STATUSES)
    op.create_table(
        "inspection_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=32), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        status_col,
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        _site_fk("inspection_run"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_run")),
        status_ck,
    )
    op.create_index("ix_inspection_run_site_check_started", "inspection_run", ["site_id", "check", "started_at"])

    op.create_table(
        "page_baseline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("digest", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _site_fk("page_baseline"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_baseline")),
        sa.UniqueConstraint("site_id", "check", "key", name=op.f("uq_page_baseline_site_check_key")),
    )


def downgrade() -> None:
    op.drop_table("page_baseline")
    op.drop_index("ix_inspection_run_site_check_started", table_name="inspection_run")
    op.drop_table("inspection_run")
    for index in ("ix_inspection_finding_deadline", "ix_inspection_finding_check_open",
                  "ix_inspection_finding_site_open"):
        op.drop_index(index, table_name="inspection_finding")
    op.drop_table("inspection_finding")
