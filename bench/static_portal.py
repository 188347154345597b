"""The crawl benchmark's generated portal, written as static files and served by nginx.

Engine against engine needs a server that costs next to nothing: a Python server on the same
2 cores caps the faster engine and compresses the ratio. :func:`write_portal` writes ``pages``
HTML pages (a tree of fan-out :data:`FANOUT`, shared assets, PDF attachments, links to an
"external" host) plus the known set of broken links (:func:`portal_truth`); :class:`Nginx` runs
nginx in the foreground as this benchmark's own child (generated nginx.conf, pid/log/temp paths
in a temp dir, listening on loopback only) and stops it on the way out.

Broken kinds planted: internal 404s, a closed port, targets that never answer (nginx proxies
``/slow/`` to a listening socket that never accepts, so the client's timeout fires), external
404s, missing images. Every response carries a ``LinkChecker`` header, which lifts LinkChecker's
per-host pause.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import psutil

from webread.crawl_links import normalize_url

PORTAL, EXTERNAL = "127.0.84.1", "127.0.84.2"
FANOUT = 8
CLOSED_PORT = 9
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def portal_depth(pages: int) -> int:
    """Clicks from the homepage to the deepest page of a ``pages``-page tree."""
    depth, first, width = 0, 0, 1
    while first + width < pages:
        first, width, depth = first + width, width * FANOUT, depth + 1
    return depth


def broken_on(i: int, port: int, stalls: bool = True) -> list[tuple[str, str]]:
    """The planted broken links of page ``i``: (href as written, anchor text). ``stalls``: include
    the never-answering targets (every 211th page)."""
    out = []
    if i % 37 == 0:
        out.append((f"/missing/{i}.html", "已删除页面"))
    if i % 101 == 0:
        out.append((f"http://{PORTAL}:{CLOSED_PORT}/zt/{i}/", "关停专题"))
    if stalls and i % 211 == 0:
        out.append((f"/slow/{i}.html", "很慢的页面"))
    if i % 53 == 0:
        out.append((f"http://{EXTERNAL}:{port}/gone/{i}.html", "外站失效"))
    return out


Body = Callable[[int], str]  # page number -> extra HTML placed in the page's body (article text, plants)


def portal_page(i: int, pages: int, port: int, stalls: bool = True, body: Body | None = None) -> str:
    """HTML of page ``i`` (0 = homepage), with ``body(i)`` after its link list when given."""
    base, ext = f"http://{PORTAL}:{port}", f"http://{EXTERNAL}:{port}"
    links = [f'<a href="/p/{c}.html">栏目页面{c}</a>' for c in range(i * FANOUT + 1, i * FANOUT + FANOUT + 1)
             if c < pages]
    if i:
        links += [f'<a href="/p/{(i - 1) // FANOUT}.html">上级</a>' if (i - 1) // FANOUT else '<a href="/">首页</a>']
    links.append(f'<a href="{ext}/ok/{i % 20}.html">友情链接{i % 20}</a>')
    if i % 5 == 0:
        links.append(f'<a href="/files/P0{i}.pdf">附件{i}.pdf</a>')
    links += [f'<a href="{u}">{label}</a>' for u, label in broken_on(i, port, stalls)]
    imgs = '<img src="/static/logo.png" alt="标志">' + (f'<img src="/img/missing-{i}.png">' if i % 73 == 0 else "")
    return ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>门户</title>'
            '<link rel="stylesheet" href="/static/site.css"><script src="/static/site.js"></script></head>'
            f'<body>{imgs}<ul>{"".join(f"<li>{link}</li>" for link in links)}</ul>'
            f'<p>正文内容 {i}</p>{body(i) if body else ""}<a href="{base}/">返回首页</a></body></html>')


def portal_truth(pages: int, port: int, stalls: bool = True) -> set[str]:
    """Normalised URLs of every planted broken link."""
    truth: set[str] = set()
    for i in range(pages):
        for u, _ in broken_on(i, port, stalls):
            truth.add(normalize_url(u, f"http://{PORTAL}:{port}/") or u)
        if i % 73 == 0:
            truth.add(f"http://{PORTAL}:{port}/img/missing-{i}.png")
    return truth


def write_portal(root: Path, pages: int, port: int, stalls: bool = True,
                 body: Body | None = None) -> tuple[Path, Path]:
    """Write the portal under ``root/site`` and the external host under ``root/ext``; returns both.
    ``body``: extra HTML per page (see :func:`portal_page`)."""
    site, ext = root / "site", root / "ext"
    for d in (site / "p", site / "static", site / "files", ext / "ok"):
        d.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text(portal_page(0, pages, port, stalls, body), encoding="utf-8")
    for i in range(1, pages):
        (site / "p" / f"{i}.html").write_text(portal_page(i, pages, port, stalls, body), encoding="utf-8")
    for name in ("logo.png", "site.css", "site.js"):
        (site / "static" / name).write_bytes(b"x" * 2048)
    for i in range(0, pages, 5):
        (site / "files" / f"P0{i}.pdf").write_bytes(b"%PDF-1.4 " + b"x" * 2039)
    for i in range(20):
        (ext / "ok" / f"{i}.html").write_text("<p>外站</p>", encoding="utf-8")
    return site, ext


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class Nginx:
    """nginx serving ``site`` on PORTAL:port and ``ext`` on EXTERNAL:port, one worker, in the
    foreground as a child of this process. ``/slow/`` is proxied to ``hold_port``, a socket that
    never accepts. Use as a context manager; :meth:`cpu_seconds` sums master and worker CPU."""

    def __init__(self, workdir: Path, site: Path, ext: Path, port: int, hold_port: int) -> None:
        self.dir, self.port = workdir / "nginx", port
        self.dir.mkdir(parents=True, exist_ok=True)
        hdr = "add_header LinkChecker allow always;"
        self.conf = self.dir / "nginx.conf"
        self.conf.write_text(f"""daemon off;
