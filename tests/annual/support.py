"""A small site on loopback for the yearly report's tests: news lists over several pages, a consultation
list, and a homepage, served by a real HTTP server in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def news_pages(dates: list[date], per_page: int = 10) -> dict[str, str]:
    """``/news/`` then ``/news/list_N.html``: entries with these dates, newest first, 下一页 links."""
    pages: dict[str, str] = {}
    chunks = [dates[i:i + per_page] for i in range(0, len(dates), per_page)] or [[]]
    for n, chunk in enumerate(chunks, start=1):
        rows = "".join(f'<li><a href="/news/{n}_{i}.html">关于做好第{n}批第{i}项重点工作的通知</a>'
                       f"<span>{d.isoformat()}</span></li>" for i, d in enumerate(chunk))
        nxt = f'<div class="page"><a href="/news/list_{n + 1}.html">下一页</a></div>' if n < len(chunks) else ""
        pages["/news/" if n == 1 else f"/news/list_{n}.html"] = (
            f"<html><body><div class='list'><ul>{rows}</ul></div>{nxt}</body></html>")
    return pages


def consultation_page(rows: list[tuple[date, date | None]]) -> str:
    """Messages (asked, replied or None = 未回复)."""
    out = []
    for i, (asked, replied) in enumerate(rows):
        tail = f"回复时间：{replied.isoformat()} 已回复" if replied else "未回复"
        out.append(f'<li><a href="/zx/{i}.html">关于小区道路维修问题的咨询{i}</a> '
                   f"留言时间：{asked.isoformat()} {tail}</li>")
    return f"<html><body><ul>{''.join(out)}</ul></body></html>"


def daily(start: date, n: int, step: int = 1) -> list[date]:
    """``n`` dates going back from ``start`` every ``step`` days (newest first)."""
    return [start - timedelta(days=i * step) for i in range(n)]


@contextmanager
def serve(pages: dict[str, str]) -> Iterator[str]:
    """The base URL (``http://127.0.0.1:PORT``) of a server answering ``pages`` (404 elsewhere)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            data = (body or "not found").encode("utf-8")
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
