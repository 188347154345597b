"""Errors of on-call work that screens and the CLI turn into Chinese messages."""

from __future__ import annotations


class ScopeError(PermissionError):
    """The actor's region scope does not cover the alert, silence or roster it tried to change."""


class ConflictError(RuntimeError):
    """The alert changed since the actor read it (another operator was first); nothing was saved."""


class TransitionError(ValueError):
    """The action is not allowed in the alert's current state (e.g. acknowledging a resolved alert)."""
