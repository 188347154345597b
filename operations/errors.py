"""Errors of verification and rectification work; every message is Chinese (screens and the CLI show it)."""

from __future__ import annotations


class VerifyError(ValueError):
    """Bad input: an unknown reason, points out of range, a malformed period … (nothing was saved)."""


class VerifyScopeError(PermissionError):
    """The actor's region scope does not cover the site (the refusal is audited; nothing was saved)."""


class VerifyTransitionError(ValueError):
    """The action is not allowed in the notice's or problem's current state."""
