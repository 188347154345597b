"""A real nginx on a free loopback port for tests: stub_status, an access log with ``$request_time`` appended,
and a few fixed answers (``/ok`` 200, ``/missing`` 404, ``/boom`` 503).

Needs Debian's ``nginx`` (scripts/install-system-deps.sh); tests skip with the reason when it is absent. It
runs in the foreground as one process (``master_process off``) under a private prefix, and is stopped by its
pid when the test ends.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.collectors.sshd import free_port
from tests.support.daemon import listening

NGINX_BIN = "/usr/sbin/nginx"
START_TIMEOUT_S = 10.0
LOG_FORMAT = ('\'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
              '"$http_referer" "$http_user_agent" $request_time\'')


@dataclass(frozen=True)
class Nginx:
    port: int
    access_log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def status_url(self) -> str:
        return f"{self.base}/nginx_status"


def require_nginx() -> None:
    if not os.access(NGINX_BIN, os.X_OK):
        pytest.skip("需要 nginx（/usr/sbin/nginx）：运行 scripts/install-system-deps.sh 安装")


def _config(d: Path, port: int) -> str:
    temps = "\n".join(f"  {name}_temp_path {d}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                     "scgi"))
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
{temps}
  log_format timed {LOG_FORMAT};
  server {{
    listen 127.0.0.1:{port};
    access_log {d}/access.log timed;
    location = /nginx_status {{ stub_status; access_log off; }}
    location = /ok {{ return 200 "ok"; }}
    location = /missing {{ return 404; }}
    location = /boom {{ return 503; }}
  }}
}}
"""


@contextlib.contextmanager
def running_nginx(directory: Path) -> Iterator[Nginx]:
    """A started nginx under ``directory``; stopped (by its pid) on exit."""
    require_nginx()
    d = directory / "nginx"
    d.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = d / "nginx.conf"
    conf.write_text(_config(d, port))
    proc = subprocess.Popen([NGINX_BIN, "-p", str(d), "-c", str(conf), "-e", str(d / "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with listening(proc, port, "nginx", d / "error.log", START_TIMEOUT_S):
        yield Nginx(port, d / "access.log")
