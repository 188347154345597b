"""Platform error codes → :class:`AdapterError`, the same way for every adapter."""

from __future__ import annotations

from collections.abc import Collection

from core.i18n import media as M
from core.i18n.common import PLATFORM
from newmedia.base import AdapterError


def platform_error(platform: str, code: object, message: object, *, token_codes: Collection[int],
                   rate_codes: Collection[int]) -> AdapterError:
    """The error for a platform's ``code``: an invalid/expired token (not retryable), a rate limit
    (retryable) or any other refusal. ``message`` is the platform's own (cut short; it never holds a secret)."""
    label = PLATFORM.get(platform, platform)
    try:
        n = int(str(code))
    except ValueError:
        n = -1
    if n in token_codes:
        return AdapterError(M.API_TOKEN_EXPIRED.format(platform=label, code=code), code="token")
    if n in rate_codes:
        return AdapterError(M.API_RATE_LIMITED.format(platform=label, code=code), retryable=True, code="rate")
    return AdapterError(M.API_ERROR.format(platform=label, code=code, message=str(message)[:80]), code="api")
