"""``/healthz`` of a worker process that serves no web pages (collectors, alerting, the demo fleet).

A stdlib threading HTTP server on a loopback port the supervisor chose; ``socketserver`` waits with
``poll()`` where the platform has it, so the worker's other descriptors (thousands of crawl sockets) never
reach a ``select()`` limit here either. The answer is the worker's own checks: each part's thread alive.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Checks = Callable[[], dict[str, bool]]


def health_body(role: str, checks: dict[str, bool]) -> tuple[int, bytes]:
    """(status, JSON body): 200 when every check holds, 503 naming the failing ones otherwise."""
    ok = bool(checks) and all(checks.values())
    body = {"ok": ok, "role": role, "pid": os.getpid(), "checks": checks}
    return (200 if ok else 503), json.dumps(body, ensure_ascii=False).encode("utf-8")


class HealthServer:
    """Serves ``GET /healthz`` on ``127.0.0.1:port`` in a daemon thread until :meth:`close`."""

    def __init__(self, role: str, port: int, checks: Checks, host: str = "127.0.0.1") -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] != "/healthz":
                    self.send_error(404)
                    return
                try:
                    status, body = health_body(role, outer.checks())
                except Exception as exc:  # a check that raises is a failing check, not a dead health server
                    status, body = health_body(role, {f"error: {type(exc).__name__}": False})
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.checks = checks
        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="healthz", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
