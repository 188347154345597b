"""The one HTTP call the adapters make: JSON in, JSON out, every failure an :class:`AdapterError`.

Query strings may carry an access token, so no URL is ever logged or put into an error.
"""

from __future__ import annotations

from typing import Any

import requests

from core.i18n import media as M
from core.i18n.common import PLATFORM
from newmedia.base import AdapterError

MAX_BODY = 8 * 1024 * 1024


def call(platform: str, method: str, url: str, *, timeout: float, params: dict[str, Any] | None = None,
         json_body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """(HTTP status, decoded JSON body). A network failure or a body that is not JSON raises
    :class:`AdapterError` (network failures retryable); an HTTP error status with a JSON body is returned
    so the adapter can read the platform's error code."""
    label = PLATFORM.get(platform, platform)
    try:
        resp = requests.request(method, url, params=params, json=json_body, headers=headers, timeout=timeout,
                                allow_redirects=False)
    except requests.RequestException as exc:
        raise AdapterError(M.API_UNREACHABLE.format(platform=label, detail=type(exc).__name__),
                           retryable=True) from None
    body = resp.content[:MAX_BODY]
    try:
        data = resp.json() if body else None
    except ValueError:
        data = None
    if data is None:
        if resp.status_code >= 400:
            raise AdapterError(M.API_HTTP.format(platform=label, status=resp.status_code),
                               retryable=resp.status_code in (429, 502, 503, 504))
        raise AdapterError(M.API_BAD_RESPONSE.format(platform=label, detail="not JSON"))
    return resp.status_code, data


def bad_response(platform: str, detail: str) -> AdapterError:
    return AdapterError(M.API_BAD_RESPONSE.format(platform=PLATFORM.get(platform, platform), detail=detail))
