"""Severity: one scale for inspection findings, alert rules and notifications (labels in core.i18n.common.SEVERITY)."""

from __future__ import annotations

import enum


class Severity(enum.StrEnum):
    """Ordered from worst."""

    CRITICAL = "critical"  # 紧急: a veto item holds, or a security incident
    HIGH = "high"  # 严重: deducts points, or a veto is close
    MEDIUM = "medium"  # 一般
    LOW = "low"  # 提示: early warning, information

    @property
    def rank(self) -> int:
        return list(Severity).index(self)
