"""The alert vocabulary the models, the pure pipeline and the screens share: an alert's state, the kind of
a silence. Pure (imports nothing of ours): db/models_alerts.py stores these, nothing here knows the ORM."""

from __future__ import annotations

import enum


class AlertState(enum.StrEnum):
    PENDING = "pending"  # condition true, ``for`` not yet elapsed
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"  # condition cleared past keep-firing, or closed by hand with a reason


OPEN_STATES = (AlertState.PENDING, AlertState.FIRING, AlertState.ACKNOWLEDGED)


class SilenceKind(enum.StrEnum):
    SILENCE = "silence"  # 静默
    MAINTENANCE = "maintenance"  # 维护窗口
