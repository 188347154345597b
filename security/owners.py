"""Where a code's object belongs, read from the registry: the I/O half of the scope check
(security/access.py judges, security/scope.py decides).

A division code is owned by itself (its city: its parent for a county); a site and a registered host by
their node. Unknown codes, and hosts that report metrics without being registered, have no owner: only
the province sees them.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Host, Node, Site
from security.access import Kind
from security.scope import Owner

MAX_CODE_LENGTH = 128  # longer than any division code, site code or host name: not looked up
CHUNK = 500  # codes per IN (...) of a batched lookup: under every database's bound-parameter limit


def _of_node(node: Node | None) -> Owner | None:
    return None if node is None else Owner(node.city_code, node.code)


def owner_of(session: Session, kind: Kind, code: str) -> Owner | None:
    """The owner of the object ``code`` names, or None when there is no such object."""
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    if kind is Kind.DIVISION:
        return _of_node(session.get(Node, code))
    if kind is Kind.SITE:
        node_code = session.scalar(select(Site.node_code).where(Site.code == code))
    elif kind is Kind.HOST:
        node_code = session.scalar(select(Host.node_code).where(Host.name == code))
    else:
        raise ValueError(f"unknown kind of code {kind!r}")
    return None if node_code is None else _of_node(session.get(Node, node_code))


def owners_of(session: Session, kind: Kind, codes: Collection[str]) -> dict[str, Owner | None]:
    """:func:`owner_of` of each of ``codes`` (a write request's 2,000 site tags), in one query per 500 codes."""
    out: dict[str, Owner | None] = dict.fromkeys(codes)
    wanted = sorted(c for c in out if c and len(c) <= MAX_CODE_LENGTH)
    if kind is Kind.DIVISION:
        key, stmt = Node.code, select(Node.code, Node)
    elif kind is Kind.SITE:
        key, stmt = Site.code, select(Site.code, Node).join(Node, Node.code == Site.node_code)
    elif kind is Kind.HOST:
        key, stmt = Host.name, select(Host.name, Node).join(Node, Node.code == Host.node_code)
    else:
        raise ValueError(f"unknown kind of code {kind!r}")
    for i in range(0, len(wanted), CHUNK):
        for code, node in session.execute(stmt.where(key.in_(wanted[i:i + CHUNK]))):
            out[code] = _of_node(node)
    return out
