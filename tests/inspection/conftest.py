"""Shared fixtures of the inspection tests (a session-wide fixture must be defined once, here)."""

from tests.inspection.pages_fleet import page_fleet

__all__ = ["page_fleet"]
