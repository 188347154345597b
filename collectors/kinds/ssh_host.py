"""Remote (agentless) host metrics over SSH: the same ``host`` and ``host_disk`` fields as the local psutil
collector, under the remote host's tags, plus services, listening ports and failed logins.

Targets are the enabled non-local hosts of the registry this node serves (``db.scope.hosts_served``). Each
poll is one batched shell script (``collectors.ssh_parse``) over a pooled, host-key-verified connection
(``collectors.ssh_session``), run in this kind's own thread pool so hanging hosts never take the psutil
collector's threads. A section whose command is missing or refused costs only its own metrics
(``ssh_host_section.failed`` with the Chinese reason); a poll that cannot run at all — unknown or changed host
key, refused key, timeout — yields ``ssh_host.up = 0`` with the failure's class and Chinese reason, and is
logged. Rates (CPU, disk, network) come from the previous poll of the same host; the first poll reads
/proc/stat twice a short moment apart so it already has a CPU figure.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select

from collectors import ssh_parse as sp
from collectors.base import COLLECTORS, CollectorContext, Target
from collectors.kinds.host import DISK, MEASUREMENT, PSEUDO_FS, PSEUDO_PREFIXES, rates
from collectors.kinds.host import METRICS as HOST_METRICS
from collectors.ssh_session import Endpoint, SSHFailure, SSHPool
from core.clock import to_ns
from core.i18n.ssh import T
from core.logging import get_logger
from db.models import Host, Node
from db.scope import hosts_served
from tsdb.catalogue import MetricSpec, TextSpec, declare, declare_measurement, declare_text
from tsdb.point import Point, points_for

log = get_logger(__name__)

SSH = "ssh_host"
SECTION = "ssh_host_section"
SERVICE = "host_service"
PORT = "host_port"
FAILURE = "failure"
declare_measurement(SSH, "远程主机采集")
declare_measurement(SECTION, "远程主机采集项")
declare_measurement(SERVICE, "主机服务")
declare_measurement(PORT, "主机监听端口")
OWN_METRICS = declare(
    MetricSpec(SSH, "up", "", "SSH 采集成功", "1 when the poll ran, 0 when it could not (see failure)"),
    MetricSpec(SSH, "poll_s", "s", "SSH 采集耗时"),
    MetricSpec(SSH, FAILURE, "", "SSH 采集故障", "marker (1) carrying the error class and Chinese reason tags"),
    MetricSpec(SSH, "sections_failed", "项", "采集失败项数", "sections of the poll whose command failed"),
    MetricSpec(SSH, "failed_logins", "次", "近 1 小时登录失败次数", "sshd 'Failed <method> for' lines, last hour"),
    MetricSpec(SSH, "services_active", "个", "运行中服务数"),
    MetricSpec(SSH, "services_failed", "个", "失败服务数"),
    MetricSpec(SSH, "listen_ports", "个", "监听端口数", "distinct listening TCP ports"),
    MetricSpec(SECTION, "failed", "", "采集项失败", "marker (1) carrying the section and Chinese reason tags"),
    MetricSpec(SERVICE, "active", "", "服务运行中", "1 when systemd reports the unit active"),
    MetricSpec(SERVICE, "failed", "", "服务失败", "1 when systemd reports the unit failed"),
    MetricSpec(PORT, "listening", "", "端口监听中"),
)
TEXTS = declare_text(
    TextSpec(SSH, "error", FAILURE, "故障类型", "hostkey_unknown, hostkey_changed, auth, key, config, "
                                               "connect_timeout, connect, command_timeout, ssh"),
    TextSpec(SSH, "reason", FAILURE, "故障原因", "the failure in Chinese"),
    TextSpec(SECTION, "reason", "failed", "失败原因", "why the section gave no figures, in Chinese"),
)
FIRST_CPU_WINDOW_S = 0.1


@dataclass(frozen=True)
class _Previous:
    cpu: tuple[float, float] | None
    counters: Mapping[str, int]
    at: float  # our unix seconds at the poll
    uptime: float | None  # the remote's uptime then: a monotonic, sub-second base for rates


def poll_points(tags: Mapping[str, str], role: str, sections: Mapping[str, sp.Section],
                prev: _Previous | None, now: datetime, poll_s: float) -> tuple[list[Point], _Previous]:
    """Every point of one successful poll, and what the next poll of the host needs (pure)."""
    ns = to_ns(now)
    remote = sp.remote_now(sections, now)
    errors: dict[str, str] = {}

    def read(name: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(sp.section_text(sections, name), *args)
        except sp.SectionError as exc:
            errors[name] = str(exc)
            return None

    cpu_now = read("stat", sp.parse_cpu)
    cpu_pct: float | None = None
    if cpu_now is not None:
        base = prev.cpu if prev is not None else None
        later = cpu_now
        if base is None and "stat2" in sections:
            base, later = cpu_now, read("stat2", sp.parse_cpu)
        if base is not None and later is not None and later[1] > base[1]:
            cpu_pct = round(max(0.0, min(100.0, 100.0 * (later[0] - base[0]) / (later[1] - base[1]))), 1)
    mem = read("meminfo", sp.parse_meminfo) or {}
    load = read("loadavg", sp.parse_loadavg) or (None, None, None)
    uptime = read("uptime", sp.parse_uptime)
    procs = read("procs", sp.parse_count, "/proc")
    counters: dict[str, int] = {**(read("netdev", sp.parse_netdev) or {}),
                                **(read("diskstats", sp.parse_diskstats) or {})}
    at = now.timestamp()
    rate: dict[str, float] = {}
    if prev is not None:
        elapsed = (uptime - prev.uptime if uptime is not None and prev.uptime is not None and uptime > prev.uptime
                   else at - prev.at)
        rate = rates(prev.counters, counters, elapsed)
    pts = points_for(MEASUREMENT, tags, ns, [
        ("cpu_percent", cpu_pct), ("load1", load[0]), ("load5", load[1]), ("load15", load[2]),
        ("mem_percent", mem.get("mem_percent")), ("mem_used_bytes", mem.get("mem_used_bytes")),
        ("mem_total_bytes", mem.get("mem_total_bytes")), ("swap_percent", mem.get("swap_percent")),
        ("disk_read_bps", rate.get("disk_read")), ("disk_write_bps", rate.get("disk_write")),
        ("net_rx_bps", rate.get("net_rx")), ("net_tx_bps", rate.get("net_tx")),
        ("procs", procs), ("uptime_s", uptime),
    ])
    for m in read("df", sp.parse_df, PSEUDO_FS, PSEUDO_PREFIXES) or []:
        pts += points_for(DISK, {**tags, "mount": m.mount}, ns, [
            ("used_percent", m.used_percent), ("free_bytes", m.free_bytes), ("total_bytes", m.total_bytes)])
    units = read("services", sp.parse_services)
    for u in units or []:
        if u.load == "loaded":
            pts += points_for(SERVICE, {**tags, "service": u.name}, ns,
                              [("active", int(u.active == "active")), ("failed", int(u.active == "failed"))])
    ports = read("ports", sp.parse_ports)
    port_numbers = sorted({p for _, p in ports or []})
    for p in port_numbers:
        pts += points_for(PORT, {**tags, "port": str(p)}, ns, [("listening", 1)])
    logins = read("auth", sp.count_failed_logins, remote)
    for name, reason in sorted(errors.items()):
        pts += points_for(SECTION, {**tags, "section": name, "reason": reason}, ns, [("failed", 1)])
    pts += points_for(SSH, {**tags, "role": role}, ns, [
        ("up", 1), ("poll_s", round(poll_s, 3)), ("sections_failed", len(errors)), ("failed_logins", logins),
        ("services_active", None if units is None else sum(u.active == "active" for u in units)),
        ("services_failed", None if units is None else sum(u.active == "failed" for u in units)),
        ("listen_ports", None if ports is None else len(port_numbers)),
    ])
    return pts, _Previous(cpu_now, counters, at, uptime)


def failure_points(tags: Mapping[str, str], role: str, failure: SSHFailure, now: datetime,
                   poll_s: float) -> list[Point]:
    """The points of a poll that could not run: ``up = 0`` and the failure marker with its class and reason."""
    return points_for(SSH, {**tags, "role": role, "error": failure.code, "reason": failure.reason}, to_ns(now),
                      [("up", 0), ("poll_s", round(poll_s, 3)), (FAILURE, 1)])


def key_file(reference: str, key_dir: str) -> Path:
    """A host's key reference: an absolute path, or a file name under ``[collectors] ssh_key_dir``."""
    path = Path(reference).expanduser()
    return path if path.is_absolute() else Path(key_dir) / path


