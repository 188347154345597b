"""A province and two city nodes, each a whole ``app.py run`` in a process of its own, on loopback.

The province stores metrics in a real VictoriaMetrics; each city keeps its embedded store, forwards through its
own vmagent, and reaches the province (web/API and VictoriaMetrics) through :class:`tests.support.cutlink.CutLink`
relays, so a test can cut one city's line while every process keeps running. The sites are paths of one
loopback HTTP server whose answers the test switches (up / 503). Time is compressed: probes and host samples
every second, rules with windows of seconds — a minute of a real platform per second.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from core.config import PROJECT_ROOT
from tests.e2e.run_process import free_port
from tests.support.cutlink import CutLink

PROVINCE, CITY_A, CITY_B = "430000", "430100", "430200"
# site code, name, path, level, node
SITES = [("4300000001", "湖南省人民政府门户网站", "p1", "provincial_portal", PROVINCE),
         ("4301000001", "长沙市人民政府", "a1", "city_portal", CITY_A),
         ("4301000002", "长沙市教育局", "a2", "city_department", CITY_A),
         ("4302000001", "株洲市人民政府", "b1", "city_portal", CITY_B)]

RULES = """version: 1
groups:
  - name: fast_sites
    rules:
      - name: site_down
        title: 网站首页无法访问
        kind: threshold
        severity: critical
        measurement: site_probe
        field: up
        agg: last
        window: 5s
        op: "=="
        value: 0
        for: 2s
        group_by: [site, node, city, level]
        summary: "网站 {labels[site]} 首页无法访问，{duration}"
  - name: fast_hosts
    rules:
      - name: host_silent
        title: 主机停止上报数据
        kind: absence
        severity: high
        measurement: host
        field: cpu_percent
        interval_of: host
        absent_intervals: 3
        absent_for: 5s
        group_by: [host, node, city]
        summary: "主机 {labels[host]} 已 {silence} 没有上报数据（允许中断 {limit}）"
