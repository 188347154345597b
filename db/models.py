"""Relational registry: administrative nodes, sites, columns, new-media accounts, hosts.

Schema changes go through Alembic (db/migrations); never ``create_all`` in production code.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.severity import Severity
from db.types import UTCDateTime

# Stable constraint names so migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class NodeLevel(enum.StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class SiteLevel(enum.StrEnum):
    PROVINCIAL_PORTAL = "provincial_portal"
    PROVINCIAL_DEPARTMENT = "provincial_department"
    CITY_PORTAL = "city_portal"
    CITY_DEPARTMENT = "city_department"
    COUNTY_PORTAL = "county_portal"

    @property
    def is_portal(self) -> bool:
        return self in (SiteLevel.PROVINCIAL_PORTAL, SiteLevel.CITY_PORTAL, SiteLevel.COUNTY_PORTAL)


class ColumnKind(enum.StrEnum):
    NEWS = "news"  # 要闻动态
    NOTICE = "notice"  # 通知公告
    POLICY = "policy"  # 政策文件
    PERSONNEL = "personnel"  # 人事
    PLANNING = "planning"  # 规划计划
    CONSULTATION = "consultation"  # 政务咨询
    OTHER = "other"
    SERVICE = "service"  # 办事指南: service guides (服务不实用)
    SERVICE_STATS = "service_stats"  # 办事统计 (deduction: not updated within 3 months)
    MESSAGE_REPLIES = "message_replies"  # 留言答复公开 (deduction: not updated within 2 months)
    INTERPRETATION = "interpretation"  # 政策解读
    DATA_RELEASE = "data_release"  # 数据发布


class Platform(enum.StrEnum):
    WECHAT = "wechat"
    WEIBO = "weibo"
    DOUYIN = "douyin"
    TOUTIAO = "toutiao"
    KUAISHOU = "kuaishou"
    APP = "app"
    OTHER = "other"


class HostRole(enum.StrEnum):
    WEB = "web"
    CMS = "cms"
    DATABASE = "database"
    SEARCH = "search"
    QUEUE = "queue"
    PROXY = "proxy"
    STORAGE = "storage"
    OTHER = "other"


def _enum(e: type[enum.Enum], name: str) -> Enum:
    # Stored as text with a CHECK constraint: portable and readable in SQL.
    return Enum(e, name=name, native_enum=False, create_constraint=True, length=32,
                values_callable=lambda members: [m.value for m in members], validate_strings=True)


class Node(Base):
    """An administrative division that owns sites and hosts: the province, a city or a county."""

    __tablename__ = "node"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[NodeLevel] = mapped_column(_enum(NodeLevel, "node_level"))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("node.code"), index=True)

    parent: Mapped[Node | None] = relationship(remote_side=[code], back_populates="children")
    children: Mapped[list[Node]] = relationship(back_populates="parent", order_by="Node.code")
    sites: Mapped[list[Site]] = relationship(back_populates="node", order_by="Site.code")

    @property
    def city_code(self) -> str:
        """The city this node belongs to (itself for a city, the province code for the province)."""
        if self.level is NodeLevel.COUNTY and self.parent_code:
            return self.parent_code
        return self.code


class Site(Base):
    """A government website, identified by its 政府网站标识码."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(String(512))
    level: Mapped[SiteLevel] = mapped_column(_enum(SiteLevel, "site_level"))
    node_code: Mapped[str] = mapped_column(ForeignKey("node.code"), index=True)
    organizer: Mapped[str | None] = mapped_column(String(128))  # 主办单位
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    node: Mapped[Node] = relationship(back_populates="sites")
    columns: Mapped[list[Column]] = relationship(back_populates="site", cascade="all, delete-orphan",
                                                 order_by="Column.id")


