"""Column kinds for the scoring checks: ``service`` (办事指南, read by the 服务不实用 check), ``service_stats``
(办事统计), ``message_replies`` (留言答复公开), ``interpretation`` (政策解读) and ``data_release`` (数据发布).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OLD = ("news", "notice", "policy", "personnel", "planning", "consultation", "other")
NEW = (*OLD, "service", "service_stats", "message_replies", "interpretation", "data_release")


def _recheck(values: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table("site_column", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_site_column_column_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_site_column_column_kind"), f"kind IN ({allowed})")


def upgrade() -> None:
    _recheck(NEW)


def downgrade() -> None:
    # A column of a new kind cannot be kept under the old kinds: it becomes "other" (what it was before).
    added = ", ".join(f"'{v}'" for v in NEW if v not in OLD)
    op.execute(f"UPDATE site_column SET kind = 'other' WHERE kind IN ({added})")
    _recheck(OLD)
