"""Local host metrics with psutil: CPU, load, memory, swap, disk and network rates, mounts.

Targets are the enabled ``local`` hosts of this collector's node in the registry, or
the machine itself (``socket.gethostname()``) when the registry lists none. Rates
come from counter deltas between two runs of the same target, so the first run
yields no rate. Remote hosts (SSH) are a separate, later kind.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

import psutil
from sqlalchemy import select

from collectors.base import COLLECTORS, CollectorContext, Target
from core.clock import to_ns
from core.region import city_of, is_division_code
from db.models import Host, Node
from tsdb.catalogue import MetricSpec, declare, declare_measurement
from tsdb.point import Point, points_for

MEASUREMENT = "host"
DISK = "host_disk"
# Pseudo and virtual filesystems carry no capacity an operator can act on.
PSEUDO_FS = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs",
    "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "pstore", "ramfs",
    "rpc_pipefs", "securityfs", "squashfs", "sysfs", "tmpfs", "tracefs", "fuse.lxcfs", "fuse.snapfuse",
    "iso9660", "nfsd", "selinuxfs",
})
PSEUDO_PREFIXES = ("/proc", "/sys", "/dev", "/run", "/snap", "/var/lib/docker", "/var/snap")

declare_measurement(MEASUREMENT, "主机")
declare_measurement(DISK, "主机磁盘")
METRICS = declare(
    MetricSpec(MEASUREMENT, "cpu_percent", "%", "CPU 使用率"),
    MetricSpec(MEASUREMENT, "load1", "", "1 分钟负载"),
    MetricSpec(MEASUREMENT, "load5", "", "5 分钟负载"),
    MetricSpec(MEASUREMENT, "load15", "", "15 分钟负载"),
    MetricSpec(MEASUREMENT, "mem_percent", "%", "内存使用率"),
    MetricSpec(MEASUREMENT, "mem_used_bytes", "B", "已用内存"),
    MetricSpec(MEASUREMENT, "mem_total_bytes", "B", "内存总量"),
    MetricSpec(MEASUREMENT, "swap_percent", "%", "交换分区使用率"),
    MetricSpec(MEASUREMENT, "disk_read_bps", "B/s", "磁盘读速率"),
    MetricSpec(MEASUREMENT, "disk_write_bps", "B/s", "磁盘写速率"),
    MetricSpec(MEASUREMENT, "net_rx_bps", "B/s", "网络接收速率"),
    MetricSpec(MEASUREMENT, "net_tx_bps", "B/s", "网络发送速率"),
    MetricSpec(MEASUREMENT, "procs", "个", "进程数"),
    MetricSpec(MEASUREMENT, "uptime_s", "s", "运行时长"),
    MetricSpec(DISK, "used_percent", "%", "磁盘使用率"),
    MetricSpec(DISK, "free_bytes", "B", "磁盘剩余空间"),
    MetricSpec(DISK, "total_bytes", "B", "磁盘总容量"),
)

COUNTERS = ("disk_read", "disk_write", "net_rx", "net_tx")


def derive_city_code(node_code: str) -> str:
    """The city of a 6-digit administrative code: XXYY00 for a county XXYYZZ, else the code itself."""
    if not is_division_code(node_code):
        raise ValueError(f"node code {node_code!r}: expected 6 digits")
    return city_of(node_code)


@dataclass(frozen=True)
class Mount:
    mount: str
    total_bytes: int
    free_bytes: int
    used_percent: float


@dataclass(frozen=True)
class HostSample:
    """One psutil reading; counters are cumulative bytes, ``cpu_busy``/``cpu_total`` cumulative seconds."""

    cpu_busy: float
    cpu_total: float
    load: tuple[float, float, float]
    mem_percent: float
    mem_used: int
    mem_total: int
    swap_percent: float
    counters: Mapping[str, int]
    procs: int
    boot_time: float
    mounts: tuple[Mount, ...]


def cpu_percent_between(a: HostSample, b: HostSample) -> float | None:
    """Busy share of CPU time between two samples, 0-100; None if no CPU time elapsed."""
    total = b.cpu_total - a.cpu_total
    if total <= 0:
        return None
    return max(0.0, min(100.0, 100.0 * (b.cpu_busy - a.cpu_busy) / total))


def rates(prev: Mapping[str, int], cur: Mapping[str, int], seconds: float) -> dict[str, float]:
    """Per-second rates of the counters present in both; a counter that went back (reset) is left out."""
    if seconds <= 0:
        return {}
    return {k: (cur[k] - prev[k]) / seconds for k in cur if k in prev and cur[k] >= prev[k]}


def host_points(tags: Mapping[str, str], sample: HostSample, cpu: float | None,
                counter_rates: Mapping[str, float], now_s: float, time_ns: int) -> list[Point]:
    """The ``host`` point and one ``host_disk`` point per mount for one sample."""
    pts = points_for(MEASUREMENT, tags, time_ns, [
        ("cpu_percent", cpu), ("load1", sample.load[0]), ("load5", sample.load[1]), ("load15", sample.load[2]),
        ("mem_percent", sample.mem_percent), ("mem_used_bytes", sample.mem_used),
        ("mem_total_bytes", sample.mem_total), ("swap_percent", sample.swap_percent),
        ("disk_read_bps", counter_rates.get("disk_read")), ("disk_write_bps", counter_rates.get("disk_write")),
        ("net_rx_bps", counter_rates.get("net_rx")), ("net_tx_bps", counter_rates.get("net_tx")),
        ("procs", sample.procs), ("uptime_s", max(0.0, now_s - sample.boot_time)),
    ])
    for m in sample.mounts:
        pts += points_for(DISK, {**tags, "mount": m.mount}, time_ns, [
            ("used_percent", m.used_percent), ("free_bytes", m.free_bytes), ("total_bytes", m.total_bytes)])
    return pts


def _mounts() -> tuple[Mount, ...]:
    found: list[Mount] = []
    seen: set[str] = set()
    for part in psutil.disk_partitions(all=False):
        mp = part.mountpoint
        if part.fstype in PSEUDO_FS or mp in seen or any(mp == p or mp.startswith(p + "/") for p in PSEUDO_PREFIXES):
            continue
        try:
            usage = psutil.disk_usage(mp)
        except OSError:  # unreadable or vanished mount: nothing to report for it
            continue
        seen.add(mp)
        found.append(Mount(mp, usage.total, usage.free, usage.percent))
    return tuple(found)


def read_sample() -> HostSample:
    """Read the local machine with psutil (blocking, a few milliseconds)."""
    t = psutil.cpu_times()
    idle = t.idle + getattr(t, "iowait", 0.0)
    total = sum(t)
    mem, swap = psutil.virtual_memory(), psutil.swap_memory()
    counters: dict[str, int] = {}
    disk = psutil.disk_io_counters()
    if disk is not None:
        counters.update(disk_read=disk.read_bytes, disk_write=disk.write_bytes)
    net = psutil.net_io_counters()
    if net is not None:
        counters.update(net_rx=net.bytes_recv, net_tx=net.bytes_sent)
    return HostSample(
        cpu_busy=total - idle, cpu_total=total, load=psutil.getloadavg(), mem_percent=mem.percent,
        mem_used=mem.total - mem.available, mem_total=mem.total, swap_percent=swap.percent,
        counters=counters, procs=len(psutil.pids()), boot_time=psutil.boot_time(), mounts=_mounts())


@COLLECTORS.register("host")
class HostCollector:
    """Local machine metrics via psutil; runs in the scheduler's blocking thread pool."""

    name: ClassVar[str] = "host"
    label_zh: ClassVar[str] = "主机指标采集"
    blocking: ClassVar[bool] = True
    metrics: ClassVar[tuple[MetricSpec, ...]] = METRICS
    first_cpu_window_s: ClassVar[float] = 0.1  # first run has no previous sample: measure a short window

    def __init__(self, ctx: CollectorContext) -> None:
        self.ctx = ctx
        self.node_code: str = ctx.config.node.code
        self._prev: dict[str, tuple[HostSample, float]] = {}
        self._lock = threading.Lock()

    @property
    def interval(self) -> float:
        return float(self.ctx.config.collectors.host_interval)

    @property
    def timeout(self) -> float:
        return min(self.interval, 10.0)

    def targets(self) -> list[Target]:
        """Enabled local hosts of this node; the machine itself when there are none."""
        with self.ctx.sessions() as s:
            node = s.get(Node, self.node_code)
            city = node.city_code if node is not None else derive_city_code(self.node_code)
            names = s.scalars(select(Host.name).where(
                Host.node_code == self.node_code, Host.local.is_(True), Host.enabled.is_(True),
            ).order_by(Host.name)).all()
        names = list(names) or [socket.gethostname()]
        return [Target(key=n, labels={"host": n, "node": self.node_code, "city": city}) for n in names]

    def collect(self, target: Target) -> Iterable[Point]:
        now = self.ctx.clock.now()
        sample = read_sample()
        with self._lock:
            prev = self._prev.get(target.key)
            self._prev[target.key] = (sample, now.timestamp())
        if prev is None:
            time.sleep(self.first_cpu_window_s)  # runs in a pool thread; gives the first CPU figure
            cpu = cpu_percent_between(sample, read_sample())
            counter_rates: dict[str, float] = {}
        else:
            cpu = cpu_percent_between(prev[0], sample)
            counter_rates = rates(prev[0].counters, sample.counters, now.timestamp() - prev[1])
        return host_points(target.labels, sample, cpu, counter_rates, now.timestamp(), to_ns(now))