"""


class Sites:
    """One loopback HTTP server answering each site's path: 200 with a page, or 503 while marked down."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        world = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.strip("/").split("/")[0]
                failing = path in world.down
                body = ("服务不可用" if failing else f"<html><head><title>{path}</title></head>"
                        f"<body><h1>{path}</h1></body></html>").encode()
                self.send_response(503 if failing else 200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Node:
    """One ``app.py run`` of the federation: its settings and its running process (restartable)."""

    code: str
    directory: Path
    env: dict[str, str]
    web_port: int
    proc: subprocess.Popen[str] | None = None
    seen: list[str] = field(default_factory=list)
    _lines: queue.Queue[str] = field(default_factory=queue.Queue)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def database_url(self) -> str:
        return self.env["GOVOPS_DATABASE__URL"]

    def start(self, timeout: float = 300.0) -> None:
        self._lines = queue.Queue()
        self.proc = subprocess.Popen([sys.executable, "app.py", "run"], cwd=PROJECT_ROOT,
                                     env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
        proc, lines = self.proc, self._lines  # this run's: a killed run's pipe ends later (its vmagent held it)

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                self.seen.append(f"[{self.code}] {line.rstrip()}")
                lines.put(line.rstrip("\n"))
            lines.put("\0")

        threading.Thread(target=pump, daemon=True).start()
        self.wait_for("指挥中心已启动", timeout)

    def wait_for(self, marker: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"node {self.code} printed no {marker!r} within {timeout} s:\n"
                                   + "\n".join(self.seen[-40:])) from None
            if line == "\0":
                code = self.proc.wait(timeout=10) if self.proc is not None else None
                raise RuntimeError(f"node {self.code} exited ({code}) before {marker!r}:\n"
                                   + "\n".join(self.seen[-60:]))
            if marker in line:
                return line

    def stop(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL the node's supervisor: no chance to stop anything; its workers and its vmagent follow it (they
        watch their parent, or get the kernel's parent-death signal). Returns once they are gone, as systemd
        restarts a unit only after its processes have ended."""
        import psutil

        assert self.proc is not None
        children = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        _, alive = psutil.wait_procs(children, timeout=30)
        assert alive == [], f"processes of the killed node {self.code} outlived it: {alive}"


@dataclass
class World:
    tmp: Path
    sites: Sites
    vm_url: str
    province: Node
    cities: dict[str, Node]
    links: dict[str, tuple[CutLink, CutLink]]  # city → (its line to the province's web, to its VictoriaMetrics)
    hook_posts: list[dict[str, Any]]

    def cut(self, city: str) -> None:
        for link in self.links[city]:
            link.cut()

    def restore(self, city: str) -> None:
        for link in self.links[city]:
            link.restore()


def _common(code: str, d: Path, port: int, rules: Path, receivers: Path) -> dict[str, str]:
    d.mkdir(parents=True, exist_ok=True)
    return {
        "GOVOPS_NODE__CODE": code,
        "GOVOPS_NODE__HOST_NAME": f"e2e-{code}",
        "GOVOPS_DATABASE__URL": f"sqlite:///{d / 'govops.db'}",
        "GOVOPS_METRICS__EMBEDDED__PATH": str(d / "metrics.db"),
        "GOVOPS_SECURITY__SECRET_KEY_FILE": str(d / "secret_key"),
        "GOVOPS_WEB__PORT": str(port),
        "GOVOPS_DEMO__ENABLED": "false",
        "GOVOPS_INSPECTION__SCHEDULED": "false",
        "GOVOPS_COLLECTORS__PROBE_INTERVAL": "1",
        "GOVOPS_COLLECTORS__HOST_INTERVAL": "1",
        "GOVOPS_COLLECTORS__PROBE_TIMEOUT": "2",
        "GOVOPS_COLLECTORS__JITTER_FRACTION": "0",
        "GOVOPS_ALERTS__RULES_DIR": str(rules),
        "GOVOPS_ALERTS__RECEIVERS_FILE": str(receivers),
        "GOVOPS_ALERTS__EVAL_INTERVAL": "1",
        "GOVOPS_FEDERATION__RELAY_INTERVAL": "0.5",
        "GOVOPS_FEDERATION__RETRY_MAX_SECONDS": "2",
        "GOVOPS_FEDERATION__CONFIG_INTERVAL": "5",
        "GOVOPS_FEDERATION__REQUEST_TIMEOUT": "5",
        "GOVOPS_FEDERATION__UNREACHABLE_AFTER": "5",
    }


def _webhook(posts: list[dict[str, Any]]) -> ThreadingHTTPServer:
    import json

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            posts.append({"at": time.time(), "body": json.loads(body or b"{}")})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def make_token(province: Node, city: str) -> str:
    out = subprocess.run([sys.executable, "app.py", "nodes", "token", "create", "--node", city], cwd=PROJECT_ROOT,
                         env={**os.environ, **province.env}, capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.strip().splitlines()[-1]


@contextmanager
def federation(tmp: Path, victoria: Callable[..., Any]) -> Iterator[World]:
    """Start the province's VictoriaMetrics, the province and both cities; stop everything afterwards."""
    with ExitStack() as stack:
        sites = Sites()
        stack.callback(sites.close)
        posts: list[dict[str, Any]] = []
        hook = _webhook(posts)
        stack.callback(hook.server_close)
        stack.callback(hook.shutdown)
        rules = tmp / "rules"
        rules.mkdir()
        (rules / "fast.yaml").write_text(RULES, encoding="utf-8")
        receivers = tmp / "receivers.toml"
        receivers.write_text(f'[receivers.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:{hook.server_port}/hook"\n'
                             'timeout = 5\n\n[[routes]]\nreceivers = ["hook"]\n', encoding="utf-8")
        registry = tmp / "sites.csv"
        registry.write_text("site_code,name,url,level,node_code\n" + "".join(
            f"{code},{name},{sites.url(path)},{level},{node}\n" for code, name, path, level, node in SITES),
            encoding="utf-8")
        (tmp / "vm").mkdir()
        vm_url = stack.enter_context(victoria(tmp / "vm", "-dedup.minScrapeInterval=1ms"))
        vm_port = int(vm_url.rsplit(":", 1)[1])
        prov_port = free_port()
        prov_env = {**_common(PROVINCE, tmp / PROVINCE, prov_port, rules, receivers),
                    "GOVOPS_NODE__ROLE": "province",
                    "GOVOPS_NODE__FEDERATED_CITIES": f"{CITY_A},{CITY_B}",
                    "GOVOPS_METRICS__BACKEND": "victoriametrics",
                    "GOVOPS_METRICS__VICTORIAMETRICS__URL": vm_url,
                    "GOVOPS_METRICS__VICTORIAMETRICS__FORCE_FLUSH": "true",
                    "GOVOPS_REGISTRY__SITES_FILE": str(registry),
                    "GOVOPS_REGISTRY__COLUMNS_FILE": ""}
        province = Node(PROVINCE, tmp / PROVINCE, prov_env, prov_port)
        stack.callback(province.stop)
        province.start()
        cities: dict[str, Node] = {}
        links: dict[str, tuple[CutLink, CutLink]] = {}
        for city in (CITY_A, CITY_B):
            d = tmp / city
            web_link, vm_link = CutLink(("127.0.0.1", prov_port)), CutLink(("127.0.0.1", vm_port))
            stack.callback(web_link.close)
            stack.callback(vm_link.close)
            links[city] = (web_link, vm_link)
            token_file = d / "node_token"
            d.mkdir(parents=True, exist_ok=True)
            token_file.write_text(make_token(province, city) + "\n", encoding="utf-8")
            port = free_port()
            env = {**_common(city, d, port, rules, receivers),
                   "GOVOPS_NODE__ROLE": "city",
                   "GOVOPS_NODE__UPSTREAM_URL": vm_link.url,
                   "GOVOPS_NODE__PROVINCE_URL": web_link.url,
                   "GOVOPS_NODE__TOKEN_FILE": str(token_file),
                   "GOVOPS_UPLINK__LISTEN": f"127.0.0.1:{free_port()}",
                   "GOVOPS_UPLINK__BUFFER_DIR": str(d / "uplink"),
                   "GOVOPS_FEDERATION__CACHE_DIR": str(d / "federation")}
            node = Node(city, d, env, port)
            stack.callback(node.stop)
            node.start()
            cities[city] = node
        yield World(tmp, sites, vm_url, province, cities, links, posts)


def until(cond: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    """Poll ``cond`` until it returns something truthy (returned) or ``timeout`` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"not within {timeout:g} s: {what} (last seen: {last!r})")
