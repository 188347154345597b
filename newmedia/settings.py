"""The new-media settings as the rules and the adapters take them, from ``[newmedia]`` (core/config.py)."""

from __future__ import annotations

from typing import Any

from newmedia.base import ADAPTERS, AdapterSettings
from newmedia.rules import MediaRules


def media_rules(config: Any) -> MediaRules:
    """The rule values of ``config.newmedia``."""
    nm = config.newmedia
    return MediaRules(stale_days=nm.stale_days, warn_days=nm.warn_days, unanswered_days=nm.unanswered_days)


def adapter_settings(config: Any, platform: str) -> AdapterSettings:
    """What the ``platform`` adapter is built with: its base URL (``<platform>_api``, else the adapter's published
    host; empty when neither exists, e.g. an app without ``app_api``) and request timeout."""
    nm = config.newmedia
    base = getattr(nm, f"{platform}_api", "") or str(getattr(ADAPTERS.get(platform), "default_base_url", ""))
    return AdapterSettings(base_url=base, timeout=nm.request_timeout)


def load_adapters() -> list[str]:
    """Import every adapter module so it registers; the registered platform names."""
    from core.plugins import import_submodules

    import_submodules("newmedia.adapters")
    return ADAPTERS.names()
