"""The one error shape of the open API, InfluxDB's: ``{"code": "...", "message": "..."}`` with an HTTP status.
Messages are Chinese (core.i18n.api) and name the parameter, line or value at fault."""

from __future__ import annotations

INVALID = "invalid"
UNAUTHORIZED = "unauthorized"
FORBIDDEN = "forbidden"
NOT_FOUND = "not found"
TOO_LARGE = "request too large"


class ApiError(Exception):
    """A refused request: ``status`` (400, 401, 403, 404, 413), InfluxDB's ``code`` and a Chinese message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def invalid(message: str) -> ApiError:
    return ApiError(400, INVALID, message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, FORBIDDEN, message)


def too_large(message: str) -> ApiError:
    return ApiError(413, TOO_LARGE, message)
