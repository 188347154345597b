"""Which hosts and services serve each site (docs/forecast.md, "Impact"): one row per dependency.

A dependency names its target by ``target_name`` (a host's ``Host.name``, or a platform service's name), so a
service dependency can be recorded before the service is (its collector and table may come later); the pure
reading — which sites a host or service fault affects — is :mod:`alerts.impact`.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base

TARGET_KINDS = ("host", "service")


class SiteDependency(Base):
    """Site ``site_id`` is served by the host or service ``target_name`` (``target_kind`` host / service)."""

    __tablename__ = "site_dependency"
    __table_args__ = (UniqueConstraint("site_id", "target_kind", "target_name"),
                      Index("ix_site_dependency_target", "target_kind", "target_name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_name: Mapped[str] = mapped_column(String(128))
