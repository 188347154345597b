"""Structured logging: one line per event, logfmt or JSON, level from config, on stderr.

Use ``log = get_logger(__name__)`` and ``log.info("probe.done", site=code, ms=12.3)``. The command line
sets it up quiet (warnings and worse only) unless ``--verbose`` is given.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _fmt_value(v: Any) -> str:
    s = str(v)
    if s == "" or any(c in s for c in ' ="\n\t'):
        return json.dumps(s, ensure_ascii=False)
    return s


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
        parts = [f"ts={ts}", f"level={record.levelname.lower()}", f"logger={record.name}",
                 f"event={_fmt_value(record.getMessage())}"]
        parts += [f"{k}={_fmt_value(v)}" for k, v in record.__dict__.items() if k not in _RESERVED]
        if record.exc_info:
            parts.append(f"exc={_fmt_value(self.formatException(record.exc_info))}")
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(), "logger": record.name, "event": record.getMessage(),
        }
        doc.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


class EventLogger(logging.LoggerAdapter):
    """Keyword arguments become fields: ``log.info("event", key=value)``."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra = {k: kwargs.pop(k) for k in list(kwargs) if k not in ("exc_info", "stack_info", "stacklevel")}
        # A field named like a LogRecord attribute ("created", "name", ...) would make logging raise;
        # keep it under a suffixed name instead of losing the event.
        kwargs["extra"] = {(f"{k}_" if k in _RESERVED else k): v for k, v in extra.items()}
        return msg, kwargs


def get_logger(name: str) -> EventLogger:
    return EventLogger(logging.getLogger(name), {})


class _CurrentStderrHandler(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is when a record is emitted, not when logging was set up: a stderr
    replaced later (a test runner's capture, a daemon's redirect) must not leave threads writing to a
    closed file."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def setup_logging(level: str = "INFO", fmt: str = "logfmt", *, quiet: bool = False) -> None:
    """One handler on stderr for the root logger at ``level``.

    ``quiet`` (the command line without ``--verbose``) lets only warnings and worse reach stderr, so a
    command's own output is not interleaved with log lines; records below still reach other handlers
    (a test's capture) at ``level``."""
    handler = _CurrentStderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    if quiet:
        handler.setLevel(max(logging.WARNING, numeric))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("werkzeug", "urllib3", "asyncio", "paramiko", "alembic", "waitress"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, numeric))
