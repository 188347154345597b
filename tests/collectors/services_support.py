"""Test helpers for the platform-service kinds: registering services in a seeded registry."""

from __future__ import annotations

from typing import Any

from db.models_services import Service

PG_ADDRESS = "127.0.0.1:5432"  # the test PostgreSQL (trust auth, user postgres, db test)
MYSQL_ADDRESS = "127.0.0.1:3306"  # the test MariaDB (root, empty password)
REDIS_ADDRESS = "127.0.0.1:6379"


def add_service(session: Any, name: str, kind: str, address: str, *, node: str = "430100",
                credentials_ref: str | None = None, enabled: bool = True, **options: Any) -> Service:
    """Register a service (the node must exist: ``seed_registry`` first)."""
    svc = Service(name=name, kind=kind, address=address, node_code=node, credentials_ref=credentials_ref,
                  options=options, enabled=enabled)
    session.add(svc)
    session.flush()
    return svc
