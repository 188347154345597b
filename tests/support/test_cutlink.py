"""The cuttable link passes traffic, fails it at once while cut, and passes it again once restored."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.support.cutlink import cut_link


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_cut_and_restore() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with cut_link(("127.0.0.1", server.server_address[1])) as link, requests.Session() as http:
            assert http.get(link.url, timeout=5).text == "hello"
            link.cut()
            with pytest.raises(requests.ConnectionError):
                http.get(link.url, timeout=5)
            assert link.refused >= 1
            link.restore()
            assert http.get(link.url, timeout=5).text == "hello"
    finally:
        server.shutdown()
        server.server_close()
