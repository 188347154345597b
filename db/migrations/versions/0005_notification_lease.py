"""Notification leases: the claim on a row's current attempt (claimed_by, lease_until), the count of
attempts without a known outcome (unknown_attempts) and the delivery status "unknown" (alerts.delivery).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD = ("pending", "sent", "retrying", "failed", "rate_limited", "suppressed")
NEW = (*OLD, "unknown")


def _status(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="delivery_status", native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("unknown_attempts", sa.Integer(), server_default=sa.text("0"),
                                      nullable=False))
        batch_op.alter_column("status", existing_type=_status(OLD), type_=_status(NEW), existing_nullable=False)


def downgrade() -> None:
    # a row left "unknown" was attempted and not sent again: the older schema calls that failed
    op.execute(sa.text("UPDATE notification SET status = 'failed' WHERE status = 'unknown'"))
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=_status(NEW), type_=_status(OLD), existing_nullable=False)
        batch_op.drop_column("unknown_attempts")
        batch_op.drop_column("lease_until")
        batch_op.drop_column("claimed_by")
