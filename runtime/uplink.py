"""The city's uplink: ``vmagent`` as one of the processes ``app.py run`` supervises (docs/federation.md).

:func:`vmagent_argv` is the whole of its configuration (pure: configuration in, command line out), so the
systemd unit documented for production and the supervised child run the same flags. vmagent takes line
protocol on ``[uplink] listen`` (``/write``), keeps what it cannot send yet in ``-remoteWrite.tmpDataPath``
and remote-writes to ``<[node] upstream_url>/api/v1/write``; its ``/health`` answers ``OK`` when it runs.

The replay after an unclean death (docs/federation.md, "What survives what") is decided here too, purely:
:func:`parse_backlog` reads vmagent's ``/metrics`` and says whether everything it took was delivered,
:func:`replay_window` turns the last such moment into the window of the city's store to hand over again.
The I/O (the probe, the state file, the hand-over) is :mod:`runtime.uplink_replay`.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from core.config import Config

REMOTE_WRITE_PATH = "/api/v1/write"
LABEL = "指标上送代理（vmagent）"
# The oldest a replay window starts, whatever the state file says: the embedded store's default raw retention
# (older samples are rolled up, not raw, and cannot be re-sent as they were).
REPLAY_MAX = timedelta(hours=48)


def uplink_enabled(config: Config) -> bool:
    """A city node with an upstream forwards its metrics; every other node runs standalone."""
    return config.node.role == "city" and bool(config.node.upstream_url)


def remote_write_url(upstream_url: str) -> str:
    """The province's remote-write endpoint from its base URL (``http://prov:8428`` → ``…/api/v1/write``)."""
    return upstream_url.rstrip("/") + REMOTE_WRITE_PATH


def vmagent_argv(config: Config, binary: str | None = None) -> list[str]:
    """vmagent's command line for this node (``binary`` defaults to ``[uplink] binary`` as written).

    Raises ValueError on a node that has no uplink (:func:`uplink_enabled`)."""
    if not uplink_enabled(config):
        raise ValueError("only a city node with [node] upstream_url runs vmagent")
    up = config.uplink
    argv = [binary or up.binary,
            f"-httpListenAddr={up.listen}",
            f"-remoteWrite.url={remote_write_url(config.node.upstream_url)}",
            f"-remoteWrite.tmpDataPath={config.resolve_path(up.buffer_dir)}",
            f"-remoteWrite.maxDiskUsagePerURL={up.max_buffer_mb * 1024 * 1024}",
            # What vmagent holds in memory is lost if it dies uncleanly (SIGKILL, OOM): one sending queue and
            # the smallest memory budget bring its in-memory queue down to 2 blocks (the rest goes to disk),
            # instead of up to 100 blocks per queue. docs/federation.md, "What survives what".
            "-remoteWrite.queues=1", "-memory.allowedBytes=1MB",
            "-loggerLevel=WARN"]
    if up.bearer_token_file:
        argv.append(f"-remoteWrite.bearerTokenFile={config.resolve_path(up.bearer_token_file)}")
    return argv


def resolve_binary(config: Config) -> str:
    """The vmagent program to run: ``[uplink] binary`` as a path, or found on PATH; raises FileNotFoundError
    with the Chinese reason and the package to install."""
    name = config.uplink.binary
    found = shutil.which(name) if "/" not in name else (name if Path(name).is_file() else None)
    if found is None:
        raise FileNotFoundError(f"找不到 vmagent 程序 {name!r}（配置项 uplink.binary）："
                                "请安装 Debian 软件包 victoria-metrics（scripts/install-system-deps.sh）")
    return found


def health_url(config: Config) -> str:
    return f"http://{config.uplink.listen}/health"


def metrics_url(config: Config) -> str:
    return f"http://{config.uplink.listen}/metrics"


@dataclass(frozen=True)
class Backlog:
    """What vmagent's ``/metrics`` says of its remote write: bytes and blocks waiting (on disk and in memory),
    blocks taken off the queue for sending, and those answered 2XX or dropped as refused."""

    pending_bytes: float
    inmemory_blocks: float
    blocks_sent: float
    blocks_done: float

    @property
    def delivered(self) -> bool:
        """Everything vmagent had queued was delivered: nothing waits and no block is being sent or retried.

        Points it took within its flush interval (1 s) are not queued yet; the replay margin covers them."""
        return self.pending_bytes == 0 and self.inmemory_blocks == 0 and self.blocks_sent <= self.blocks_done


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", re.MULTILINE)


def parse_backlog(text: str) -> Backlog | None:
    """The :class:`Backlog` in a vmagent ``/metrics`` page (summed over its remote-write URLs, one here);
    None when the page lacks one of the counters (another program, another vmagent version) (pure)."""
    sums: dict[str, float] = {}
    for name, labels, value in _SAMPLE.findall(text):
        if name == "vmagent_remotewrite_requests_total" and 'status_code="2XX"' not in labels:
            continue  # only answered requests: a 5XX is retried, the block is still in flight
        try:
            sums[name] = sums.get(name, 0.0) + float(value)
        except ValueError:
            return None
    need = ("vmagent_remotewrite_pending_data_bytes", "vmagent_remotewrite_pending_inmemory_blocks",
            "vmagent_remotewrite_blocks_sent_total", "vmagent_remotewrite_requests_total")
    if any(n not in sums for n in need):
        return None
    return Backlog(sums[need[0]], sums[need[1]], sums[need[2]],
                   sums[need[3]] + sums.get("vmagent_remotewrite_packets_dropped_total", 0.0))


def replay_window(now: datetime, delivered_at: datetime | None, replay_seconds: float) -> tuple[datetime, datetime]:
    """[start, stop) of the city's points to hand to a vmagent (re)started at ``now`` (pure).

    ``delivered_at`` is the last moment the previous vmagent was seen with everything delivered (None: never
    seen, e.g. a first start); the window starts ``replay_seconds`` before it (or before ``now``), never more
    than :data:`REPLAY_MAX` back, and ends at ``now`` (later points go the ordinary way)."""
    anchor = now if delivered_at is None or delivered_at > now else delivered_at
    start = max(anchor - timedelta(seconds=replay_seconds), now - REPLAY_MAX)
    return start, now
