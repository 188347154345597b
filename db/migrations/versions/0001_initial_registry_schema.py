"""Initial registry schema: node, site, site_column, new_media_account, host.

Revision ID: 0001
Revises:
Create Date: 2026-11-27

A snapshot of db/models.py at this revision. Enum values are spelled out (not imported) so later
model changes cannot silently rewrite history; every constraint carries its naming-convention name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _enum(column: str, table: str, type_name: str,
          values: tuple[str, ...]) -> tuple[sa.Column[str], sa.CheckConstraint]:
    """A VARCHAR(32) enum column plus its CHECK, named as the model's naming convention names it."""
    col: sa.Column[str] = sa.Column(column, sa.Enum(*values, name=type_name, native_enum=False,
                                                    create_constraint=False, length=32), nullable=False)
    allowed = ", ".join(f"'{v}'" for v in values)
    check = sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{type_name}"))
    return col, check


NODE_LEVELS = ("province", "city", "county")
SITE_LEVELS = ("provincial_portal", "provincial_department", "city_portal", "city_department", "county_portal")
COLUMN_KINDS = ("news", "notice", "policy", "personnel", "planning", "consultation", "other")
PLATFORMS = ("wechat", "weibo", "douyin", "toutiao", "kuaishou", "app", "other")
HOST_ROLES = ("web", "cms", "database", "search", "queue", "proxy", "storage", "other")


def upgrade() -> None:
    level_col, level_ck = _enum("level", "node", "node_level", NODE_LEVELS)
    op.create_table(
        "node",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        level_col,
        sa.Column("parent_code", sa.String(length=6), nullable=True),
        sa.ForeignKeyConstraint(["parent_code"], ["node.code"], name=op.f("fk_node_parent_code_node")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_node")),
        level_ck,
    )
    op.create_index(op.f("ix_node_parent_code"), "node", ["parent_code"], unique=False)

    role_col, role_ck = _enum("role", "host", "host_role", HOST_ROLES)
    op.create_table(
        "host",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("node_code", sa.String(length=6), nullable=False),
        role_col,
        sa.Column("local", sa.Boolean(), nullable=False),
        sa.Column("ssh_port", sa.Integer(), nullable=False),
        sa.Column("ssh_user", sa.String(length=64), nullable=True),
        sa.Column("ssh_key_path", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["node_code"], ["node.code"], name=op.f("fk_host_node_code_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host")),
        sa.UniqueConstraint("name", name=op.f("uq_host_name")),
        role_ck,
    )
    op.create_index(op.f("ix_host_node_code"), "host", ["node_code"], unique=False)

    site_level_col, site_level_ck = _enum("level", "site", "site_level", SITE_LEVELS)
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("url", sa.String(length=512), nullable=False),
        site_level_col,
        sa.Column("node_code", sa.String(length=6), nullable=False),
        sa.Column("organizer", sa.String(length=128), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["node_code"], ["node.code"], name=op.f("fk_site_node_code_node")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("code", name=op.f("uq_site_code")),
        site_level_ck,
    )
    op.create_index(op.f("ix_site_node_code"), "site", ["node_code"], unique=False)

    platform_col, platform_ck = _enum("platform", "new_media_account", "media_platform", PLATFORMS)
    op.create_table(
        "new_media_account",
        sa.Column("id", sa.Integer(), nullable=False),
        platform_col,
        sa.Column("account_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("node_code", sa.String(length=6), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("profile_url", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(["node_code"], ["node.code"], name=op.f("fk_new_media_account_node_code_node")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_new_media_account_site_id_site"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_new_media_account")),
        sa.UniqueConstraint("platform", "account_id", name=op.f("uq_new_media_account_platform_id")),
        platform_ck,
    )
    op.create_index(op.f("ix_new_media_account_node_code"), "new_media_account", ["node_code"], unique=False)

    kind_col, kind_ck = _enum("kind", "site_column", "column_kind", COLUMN_KINDS)
    op.create_table(
        "site_column",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        kind_col,
        sa.Column("url", sa.String(length=512), nullable=False),
        sa.Column("item_selector", sa.String(length=256), nullable=True),
        sa.Column("date_selector", sa.String(length=256), nullable=True),
        sa.Column("first_level", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_site_column_site_id_site"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_column")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_site_column_site_name")),
        kind_ck,
    )
    op.create_index(op.f("ix_site_column_site_id"), "site_column", ["site_id"], unique=False)


def downgrade() -> None:
    # Children before parents so foreign keys never dangle, on either backend.
    for table, index in (("site_column", "ix_site_column_site_id"),
                         ("new_media_account", "ix_new_media_account_node_code"),
                         ("site", "ix_site_node_code"),
                         ("host", "ix_host_node_code"),
                         ("node", "ix_node_parent_code")):
        op.drop_index(op.f(index), table_name=table)
        op.drop_table(table)
