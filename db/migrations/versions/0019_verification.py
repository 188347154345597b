"""Manual verification and rectification (issue 14 §2): finding decisions, manual score entries, score-sheet
sign-offs, rectification notices with their problems and history.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def _fk(table: str, col: str, ref: str, refcol: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{ref}.{refcol}"], name=op.f(f"fk_{table}_{col}_{ref}"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "finding_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_digest", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.String(length=96), nullable=False),
        sa.Column("decided_at", _TZ, nullable=False),
        _fk("finding_decision", "finding_id", "inspection_finding"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_decision")),
    )
    op.create_index("ix_finding_decision_finding", "finding_decision", ["finding_id", "decided_at"])
    op.create_table(
        "manual_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=96), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("withdrawn_by", sa.String(length=96), nullable=True),
        sa.Column("withdrawn_at", _TZ, nullable=True),
        _fk("manual_entry", "site_id", "site"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_entry")),
    )
    op.create_index("ix_manual_entry_site_period", "manual_entry", ["site_id", "period"])
    op.create_table(
        "score_signoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("signed_by", sa.String(length=96), nullable=False),
        sa.Column("signed_at", _TZ, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _fk("score_signoff", "site_id", "site"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_signoff")),
    )
    op.create_index("ix_score_signoff_site_period", "score_signoff", ["site_id", "period", "signed_at"])
    op.create_table(
        "rectification_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("addressee", sa.String(length=128), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=96), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("issued_by", sa.String(length=96), nullable=True),
        sa.Column("issued_at", _TZ, nullable=True),
        sa.Column("closed_at", _TZ, nullable=True),
        sa.Column("escalated_at", _TZ, nullable=True),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("rectification_notice", "site_id", "site"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_notice")),
    )
    op.create_index("ix_rectification_notice_site", "rectification_notice", ["site_id"])
    op.create_index("ix_rectification_notice_state", "rectification_notice", ["state"])
    op.create_table(
        "rectification_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answer_evidence", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=96), nullable=True),
        sa.Column("answered_at", _TZ, nullable=True),
        sa.Column("judged_at", _TZ, nullable=True),
        _fk("rectification_problem", "notice_id", "rectification_notice"),
        _fk("rectification_problem", "finding_id", "inspection_finding"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_problem")),
        sa.UniqueConstraint("notice_id", "finding_id", name=op.f("uq_rectification_problem_notice_finding")),
    )
    op.create_index("ix_rectification_problem_finding", "rectification_problem", ["finding_id"])
    op.create_table(
        "rectification_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=96), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _fk("rectification_event", "notice_id", "rectification_notice"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_event")),
    )
    op.create_index("ix_rectification_event_notice", "rectification_event", ["notice_id", "at"])


def downgrade() -> None:
    op.drop_table("rectification_event")
    op.drop_table("rectification_problem")
    op.drop_table("rectification_notice")
    op.drop_table("score_signoff")
    op.drop_table("manual_entry")
    op.drop_table("finding_decision")