class Column(Base):
    """A 栏目 of a site: its kind decides the freshness window the inspection applies."""

    __tablename__ = "site_column"
    __table_args__ = (UniqueConstraint("site_id", "name", name="uq_site_column_site_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[ColumnKind] = mapped_column(_enum(ColumnKind, "column_kind"))
    url: Mapped[str] = mapped_column(String(512))
    item_selector: Mapped[str | None] = mapped_column(String(256))  # optional CSS hint for list entries
    date_selector: Mapped[str | None] = mapped_column(String(256))
    first_level: Mapped[bool] = mapped_column(Boolean, default=True)

    site: Mapped[Site] = relationship(back_populates="columns")


class NewMediaAccount(Base):
    """A government new-media account (微信公众号, 微博, 抖音 ...)."""

    __tablename__ = "new_media_account"
    __table_args__ = (UniqueConstraint("platform", "account_id", name="uq_new_media_account_platform_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[Platform] = mapped_column(_enum(Platform, "media_platform"))
    account_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))
    node_code: Mapped[str] = mapped_column(ForeignKey("node.code"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"))
    profile_url: Mapped[str | None] = mapped_column(String(512))
    organizer: Mapped[str | None] = mapped_column(String(128))  # 主办单位 (the owner organ)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)  # False: registered, not collected nor judged
    # How the platform's API is reached: a reference (env:NAME or file:PATH), never the secret itself.
    credential_ref: Mapped[str | None] = mapped_column(String(256))


class Host(Base):
    """A machine of a node's platform; ``local`` hosts are read with psutil, others over SSH."""

    __tablename__ = "host"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    address: Mapped[str] = mapped_column(String(255))
    node_code: Mapped[str] = mapped_column(ForeignKey("node.code"), index=True)
    role: Mapped[HostRole] = mapped_column(_enum(HostRole, "host_role"), default=HostRole.OTHER)
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    ssh_port: Mapped[int] = mapped_column(Integer, default=22)
    ssh_user: Mapped[str | None] = mapped_column(String(64))
    ssh_key_path: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    origin_node: Mapped[str | None] = mapped_column(String(6))  # a province's mirror of a city node's host


# --- Inspection (national indicators): findings, check runs, page baselines -------------------------


class RunStatus(enum.StrEnum):
    OK = "ok"
    ERROR = "error"  # the check raised CheckError (site not judgeable) or crashed
    TIMEOUT = "timeout"


class Finding(Base):
    """One problem an inspection check found on a site, kept for its whole history.

    Identity is (site, check, fingerprint) with ``fingerprint = sha1(check|kind|location)``. A finding
    no longer seen is resolved (``resolved_at`` set), never deleted; seen again, it is reopened
    (``resolved_at`` cleared, ``reopen_count`` + 1).
    """

    __tablename__ = "inspection_finding"
    __table_args__ = (
        UniqueConstraint("site_id", "check", "fingerprint", name="uq_inspection_finding_site_check_fp"),
        Index("ix_inspection_finding_site_open", "site_id", "resolved_at"),
        Index("ix_inspection_finding_check_open", "check", "resolved_at"),
        Index("ix_inspection_finding_deadline", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    check: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(48))
    location: Mapped[str] = mapped_column(String(2048))
    fingerprint: Mapped[str] = mapped_column(String(40))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "finding_severity"))
    detail: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    deadline: Mapped[date | None] = mapped_column(Date)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    origin_node: Mapped[str | None] = mapped_column(String(6))  # a province's mirror of a city node's finding

    site: Mapped[Site] = relationship()


class CheckRun(Base):
    """One run of one check on one site: when, as of which reference time, and how it ended."""

    __tablename__ = "inspection_run"
    __table_args__ = (Index("ix_inspection_run_site_check_started", "site_id", "check", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    check: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"))
    error: Mapped[str | None] = mapped_column(Text)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    origin_node: Mapped[str | None] = mapped_column(String(6))  # a province's mirror of a city node's run ...
    origin_id: Mapped[int | None] = mapped_column(Integer)  # ... and its id there
    # Values the check read from the site that reports need (CheckResult.facts, e.g. the footer's 备案号).
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class PageBaseline(Base):
    """An earlier state a check compares with (homepage item snapshot, defacement fingerprint ...)."""

    __tablename__ = "page_baseline"
    __table_args__ = (UniqueConstraint("site_id", "check", "key", name="uq_page_baseline_site_check_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    check: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(1024))
    digest: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CrawlPage(Base):
    """One page of a site's crawl frontier (inspection/frontier.py): what the crawl knows of it between runs,
    so that every page reachable from the homepage is read within the cycle. ``last_checked`` None: discovered,
    never fetched. ``links``: zlib-compressed JSON [url, tag, text] triples (webread.frontier.pack_links)."""

    __tablename__ = "crawl_page"
    __table_args__ = (UniqueConstraint("site_id", "url", name="uq_crawl_page_site_url"),
                      Index("ix_crawl_page_site", "site_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    depth: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str | None] = mapped_column(String(512), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(128), nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_checked: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_changed: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    links: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    signature: Mapped[str] = mapped_column(String(64), default="")  # the scans its body was last read for


# The identity and alerting tables live in their own modules; importing them here registers them on
# Base.metadata wherever the models are loaded (migrations, tests, the app).
from db import (  # noqa: E402, F401
    models_alerts,
    models_annual,
    models_federation,
    models_impact,
    models_media,
    models_operations,
    models_security,
    models_services,
    models_traffic,
    models_walls,
)
