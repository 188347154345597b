"""``app.py demo-federation``: the 1+14 federation on one machine — a province node and city nodes, each a
whole ``app.py run`` of its own with its own database, store, alerting and walls, plus the province's
VictoriaMetrics — started, supervised and stopped by one command (``make run-federation``).

Every node gets a configuration file under ``var/federation-demo/<code>/govops.toml`` (written here, kept
for reading and for running one node by hand), its own web port, and on a city a node token made at the
province (``security/api_tokens.py``), reused across runs while it is valid. The province runs the demo
fleet and probes every site; each city pulls its sites from the province, probes them and the provincial
portal, forwards its metrics through its vmagent and sends its alerts, findings and hosts up through its
outbox (docs/federation.md). :func:`plan` is the pure layout; :func:`run` does the processes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.config import Config, load_config
from core.logging import get_logger

log = get_logger(__name__)

PROVINCE = "430000"
DEFAULT_CITIES = ("430100", "430200")  # 长沙市, 株洲市
ROOT = "var/federation-demo"
VM_PORT = 18428
TOKEN_NAME = "node-{code}"  # a node token (the config endpoint takes only that name)


@dataclass(frozen=True)
class NodePlan:
    """One node of the demo: its code, role, web port and its configuration as TOML tables."""

    code: str
    role: str
    web_port: int
    settings: dict[str, dict[str, Any]]

    @property
    def directory(self) -> str:
        return f"{ROOT}/{self.code}"

    @property
    def config_file(self) -> str:
        return f"{self.directory}/govops.toml"

    @property
    def token_file(self) -> str:
        return f"{self.directory}/node_token"


def plan(cities: tuple[str, ...] = DEFAULT_CITIES, *, web_port: int = 8050, vm_port: int = VM_PORT,
         uplink_port: int = 18429, host_name: str = "") -> list[NodePlan]:
    """The province (web on ``web_port``) and each city (the next ports), with every path a node writes
    kept apart under ``var/federation-demo/<code>/``."""
    machine = host_name or socket.gethostname()
    vm_url = f"http://127.0.0.1:{vm_port}"
    province_url = f"http://127.0.0.1:{web_port}"

    def common(code: str, port: int) -> dict[str, dict[str, Any]]:
        d = f"{ROOT}/{code}"
        return {"database": {"url": f"sqlite:///{d}/govops.db"},
                "web": {"host": "127.0.0.1", "port": port},
                "security": {"secret_key_file": f"{d}/secret_key"},
                "collectors": {"ssh_known_hosts": f"{d}/ssh/known_hosts"}}

    province = common(PROVINCE, web_port)
    province["node"] = {"role": "province", "code": PROVINCE, "federated_cities": list(cities),
                        "host_name": f"{machine}-{PROVINCE}"}
    province["metrics"] = {"backend": "victoriametrics"}
    province["metrics.victoriametrics"] = {"url": vm_url}
    out = [NodePlan(PROVINCE, "province", web_port, province)]
    for i, code in enumerate(cities, start=1):
        s = common(code, web_port + i)
        d = f"{ROOT}/{code}"
        s["node"] = {"role": "city", "code": code, "upstream_url": vm_url, "province_url": province_url,
                     "token_file": f"{d}/node_token", "host_name": f"{machine}-{code}"}
        s["metrics.embedded"] = {"path": f"{d}/metrics.db"}
        s["uplink"] = {"listen": f"127.0.0.1:{uplink_port + i - 1}", "buffer_dir": f"{d}/uplink"}
        s["federation"] = {"cache_dir": f"{d}/federation"}
        # The province runs the demo fleet and its CA; a city's probes trust that CA.
        s["collectors"]["probe_ca_file"] = "var/demo/ca.pem"
        out.append(NodePlan(code, "city", web_port + i, s))
    return out


def toml_text(settings: dict[str, dict[str, Any]]) -> str:
    """``settings`` as TOML (tables of strings, numbers, booleans and string lists: all a plan holds)."""
    lines = ["# Written by `python app.py demo-federation` (runtime/federation_demo.py); rewritten at each start."]
    for table, values in settings.items():
        lines.append(f"\n[{table}]")
        for key, value in values.items():
            lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def write_configs(nodes: list[NodePlan], project: Config) -> dict[str, Config]:
    """Write each node's configuration file and load it back (so a bad value is refused here, naming the
    file); code → its :class:`Config`."""
    out = {}
    for node in nodes:
        path = project.resolve_path(node.config_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(toml_text(node.settings), encoding="utf-8")
        out[node.code] = load_config(path, env={})
    return out


def ensure_tokens(province: Config, nodes: list[NodePlan], now: datetime) -> list[str]:
    """Each city's node token, made at the province when its token file is missing or no longer valid;
    the codes of the cities given a new token."""
    from db.session import transaction
    from runtime.bootstrap import prepare_database
    from security.api_tokens import authenticate, create_token, revoke_token

    sessions = prepare_database(province)
    made = []
    for node in nodes:
        if node.role != "city":
            continue
        path = province.resolve_path(node.token_file)
        with transaction(sessions) as s:
            old = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
            holder = authenticate(s, old, now) if old else None
            name = TOKEN_NAME.format(code=node.code)
            if holder is not None and holder.node_code == node.code and holder.name == name:
                continue
            if holder is not None:  # a valid token of the wrong kind: replaced, and no longer usable
                revoke_token(s, holder.id, actor="system:demo-federation", now=now)
            _, token = create_token(s, node.code, name=name,
                                    actor="system:demo-federation", now=now)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(token + "\n", encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        made.append(node.code)
    return made


def uplink_port(node: NodePlan) -> int:
    return int(node.settings["uplink"]["listen"].rsplit(":", 1)[1])


def busy_ports(ports: list[int]) -> list[tuple[int, str]]:
    """The loopback ports of ``ports`` that cannot be bound now, each with the reason in Chinese."""
    from core.cli import os_error_text

    out = []
    for port in ports:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError as exc:
                out.append((port, os_error_text(exc)))
    return out


def victoria_metrics_argv(binary: str, project: Config, port: int) -> list[str]:
    """The province's VictoriaMetrics for the demo, with the deduplication forwarding relies on
    (docs/federation.md, "The province")."""
    return [binary, f"-httpListenAddr=127.0.0.1:{port}",
            f"-storageDataPath={project.resolve_path(ROOT + '/victoria-metrics')}",
            "-retentionPeriod=30d", "-dedup.minScrapeInterval=1ms", "-loggerLevel=WARN"]


def child_specs(project: Config, nodes: list[NodePlan], vm_binary: str, app_py: Path,
                vm_port: int = VM_PORT) -> list[Any]:
    """VictoriaMetrics first, then the province, then the cities, each healthy before the next starts."""
    from runtime.supervisor import ChildSpec

    names = {"430000": "省级节点", "430100": "长沙市节点", "430200": "株洲市节点"}
    specs = [ChildSpec(role="victoria-metrics", label_zh="省级指标库（VictoriaMetrics）",
                       argv=victoria_metrics_argv(vm_binary, project, vm_port),
                       health_url=f"http://127.0.0.1:{vm_port}/health", health_text="OK", ready_timeout_s=60.0,
                       parent_death_signal=signal.SIGTERM,
                       starting_zh=f"[联邦 1] 启动省级指标库 VictoriaMetrics（127.0.0.1:{vm_port}）…")]
    for i, node in enumerate(nodes, start=2):
        label = names.get(node.code, f"{node.code} 节点")
        argv = [sys.executable, str(app_py), "--config", str(project.resolve_path(node.config_file)), "run"]
        specs.append(ChildSpec(role=f"node-{node.code}", label_zh=label, argv=argv,
                               health_url=f"http://127.0.0.1:{node.web_port}/healthz", ready_timeout_s=420.0,
                               parent_death_signal=signal.SIGTERM,
                               starting_zh=f"[联邦 {i}] 启动{label}（{node.code}）…",
                               ready_zh=f"{label}已启动：http://127.0.0.1:{node.web_port}/"))
    return specs


def run(project: Config, app_py: Path, say: Any, wait: Any) -> int:
    """Write the configurations, make the tokens, start and supervise every node until ``wait`` returns
    (Ctrl-C); non-zero when a node could not be kept running."""
    import shutil

    from runtime.supervisor import GiveUp, Supervisor

    vm_binary = shutil.which("victoria-metrics")
    if vm_binary is None:
        say("找不到 victoria-metrics 程序：请安装 Debian 软件包 victoria-metrics（scripts/install-system-deps.sh）")
        return 2
    # Every port follows [web] port (8050 → the VictoriaMetrics on 18428, the cities' vmagents on 18429 …).
    vm_port = project.web.port + VM_PORT - 8050
    if vm_port + len(DEFAULT_CITIES) > 65535:
        say(f"无法启动联邦演示：[web] port {project.web.port} 太大，"
            f"派生的指标库端口 {vm_port} 超出范围（[web] port 应不大于 55000）")
        return 2
    nodes = plan(web_port=project.web.port, vm_port=vm_port, uplink_port=vm_port + 1)
    busy = busy_ports([n.web_port for n in nodes] + [vm_port] + [uplink_port(n) for n in nodes if n.role == "city"])
    if busy:
        say(f"无法启动联邦演示：本机端口 {busy[0][0]} 已被占用（{busy[0][1]}）；省级节点的网页端口取 [web] port，"
            f"市级节点依次加 1（可用 GOVOPS_WEB__PORT 换一组端口）")
        return 2
    configs = write_configs(nodes, project)
    say(f"联邦演示：1 个省级节点 + {len(nodes) - 1} 个市级节点，配置在 {project.resolve_path(ROOT)}/<代码>/govops.toml")
    made = ensure_tokens(configs[PROVINCE], nodes, datetime.now(UTC))
    if made:
        say(f"已在省级节点为 {'、'.join(made)} 生成节点令牌（只保存在各市目录的 node_token 文件中）")
    supervisor = Supervisor(child_specs(project, nodes, vm_binary, app_py, vm_port), say=say)
    try:
        try:
            supervisor.start()
        except GiveUp as exc:
            say(f"联邦演示未能启动：{exc}")
            return 1
        say("联邦演示已启动（按 Ctrl-C 停止）：")
        for node in nodes:
            role = "省级节点" if node.role == "province" else "市级节点"
            say(f"  {role} {node.code}：http://127.0.0.1:{node.web_port}/")
        failed = wait(supervisor.failed)
        say("正在停止联邦演示 …")
        supervisor.stop()
        if failed:
            say(f"联邦演示已停止：{supervisor.reason}")
            return 1
        return 0
    finally:
        supervisor.stop()