@COLLECTORS.register("ssh_host")
class SSHHostCollector:
    """Remote hosts over SSH; async towards the scheduler, paramiko in this kind's own bounded thread pool."""

    name: ClassVar[str] = "ssh_host"
    label_zh: ClassVar[str] = "远程主机采集（SSH）"
    blocking: ClassVar[bool] = False
    metrics: ClassVar[tuple[MetricSpec, ...]] = HOST_METRICS + OWN_METRICS

    def __init__(self, ctx: CollectorContext) -> None:
        c = ctx.config.collectors
        self.ctx = ctx
        self.max_concurrency: int = int(c.ssh_max_concurrency)
        self.connect_timeout = float(c.ssh_connect_timeout)
        self.command_timeout = float(c.ssh_command_timeout)
        self.key_dir = str(c.ssh_key_dir)
        self.pool = SSHPool(Path(c.ssh_known_hosts), connect_timeout=self.connect_timeout,
                            command_timeout=self.command_timeout, size=int(c.ssh_pool_size))
        self._threads = ThreadPoolExecutor(max_workers=self.max_concurrency, thread_name_prefix="ssh")
        self._prev: dict[str, _Previous] = {}
        self._lock = threading.Lock()

    @property
    def interval(self) -> float:
        return float(self.ctx.config.collectors.ssh_interval)

    @property
    def timeout(self) -> float:
        # connect, banner and authentication are bounded one by one; the command by its own deadline
        return 3 * self.connect_timeout + self.command_timeout + 5.0

    def targets(self) -> list[Target]:
        """Enabled remote hosts of the regions this node serves, by name."""
        with self.ctx.sessions() as s:
            rows = [(h, node.city_code) for h, node in s.execute(
                select(Host, Node).join(Node, Node.code == Host.node_code).where(
                    Host.local.is_(False), Host.enabled.is_(True), hosts_served(self.ctx.config.node),
                ).order_by(Host.name)).all()]
        return [Target(key=h.name, labels={"host": h.name, "node": h.node_code, "city": city},
                       params={"address": h.address, "port": h.ssh_port, "user": h.ssh_user or "",
                               "key": h.ssh_key_path or "", "role": str(h.role)})
                for h, city in rows]

    def endpoint(self, target: Target) -> Endpoint:
        """Where ``target`` is reached; :class:`SSHFailure` ``config`` when its user or key is not registered."""
        p = target.params
        if not p.get("user"):
            raise SSHFailure("config", T["user_missing"].format(host=target.key))
        if not p.get("key"):
            raise SSHFailure("config", T["key_missing"].format(host=target.key))
        return Endpoint(target.key, str(p["address"]), int(p["port"]), str(p["user"]),
                        key_file(str(p["key"]), self.key_dir))

    def poll(self, target: Target) -> list[Point]:
        """One host's points (blocking). Never raises for the host's own faults: they become ``up = 0``."""
        started = time.monotonic()
        with self._lock:
            prev = self._prev.get(target.key)
        role = str(target.params.get("role", ""))
        try:
            script = sp.batch_script(FIRST_CPU_WINDOW_S if prev is None or prev.cpu is None else 0.0)
            output = self.pool.run(self.endpoint(target), script)
        except SSHFailure as exc:
            log.warning("ssh_host.poll_failed", host=target.key, error=exc.code, reason=exc.reason)
            return failure_points(target.labels, role, exc, self.ctx.clock.now(), time.monotonic() - started)
        points, state = poll_points(target.labels, role, sp.split_sections(output), prev, self.ctx.clock.now(),
                                    time.monotonic() - started)
        with self._lock:
            self._prev[target.key] = state
        return points

    async def collect(self, target: Target) -> list[Point]:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self.poll, target)

    async def aclose(self) -> None:
        """Close the pooled connections and the thread pool (threads still in a poll finish on their own)."""
        self.pool.close()
        self._threads.shutdown(wait=False, cancel_futures=True)
