"""The province's judgement of each federated city's link (docs/federation.md, "A cut city").

A city is **online** while it was heard from (any authenticated call: events, commands, configuration)
within ``[federation] unreachable_after``; **unreachable** after that, *since* the last moment it was heard
from — its hosts and sites are then shown as unknown since that time, never as failed, and the province
raises no alert on their series; **never** connected when it has not called at all yet. The judgement is
pure (:func:`judge`); :func:`node_states` reads the rows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Config
from db.models import Node
from db.models_federation import FederatedNode


class LinkState(enum.StrEnum):
    ONLINE = "online"
    UNREACHABLE = "unreachable"
    NEVER = "never"


LINK_LABELS = {LinkState.ONLINE: "在线", LinkState.UNREACHABLE: "失联", LinkState.NEVER: "未接入"}


@dataclass(frozen=True)
class NodeLink:
    """One federated city's link as the province sees it at ``now``."""

    code: str
    name: str
    state: LinkState
    last_seen_at: datetime | None  # None: never heard from
    last_event_at: datetime | None  # the newest city event applied (its time at the city)
    events_applied: int

    @property
    def reachable(self) -> bool:
        return self.state is LinkState.ONLINE


def judge(last_seen_at: datetime | None, now: datetime, unreachable_after: timedelta) -> LinkState:
    """A link's state from when the node was last heard from."""
    if last_seen_at is None:
        return LinkState.NEVER
    return LinkState.ONLINE if now - last_seen_at <= unreachable_after else LinkState.UNREACHABLE


def links(cities: Iterable[str], names: Mapping[str, str], rows: Mapping[str, FederatedNode], now: datetime,
          unreachable_after: timedelta) -> list[NodeLink]:
    """The link of every city in ``cities`` (in that order) from its ``federated_node`` row, if any."""
    out = []
    for code in cities:
        row = rows.get(code)
        seen = row.last_seen_at if row else None
        out.append(NodeLink(code=code, name=names.get(code, code), state=judge(seen, now, unreachable_after),
                            last_seen_at=seen, last_event_at=row.last_event_at if row else None,
                            events_applied=row.events_applied if row else 0))
    return out


def node_states(session: Session, config: Config, now: datetime) -> list[NodeLink]:
    """Every city of ``[node] federated_cities`` with its link at ``now`` (empty on a node that federates
    no city)."""
    cities = config.node.federated_cities
    if not cities:
        return []
    rows = {r.code: r for r in session.scalars(select(FederatedNode).where(FederatedNode.code.in_(cities)))}
    names = dict(session.execute(select(Node.code, Node.name).where(Node.code.in_(cities))).all())
    return links(cities, names, rows, now, timedelta(seconds=config.federation.unreachable_after))


def unreachable_cities(session: Session, config: Config, now: datetime) -> dict[str, datetime | None]:
    """The federated cities whose link is not online: code → since when (None: never connected)."""
    return {link.code: link.last_seen_at for link in node_states(session, config, now) if not link.reachable}


def touch(session: Session, code: str, now: datetime) -> FederatedNode:
    """Record that node ``code`` was heard from at ``now`` (creating its row on the first call); the caller
    commits."""
    row = session.get(FederatedNode, code)
    if row is None:
        row = FederatedNode(code=code, first_seen_at=now, last_seen_at=now, last_event_seq=0, events_applied=0)
        session.add(row)
    elif row.last_seen_at < now:
        row.last_seen_at = now
    return row
