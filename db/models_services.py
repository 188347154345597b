"""Platform services (平台服务) a node watches: databases, caches, web servers, health endpoints, ports.

One :class:`Service` row per service; the collector kind ``service_<kind>`` polls the enabled rows of its kind
that this node serves (:func:`db.scope.services_served`). Credentials are never stored here: ``credentials_ref``
names where the secret lives (``env:VAR`` or ``file:NAME`` under ``[collectors] secrets_dir``,
``collectors.services.resolve_secret``). ``options`` holds the kind's own settings (docs/services.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base

SERVICE_KINDS = ("postgresql", "mysql", "redis", "nginx", "http", "tcp")


class Service(Base):
    """A platform service of a node: ``kind`` in :data:`SERVICE_KINDS`, ``address`` host:port or a URL."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    address: Mapped[str] = mapped_column(String(512))
    node_code: Mapped[str] = mapped_column(ForeignKey("node.code"), index=True)
    credentials_ref: Mapped[str | None] = mapped_column(String(255))
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    origin_node: Mapped[str | None] = mapped_column(String(6))  # a province's mirror of a city node's service
