"""The 1+14 federation's relational state (docs/federation.md).

On a city node: :class:`OutboxEvent` (what the city's database changed, written in the same transaction as
the change and sent to the province in ``id`` order) and :class:`AppliedCommand` (the province's commands
the city has carried out, each exactly once). On the province node: :class:`FederatedNode` (each city
node's link: when it was last heard from and how far its events have been applied) and
:class:`NodeCommand` (what the province asks a city to do, e.g. acknowledge a city-owned alert).
Rows mirrored from a city carry ``origin_node`` (and ``origin_id``, the row's id at the city) in the
alert, inspection run, finding and host tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, utcnow
from db.types import UTCDateTime


class OutboxEvent(Base):
    """One change of a city's relational state waiting for (or already taken by) the province.

    ``id`` orders the events: the province applies a city's events in that order and remembers the
    highest applied (:attr:`FederatedNode.last_event_seq`), so a re-sent event is applied once.
    ``event_id`` (a UUID) names the event across both nodes (logs, audit)."""

    __tablename__ = "outbox_event"
    # AUTOINCREMENT on SQLite: an id is never used twice, even after sent events are pruned (the province skips
    # every id at or below the highest it applied).
    __table_args__ = (Index("ix_outbox_event_unsent", "sent_at", "id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    entity: Mapped[str] = mapped_column(String(24))  # alert / alert_event / finding / check_run / host / command
    entity_key: Mapped[str] = mapped_column(String(256))  # the entity's identity at the city (per-entity order)
    op: Mapped[str] = mapped_column(String(16))  # upsert / delete / applied
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AppliedCommand(Base):
    """A province command this city has carried out (primary key = the province's command id): applying a
    command and recording it here happen in one transaction, so a command pulled twice runs once."""

    __tablename__ = "applied_command"

    command_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[str] = mapped_column(Text, default="")  # Chinese: what applying it did


class FederatedNode(Base):
    """The province's view of one city node's link (created on the node's first call)."""

    __tablename__ = "federated_node"

    code: Mapped[str] = mapped_column(ForeignKey("node.code"), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())  # any authenticated call from the node
    last_event_seq: Mapped[int] = mapped_column(Integer, default=0)  # highest outbox id applied
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # created_at of that event
    events_applied: Mapped[int] = mapped_column(Integer, default=0)
    config_version: Mapped[str | None] = mapped_column(String(64))  # the configuration bundle last pulled
    config_pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class NodeCommand(Base):
    """Something the province asks a city node to do; the city pulls commands with ``id`` above the last it
    applied and reports each applied through its outbox (``applied_at``/``result`` filled then)."""

    __tablename__ = "node_command"
    __table_args__ = (Index("ix_node_command_node", "node_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_code: Mapped[str] = mapped_column(ForeignKey("node.code"))
    kind: Mapped[str] = mapped_column(String(16))  # ack / unack / note / resolve
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(96))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(Text)
