"""Notifier plug-ins (one file per kind); importing this package registers every kind."""

from __future__ import annotations

from alerts.notifiers.base import NOTIFIERS, Delivery, Message, Notifier, NotifierConfigError
from core.plugins import import_submodules

import_submodules(__name__)

__all__ = ["NOTIFIERS", "Delivery", "Message", "Notifier", "NotifierConfigError"]
