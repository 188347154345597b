"""A real nginx (Debian's, on loopback) serves a small site; the test browses it as two people and a crawler,
nginx writes its access log, logrotate's steps are done by hand (rename, reopen signal, gzip), and the
ingested PV/UV must be exact, and stay so when everything is ingested again."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from db.session import transaction
from runtime.traffic_cli import ingest, show
from tests.collectors.nginx_server import NGINX_BIN, require_nginx
from tests.collectors.sshd import free_port
from tests.collectors.support import seed_registry
from tests.support.daemon import listening

PERSON_A = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
PERSON_B = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Mobile/15E148 MicroMessenger/8.0.47")
CRAWLER = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
WAIT_S = 10.0


@contextlib.contextmanager
def site_nginx(d: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """nginx serving ``d/www`` with its built-in ``combined`` log format into ``d/logs/access.log``."""
    require_nginx()
    www, logs = d / "www", d / "logs"
    (www / "news").mkdir(parents=True)
    (www / "css").mkdir()
    logs.mkdir()
    (www / "index.html").write_text("<html><body>湖南省人民政府</body></html>", encoding="utf-8")
    (www / "news" / "a.html").write_text("<html><body>通知公告</body></html>", encoding="utf-8")
    (www / "css" / "site.css").write_text("body{color:#333}")
    port = free_port()
    temps = "\n".join(f"  {n}_temp_path {d}/{n};" for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = d / "nginx.conf"
    conf.write_text(f"""
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
{temps}
  server {{
    listen 127.0.0.1:{port};
    root {www};
    access_log {logs}/access.log combined;
  }}
}}
""")
    proc = subprocess.Popen([NGINX_BIN, "-p", str(d), "-c", str(conf), "-e", str(d / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with listening(proc, port, "nginx", d / "error.log", WAIT_S):
        yield port, proc


def get(port: int, path: str, ua: str, headers: dict[str, str] | None = None) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"User-Agent": ua, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def wait_lines(log: Path, n: int) -> None:
    """Until nginx has written ``n`` lines to ``log`` (it writes after answering)."""
    deadline = time.monotonic() + WAIT_S
    written = 0
    while written < n:
        written = log.read_bytes().count(b"\n") if log.exists() else 0
        if time.monotonic() > deadline:
            raise AssertionError(f"nginx wrote {written} of {n} lines")
        time.sleep(0.02)


def test_pv_uv_of_a_real_nginx_log_through_rotation(migrated_db: tuple[str, sessionmaker[Session]],
                                                    tmp_path: Path) -> None:
    _, sessions = migrated_db
    with transaction(sessions) as s:
        seed_registry(s, {"P1": "https://www.hunan.gov.cn/"})
    logs = tmp_path / "logs"
    live = logs / "access.log"
    with site_nginx(tmp_path) as (port, proc):
        # person A: two pages, a style sheet, a page that does not exist; the crawler: two pages
        assert [get(port, p, PERSON_A) for p in ("/", "/news/a.html", "/css/site.css", "/missing.html")] == \
            [200, 200, 200, 404]
        assert [get(port, p, CRAWLER) for p in ("/", "/news/a.html")] == [200, 200]
        wait_lines(live, 6)
        out = io.StringIO()
        assert ingest(sessions, [live], "combined", "P1", out=out, err=io.StringIO()) == 0
        assert "页面浏览 2，爬虫请求 2" in out.getvalue()
        # person B: the home page, then a page revalidated from its cache (304 counts as a view)
        assert get(port, "/", PERSON_B) == 200
        modified = urllib.request.urlopen(f"http://127.0.0.1:{port}/news/a.html", timeout=5).headers["Last-Modified"]
        assert get(port, "/news/a.html", PERSON_B, {"If-Modified-Since": modified}) == 304
        wait_lines(live, 9)  # (and the unlogged-UA fetch of Last-Modified: a Python-urllib bot hit)
        # logrotate: rename, tell nginx to reopen, compress the old file; A comes back to the new file
        rotated = logs / "access.log.1"
        live.rename(rotated)
        os.kill(proc.pid, signal.SIGUSR1)
        deadline = time.monotonic() + WAIT_S
        while not live.exists():
            assert time.monotonic() < deadline, "nginx did not reopen its log"
            time.sleep(0.02)
        assert get(port, "/", PERSON_A) == 200
        wait_lines(live, 1)
    with rotated.open("rb") as src, gzip.open(logs / "access.log.1.gz", "wb") as dst:
        dst.write(src.read())
    rotated.unlink()
    with live.open("a") as fh:
        fh.write("a line that no web server wrote\n")
    out, err = io.StringIO(), io.StringIO()
    assert ingest(sessions, [logs], "combined", "P1", out=out, err=err) == 0, err.getvalue()
    text = out.getvalue()
    assert "access.log.1.gz：前" in text  # resumed after what the first run read
    assert f"{live}:2: " in text  # the bad line, by file and line number
    year = int(live.read_text().split("/")[2][:4])
    for _ in range(2):  # and ingesting everything again counts nothing twice
        shown = io.StringIO()
        show(sessions, "P1", year, out=shown)
        total = next(ln for ln in shown.getvalue().splitlines() if ln.startswith("全年")).split("\t")
        # PV: A 2 + B 2 + A 1; bots: the crawler's 2 + urllib's Last-Modified fetch; UV: A and B (summed
        # over days it is 2, or 3 if the test ran across midnight: distinct over the year is 2 either way)
        assert (total[2], total[4], total[5]) == ("5", "3", "1")
        assert total[3] in ("2", "3")
        distinct = io.StringIO()
        show(sessions, "P1", year, "distinct", out=distinct)
        assert next(ln for ln in distinct.getvalue().splitlines() if ln.startswith("全年")).split("\t")[3] == "2"
        out = io.StringIO()
        assert ingest(sessions, [logs], "combined", "P1", out=out, err=io.StringIO()) == 0
        assert "导入 0 个，无新内容 2 个" in out.getvalue()
