"""Column kind ``service`` (办事指南): the service-guide columns the 服务不实用 check reads.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD = ("news", "notice", "policy", "personnel", "planning", "consultation", "other")
NEW = (*OLD, "service")


def _recheck(values: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table("site_column", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_site_column_column_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_site_column_column_kind"), f"kind IN ({allowed})")


def upgrade() -> None:
    _recheck(NEW)


def downgrade() -> None:
    # A service column cannot be kept under the old kinds: it becomes "other" (what it was before).
    op.execute("UPDATE site_column SET kind = 'other' WHERE kind = 'service'")
    _recheck(OLD)