master_process on;
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  keepalive_timeout 60s;
  client_body_temp_path {self.dir}/body;
  proxy_temp_path {self.dir}/proxy;
  fastcgi_temp_path {self.dir}/fastcgi;
  uwsgi_temp_path {self.dir}/uwsgi;
  scgi_temp_path {self.dir}/scgi;
  server {{
    listen {PORTAL}:{port} backlog=1024;
    root {site};
    index index.html;
    {hdr}
    location = /__nginx_status {{ stub_status; allow 127.0.0.0/8; deny all; }}
    location /slow/ {{ proxy_pass http://{PORTAL}:{hold_port}; proxy_read_timeout 60s; {hdr} }}
  }}
  server {{
    listen {EXTERNAL}:{port} backlog=1024;
    root {ext};
    {hdr}
  }}
}}
""", encoding="utf-8")
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Nginx:
        check = subprocess.run([NGINX, "-t", "-q", "-p", str(self.dir), "-e", str(self.dir / "error.log"),
                                "-c", str(self.conf)], capture_output=True, text=True, check=False)
        if check.returncode:
            raise RuntimeError(f"nginx rejected {self.conf}: {check.stderr.strip()[-500:]}")
        self.proc = subprocess.Popen([NGINX, "-p", str(self.dir), "-e", str(self.dir / "error.log"),
                                      "-c", str(self.conf)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # bounded wait until both listeners answer
            try:
                for host in (PORTAL, EXTERNAL):
                    socket.create_connection((host, self.port), timeout=0.5).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError(f"nginx did not listen on port {self.port} within 10 s; see {self.dir}/error.log")

    def requests(self) -> int:
        """Requests nginx has answered so far (its stub_status counter; -1 when it cannot be read)."""
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy
            with opener.open(f"http://{PORTAL}:{self.port}/__nginx_status", timeout=2) as resp:
                text = resp.read().decode("ascii", "replace")
            return int(text.splitlines()[2].split()[2])
        except (OSError, ValueError, IndexError):
            return -1

    def cpu_seconds(self) -> float:
        """User + system CPU of the nginx master and its workers so far."""
        if self.proc is None:
            return 0.0
        master = psutil.Process(self.proc.pid)
        total = 0.0
        for p in [master, *master.children()]:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def __exit__(self, _t: type[BaseException] | None, _e: BaseException | None,
                 _tb: TracebackType | None) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class HoldSocket:
    """A listening socket that never accepts: requests to it wait until the client's timeout."""

    def __init__(self, host: str = PORTAL) -> None:
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(512)
        self.port = int(self.sock.getsockname()[1])

    def close(self) -> None:
        self.sock.close()
