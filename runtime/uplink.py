"""The city's uplink: ``vmagent`` as one of the processes ``app.py run`` supervises (docs/federation.md).

:func:`vmagent_argv` is the whole of its configuration (pure: configuration in, command line out), so the
systemd unit documented for production and the supervised child run the same flags. vmagent takes line
protocol on ``[uplink] listen`` (``/write``), keeps what it cannot send yet in ``-remoteWrite.tmpDataPath``
and remote-writes to ``<[node] upstream_url>/api/v1/write``; its ``/health`` answers ``OK`` when it runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from core.config import Config

REMOTE_WRITE_PATH = "/api/v1/write"
LABEL = "指标上送代理（vmagent）"


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
