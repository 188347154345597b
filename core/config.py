"""Configuration: one optional TOML file plus environment-variable overrides.

Every setting has a default, so no file is needed. An override is spelled
``GOVOPS_<SECTION>__<KEY>`` (double underscore), e.g. ``GOVOPS_WEB__PORT=9000``; a section may hold
sub-tables (a field typed as a dataclass: ``[metrics.embedded]``, ``GOVOPS_METRICS__EMBEDDED__PATH``).
A wrong value stops start-up with :class:`ConfigError`, which names the key,
where the value came from and the expected form. Every number must be finite and in its
sane range (:data:`RANGES`; ``session_hours = 1e308`` would overflow the first time a session
is dated), and the file itself is read with ``core.i18n.files`` limits (size, UTF-8, TOML depth),
each refusal naming its line.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import re
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.i18n.files import TextFileError, parse_toml, read_text, toml_error_text

ENV_PREFIX = "GOVOPS_"
MAX_FILE_BYTES = 1024 * 1024  # the documented example is 6 KB
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting is unknown or has the wrong form; the message (Chinese) names the key and where its value came
    from: the file and line, the environment variable, or the default. ``key`` is ``(section, name)`` when the
    error is about one setting."""

    def __init__(self, message: str, key: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.key = key


class _Origins:
    """Where each setting's value came from, to name it in errors: ``FILE:LINE`` (the line found in the file's
    text), ``环境变量 GOVOPS_…``, or the default."""

    def __init__(self, path: Path | None = None, text: str = "") -> None:
        self.path = path
        self.lines = text.splitlines()
        self.sources: dict[tuple[str, str], str] = {}

    def _line(self, section: str, key: str) -> int:
        table = re.compile(rf"\[\s*{re.escape(section)}\s*\]")
        item = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        inside = False
        for i, line in enumerate(self.lines, 1):
            stripped = line.strip()
            if stripped.startswith("["):
                inside = bool(table.fullmatch(stripped))
            elif inside and item.match(line):
                return i
        return 0

    def header(self, section: str) -> int:
        """The line of ``[section]`` (or of ``section.… =`` / ``section = {…}`` at the top level), or 0."""
        table = re.compile(rf"\[\s*{re.escape(section)}\s*\]|\s*{re.escape(section)}\s*[.=].*")
        return next((i for i, line in enumerate(self.lines, 1) if table.fullmatch(line.strip())), 0)

    def from_file(self, section: str, key: str) -> None:
        line = self._line(section, key)
        self.sources[(section, key)] = f"{self.path}:{line}" if line else str(self.path)

    def from_env(self, section: str, key: str, env_key: str) -> None:
        self.sources[(section, key)] = f"环境变量 {env_key}"

    def where(self, section: str, key: str) -> str:
        """``FILE:LINE: 配置项 web.port`` (or the environment variable, or 默认值)."""
        source = self.sources.get((section, key))
        return f"{source}: 配置项 {section}.{key}" if source else f"配置项 {section}.{key}（默认值）"


def _kind(raw: Any) -> str:
    """A value as people read it in an error: its repr, cut to 60 characters."""
    text = repr(raw)
    return text if len(text) <= 60 else text[:60] + "…"


def resolve_path(value: str) -> Path:
    """A relative path in the config is relative to the project root."""
    p = Path(value)
    return p if p.is_absolute() else PROJECT_ROOT / p


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:///var/govops.db"  # relational state: registry, later alerts, users, content
    echo: bool = False


@dataclass(frozen=True)
class EmbeddedMetricsConfig:
    """``[metrics.embedded]``: the embedded metric store (tsdb.sqlite_store), one SQLite file with rollups."""

    path: str = "var/metrics.db"
    raw_retention_hours: float = 48.0
    minute_retention_days: float = 15.0
    hour_retention_days: float = 400.0
    day_retention_days: float = 1830.0


@dataclass(frozen=True)
class VictoriaMetricsConfig:
    """``[metrics.victoriametrics]``: a VictoriaMetrics single-node server (tsdb.victoriametrics, docs/metrics.md).
    Retention is the server's own ``-retentionPeriod`` flag, not a setting here; rollups are computed at query
    time by MetricsQL."""

    url: str = "http://127.0.0.1:8428"  # base URL: /write and /api/v1/… are appended
    timeout: float = 30.0  # seconds per HTTP request
    bearer_token: str = ""  # sent as "Authorization: Bearer …" (vmauth or a proxy in front); empty = none
    force_flush: bool = False  # after each write call /internal/force_flush: read-your-writes, for tests and demos


@dataclass(frozen=True)
class MetricsConfig:
    """``[metrics]``: which registered MetricStore kind to use; each kind reads its own ``[metrics.<kind>]``
    table (a field of the same name), built by ``tsdb.store.STORES[kind].from_config(section)``."""

    backend: str = "embedded"
    embedded: EmbeddedMetricsConfig = field(default_factory=EmbeddedMetricsConfig)
    victoriametrics: VictoriaMetricsConfig = field(default_factory=VictoriaMetricsConfig)

    @property
    def section(self) -> Any:
        """The settings of the chosen backend (None when this file declares no table for it)."""
        value = getattr(self, self.backend, None)
        return value if dataclasses.is_dataclass(value) else None


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = 8050
    refresh_seconds: int = 15  # wall screen refresh cadence
    cache_seconds: int = 10  # flask-caching timeout in front of store queries
    rotate_seconds: int = 0  # 0 = no playlist rotation on the wall
    timezone: str = "Asia/Shanghai"  # IANA zone every screen shows and reads times in (storage stays UTC)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class CollectorsConfig:
    concurrency: int = 64  # in-flight targets across all collectors
    blocking_threads: int = 4  # pool for psutil / paramiko
    jitter_fraction: float = 0.1
    host_interval: float = 15.0
    probe_interval: float = 60.0
    probe_timeout: float = 15.0  # national rule: a homepage not loaded in 15 s counts as failed
    probe_verify_tls: bool = True
    probe_ca_file: str = ""  # extra trusted CA (PEM), e.g. the platform's internal CA or the demo fleet's
    probe_max_bytes: int = 10 * 1024 * 1024
    probe_user_agent: str = "GovOps-Probe/1.0"
    ssh_interval: float = 60.0  # seconds between polls of the remote (SSH) hosts
    ssh_connect_timeout: float = 10.0  # TCP connect, SSH banner and authentication, each
    ssh_command_timeout: float = 20.0  # one batched poll command, from start to the last byte
    ssh_pool_size: int = 32  # open SSH connections kept for reuse (least recently used closed first)
    ssh_max_concurrency: int = 16  # remote hosts polled at once (each holds a blocking thread)
    ssh_known_hosts: str = "var/ssh/known_hosts"  # host keys trusted (app.py hosts trust); unknown keys refused
    ssh_key_dir: str = "var/ssh/keys"  # where a host's relative ssh_key_path (key reference) is looked up
    service_interval: float = 30.0  # seconds between polls of the platform services (docs/services.md)
    service_timeout: float = 10.0  # one service's poll: connect, query and read, all together
    secrets_dir: str = "var/secrets"  # where a service's "file:NAME" credentials reference is looked up
    # The scheduled scoring (collectors/kinds/scoring.py, docs/scoring.md): the current quarter and half-year
    # re-scored, closed periods frozen, every score_interval seconds; one run may take score_timeout seconds.
    score_interval: float = 900.0
    score_timeout: float = 1800.0


NODE_ROLES = ("all-in-one", "province", "city")


@dataclass(frozen=True)
class NodeConfig:
    """``[node]``: what this installation is in the 1+14 federation (runtime/roles.py composes it).

    ``all-in-one`` is one machine for everything (the default, and the demo); ``province`` the provincial
    platform; ``city`` one of the 14 city platforms, which collects, stores, alerts on and shows only its
    own city (``code``)."""

    role: str = "all-in-one"
    code: str = "430000"  # the division the node serves: 430000 for the province, a city's code for a city
    # A city's uplink: the base URL of the province's VictoriaMetrics (remote write goes to <url>/api/v1/write
    # through the city's vmagent, [uplink]); empty = the city runs standalone. docs/federation.md.
    upstream_url: str = ""
    # A city's link to the province node itself (docs/federation.md): the province's web/API base URL, where
    # the city pulls its configuration and commands and sends its relational events; and the file holding
    # the city's node token (``app.py nodes token create --node CODE`` at the province). Empty = no link.
    province_url: str = ""
    token_file: str = ""
    # A province's cities run by city nodes of their own: the province leaves their sites, hosts and rules to
    # them and mirrors what they send. Empty = the province does everything itself.
    federated_cities: tuple[str, ...] = ()
    # The name this node's own machine is registered under (a local host); empty = the machine's hostname.
    # Nodes sharing one machine (the federation demo) need distinct names: hosts travel up by name.
    host_name: str = ""


@dataclass(frozen=True)
class FederationConfig:
    """``[federation]``: how a city talks to the province node, and how the province judges a city's link."""

    relay_interval: float = 5.0  # seconds between a city's rounds of sending events and pulling commands
    relay_batch: int = 500  # outbox events per request
    retry_max_seconds: float = 60.0  # the back-off ceiling while the province cannot be reached
    config_interval: float = 300.0  # seconds between configuration pulls
    cache_dir: str = "var/federation"  # the city's cached configuration from the province
    request_timeout: float = 10.0  # seconds per request to the province
    # The province calls a city's link lost when nothing came from it for this long (grey "unknown since").
    unreachable_after: float = 60.0


@dataclass(frozen=True)
class UplinkConfig:
    """``[uplink]``: the city's local ``vmagent`` (runtime/uplink.py), which takes every point the city stores
    as line protocol on ``listen``, buffers it under ``buffer_dir`` while the province is unreachable and
    remote-writes it to ``[node] upstream_url``. Used only on a city node with an upstream."""

    binary: str = "vmagent"  # the vmagent program (Debian package victoria-metrics), a path or a name on PATH
    listen: str = "127.0.0.1:8429"  # vmagent's -httpListenAddr: its local /write intake and /health; loopback only
    buffer_dir: str = "var/uplink"  # vmagent's -remoteWrite.tmpDataPath: the on-disk buffer while the uplink is down
    max_buffer_mb: int = 0  # -remoteWrite.maxDiskUsagePerURL in MiB (oldest data dropped beyond it); 0 = the disk
    bearer_token_file: str = ""  # -remoteWrite.bearerTokenFile: the province's token, re-read every second
    handover_timeout: float = 5.0  # seconds per hand-over of a batch to the local vmagent
    handover_retry_seconds: float = 15.0  # keep retrying a refused hand-over this long, then the write fails
    # After vmagent (re)starts from anything but a clean stop, and on every start of the city node, the points
    # of the city's own store since this long before vmagent was last seen delivered are handed over again
    # (what a killed vmagent held in memory); the province's deduplication counts them once.
    replay_seconds: float = 120.0


@dataclass(frozen=True)
class DemoConfig:
    enabled: bool = True  # False: the registry points at the real sites (registry.sites_file)
    bind_prefix: str = "127.0.1"  # sites listen on <prefix>.N
    port: int = 18080
    https_port: int = 18443
    seed: int = 20261127
    fault_file: str = ""  # optional TOML of declared faults; empty = seeded default mix
    time_scale: float = 1.0  # > 1: the demo's clock runs this many times faster (hours shown in minutes)


@dataclass(frozen=True)
class RegistryConfig:
    sites_file: str = "data/registry/hunan-sites.csv"  # real portals, used when demo is off
    columns_file: str = ""


@dataclass(frozen=True)
class InspectionConfig:
    rules_file: str = "data/inspection/rules.toml"  # national-rule values and per-check settings
    concurrency: int = 8  # (site, check) runs in flight at once
    check_timeout: float = 300.0  # seconds one check may take on one site unless its rules say otherwise
    page_budget: int = 500  # most pages a crawling check fetches per site and run
    user_agent: str = "GovOps-Inspector/1.0"
    scheduled: bool = True  # run the checks on their schedules inside `run` / `collect` (inspection_* collectors)


@dataclass(frozen=True)
class FetchConfig:
    """The shared fetch policy of probes and checks (package ``webread``): which addresses they may reach."""

    block_internal: bool = True  # refuse loopback, private and link-local addresses that are not a registered site's
    allow_networks: tuple[str, ...] = ()  # internal networks that may be reached anyway, e.g. "10.43.0.0/16"

    def __post_init__(self) -> None:
        for entry in self.allow_networks:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ConfigError(f"配置项 fetch.allow_networks：应为 IP 网段（如 10.43.0.0/16 或 fd12:3456::/48），"
                                  f"而不是 {entry!r}", ("fetch", "allow_networks")) from None


@dataclass(frozen=True)
class AlertsConfig:
    rules_dir: str = "data/alerts/rules"  # every *.yaml file in it is a rule file
    receivers_file: str = "data/alerts/receivers.toml"
    eval_interval: float = 30.0  # seconds between evaluation cycles
    enabled: bool = True  # evaluate rules and send notifications in `run`


@dataclass(frozen=True)
class SecurityConfig:
    require_login: bool = True  # screens need a login or a kiosk token
    secret_key_file: str = "var/secret_key"  # created with a random key on first start when missing
    session_hours: float = 12.0
    max_failed_logins: int = 5  # within throttle_minutes, per user name and per address
    throttle_minutes: float = 15.0
    cookie_secure: bool = False  # mark cookies Secure (HTTPS only); on by itself for requests that came over HTTPS


@dataclass(frozen=True)
class ApiConfig:
    """The open API (api/, docs/api.md): ingest and query limits."""

    max_body_bytes: int = 10 * 1024 * 1024  # a write body, compressed and again decompressed: past it, 413
    max_lines: int = 100_000  # points in one write request: past it, 413
    max_rows: int = 10_000  # rows one query or listing returns at most


@dataclass(frozen=True)
class NewMediaConfig:
    """Government new media (newmedia/, docs/new-media.md): collection from the platforms' APIs and the
    national veto rules' values (spec §5)."""

    interval: float = 3600.0  # seconds between collections of every account with an API adapter
    rules_interval: float = 900.0  # seconds between two judgements of every account (findings, early warnings)
    timeout: float = 60.0  # seconds one account's collection may take
    request_timeout: float = 15.0  # seconds per HTTP request to a platform
    lookback_days: int = 15  # how far back each collection reads posts (at least stale_days)
    wechat_api: str = "https://api.weixin.qq.com"  # 微信公众号 API base URL
    weibo_api: str = "https://api.weibo.com"  # 微博 open API base URL
    douyin_api: str = "https://open.douyin.com"  # 抖音 open platform base URL
    toutiao_api: str = "https://open.snssdk.com"  # 今日头条 (ByteDance open platform) base URL
    kuaishou_api: str = "https://open.kuaishou.com"  # 快手 open platform base URL
    app_api: str = ""  # 政务App statistics endpoint base URL (its operator's; empty: apps by statistics import only)
    stale_days: int = 14  # 两周未更新: no post in this many days → veto (firm)
    warn_days: int = 7  # (provisional) early warning this many days before a breach
    unanswered_days: int = 90  # (provisional) a message unanswered longer than this → veto


@dataclass(frozen=True)
class ReportsConfig:
    """Exported reports (reports/, docs/exports.md)."""

    pdf_font: str = ""  # a TrueType CJK font (.ttf/.ttc) to embed in PDFs; empty: Debian's fonts-wqy-microhei, …


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"
    format: str = "logfmt"  # logfmt | json


@dataclass(frozen=True)
class Config:
    node: NodeConfig = field(default_factory=NodeConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    web: WebConfig = field(default_factory=WebConfig)
    collectors: CollectorsConfig = field(default_factory=CollectorsConfig)
    demo: DemoConfig = field(default_factory=DemoConfig)
    registry: RegistryConfig = field(default_factory=RegistryConfig)
    inspection: InspectionConfig = field(default_factory=InspectionConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    uplink: UplinkConfig = field(default_factory=UplinkConfig)
    federation: FederationConfig = field(default_factory=FederationConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    newmedia: NewMediaConfig = field(default_factory=NewMediaConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    def resolve_path(self, value: str) -> Path:
        """A relative path in the config is relative to the project root."""
        return resolve_path(value)

    @property
    def database_url(self) -> str:
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
            return prefix + str(self.resolve_path(url[len(prefix):]))
        return url


_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("logging", "level"): ("DEBUG", "INFO", "WARNING", "ERROR"),
    ("logging", "format"): ("logfmt", "json"),
    ("node", "role"): NODE_ROLES,
}


def _coerce(raw: Any, typ: Any, where: str) -> Any:
    """``raw`` (from TOML or an environment variable) as ``typ``; raises :class:`ConfigError` naming ``where``."""
    if typ is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return raw.lower() in ("1", "true", "yes", "on")
        raise ConfigError(f"{where}：应为 true 或 false，而不是 {_kind(raw)}")
    if typ is int:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ConfigError(f"{where}：应为整数，而不是 {_kind(raw)}")
        try:
            return int(raw)
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{where}：应为整数，而不是 {_kind(raw)}") from None
    if typ is float:
        if isinstance(raw, bool):
            raise ConfigError(f"{where}：应为数字，而不是 {_kind(raw)}")
        try:
            value = float(raw)
        except (TypeError, ValueError, OverflowError):
            raise ConfigError(f"{where}：应为数字，而不是 {_kind(raw)}") from None
        if not math.isfinite(value):
            raise ConfigError(f"{where}：应为有限的数，而不是 {_kind(raw)}")
        return value
    if typ is str:
        if not isinstance(raw, str):
            raise ConfigError(f"{where}：应为文本（加引号），而不是 {_kind(raw)}")
        return raw
    if typ == tuple[str, ...]:  # a TOML array of strings, or a comma-separated environment value
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}：应为文本的列表，而不是 {_kind(raw)}")
        return tuple(i.strip() for i in items if i.strip())
    raise ConfigError(f"{where}：不支持的设置类型")


# The sane range (inclusive) of every numeric setting. A numeric key missing here gets UNDECLARED_RANGE;
# tests/core/test_config.py fails until it is declared.
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("metrics.embedded", "raw_retention_hours"): (0.01, 24 * 3660),
    ("metrics.embedded", "minute_retention_days"): (0.01, 3660),
    ("metrics.embedded", "hour_retention_days"): (0.01, 36600),
    ("metrics.embedded", "day_retention_days"): (0.01, 36600),
    ("metrics.victoriametrics", "timeout"): (0.001, 3600),
    ("web", "port"): (1, 65535),
    ("web", "refresh_seconds"): (1, 86400),
    ("web", "cache_seconds"): (1, 86400),
    ("web", "rotate_seconds"): (0, 86400),
    ("collectors", "concurrency"): (1, 10_000),
    ("collectors", "blocking_threads"): (1, 1024),
    ("collectors", "jitter_fraction"): (0, 0.999),
    ("collectors", "host_interval"): (0.001, 86400),
    ("collectors", "probe_interval"): (0.001, 86400),
    ("collectors", "probe_timeout"): (0.001, 3600),
    ("collectors", "probe_max_bytes"): (1, 2**30),
    ("collectors", "ssh_interval"): (0.001, 86400),
    ("collectors", "ssh_connect_timeout"): (0.001, 600),
    ("collectors", "ssh_command_timeout"): (0.001, 3600),
    ("collectors", "ssh_pool_size"): (1, 10_000),
    ("collectors", "ssh_max_concurrency"): (1, 1024),
    ("collectors", "service_interval"): (0.001, 86400),
    ("collectors", "service_timeout"): (0.001, 600),
    ("collectors", "score_interval"): (1, 86400),
    ("collectors", "score_timeout"): (1, 86400),
    ("demo", "port"): (1, 65535),
    ("demo", "https_port"): (1, 65535),
    ("demo", "seed"): (0, 2**63 - 1),
    ("demo", "time_scale"): (1, 3600),
    ("inspection", "concurrency"): (1, 1024),
    ("inspection", "check_timeout"): (0.001, 86400),
    ("inspection", "page_budget"): (1, 1_000_000),
    ("alerts", "eval_interval"): (0.001, 86400),
    ("uplink", "max_buffer_mb"): (0, 2**30),
    ("federation", "relay_interval"): (0.01, 3600),
    ("federation", "relay_batch"): (1, 100_000),
    ("federation", "retry_max_seconds"): (0.01, 86400),
    ("federation", "config_interval"): (0.01, 86400),
    ("federation", "request_timeout"): (0.01, 3600),
    ("federation", "unreachable_after"): (0.01, 86400),
    ("uplink", "handover_timeout"): (0.001, 3600),
    ("uplink", "handover_retry_seconds"): (0, 3600),
    ("uplink", "replay_seconds"): (1, 48 * 3600),
    ("security", "session_hours"): (0.001, 24 * 400),
    ("security", "max_failed_logins"): (1, 1000),
    ("security", "throttle_minutes"): (0.001, 7 * 24 * 60),
    ("api", "max_body_bytes"): (1, 2**31),
    ("api", "max_lines"): (1, 10_000_000),
    ("api", "max_rows"): (1, 10_000_000),
    ("newmedia", "interval"): (1, 30 * 86400),
    ("newmedia", "rules_interval"): (1, 86400),
    ("newmedia", "timeout"): (0.01, 86400),
    ("newmedia", "request_timeout"): (0.01, 3600),
    ("newmedia", "lookback_days"): (1, 366),
    ("newmedia", "stale_days"): (1, 366),
    ("newmedia", "warn_days"): (0, 366),
    ("newmedia", "unanswered_days"): (1, 3660),
}
UNDECLARED_RANGE = (0.0, 1e9)


def numeric_settings(cfg: Config) -> list[tuple[str, str, float]]:
    """``(section, key, value)`` of every int or float setting; a sub-table's section is dotted
    (``metrics.embedded``)."""
    out: list[tuple[str, str, float]] = []

    def walk(name: str, section: Any) -> None:
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            if dataclasses.is_dataclass(value):
                walk(f"{name}.{f.name}", value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out.append((name, f.name, value))

    for sec in dataclasses.fields(cfg):
        walk(sec.name, getattr(cfg, sec.name))
    return out


def _check_ranges(cfg: Config, origins: _Origins) -> None:
    for section, key, value in numeric_settings(cfg):
        lo, hi = RANGES.get((section, key), UNDECLARED_RANGE)
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ConfigError(f"{origins.where(section, key)}：应为 {lo:g} 到 {hi:g} 之间的数，而不是 {_kind(value)}")


def _validate(cfg: Config, origins: _Origins) -> None:
    def refuse(section: str, key: str, reason: str) -> ConfigError:
        return ConfigError(f"{origins.where(section, key)}：{reason}")

    def positive(section: str, key: str) -> None:
        obj: Any = cfg
        for part in section.split("."):
            obj = getattr(obj, part)
        if getattr(obj, key) <= 0:
            raise refuse(section, key, f"应大于 0，而不是 {_kind(getattr(obj, key))}")

    for key in ("concurrency", "blocking_threads", "host_interval", "probe_interval", "probe_timeout",
                "probe_max_bytes", "ssh_interval", "ssh_connect_timeout", "ssh_command_timeout", "ssh_pool_size",
                "ssh_max_concurrency", "service_interval", "service_timeout", "score_interval", "score_timeout"):
        positive("collectors", key)
    for key in ("raw_retention_hours", "minute_retention_days", "hour_retention_days", "day_retention_days"):
        positive("metrics.embedded", key)
    vm = cfg.metrics.victoriametrics
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", vm.url):
        raise refuse("metrics.victoriametrics", "url",
                     f"应为 http://主机:端口 或 https://…（如 http://127.0.0.1:8428），而不是 {_kind(vm.url)}")
    for key in ("refresh_seconds", "cache_seconds"):
        positive("web", key)
    nm = cfg.newmedia
    for key in ("wechat_api", "weibo_api", "douyin_api", "toutiao_api", "kuaishou_api", "app_api"):
        if key == "app_api" and not nm.app_api:
            continue  # no app endpoint configured: apps come through the statistics import
        if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", getattr(nm, key)):
            raise refuse("newmedia", key, f"应为 http(s)://主机[:端口] 形式的地址，而不是 {_kind(getattr(nm, key))}")
    if nm.lookback_days < nm.stale_days <= RANGES[("newmedia", "stale_days")][1]:  # (out of range: said below)
        raise refuse("newmedia", "lookback_days", f"应不小于 stale_days（{nm.stale_days}），否则无法判定两周未更新")
    for key in ("concurrency", "check_timeout", "page_budget"):
        positive("inspection", key)
    positive("alerts", "eval_interval")
    for key in ("session_hours", "max_failed_logins", "throttle_minutes"):
        positive("security", key)
    if not 0 <= cfg.collectors.jitter_fraction < 1:
        raise refuse("collectors", "jitter_fraction",
                     f"应满足 0 ≤ x < 1，而不是 {_kind(cfg.collectors.jitter_fraction)}")
    if not 0 < cfg.web.port < 65536:
        raise refuse("web", "port", f"应为 1 到 65535 之间的 TCP 端口，而不是 {_kind(cfg.web.port)}")
    if not (cfg.database.url.startswith("sqlite") or cfg.database.url.startswith("postgresql")):
        raise refuse("database", "url", f"应为 sqlite:///路径 或 postgresql://…，而不是 {_kind(cfg.database.url)}")
    parts = cfg.demo.bind_prefix.split(".")
    if len(parts) != 3 or parts[0] != "127" or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise refuse("demo", "bind_prefix",
                     f"应为本机回环网段的前三段（如 127.0.1），而不是 {_kind(cfg.demo.bind_prefix)}")
    if not 1 <= cfg.demo.time_scale <= 3600:
        raise refuse("demo", "time_scale", f"应在 1 到 3600 之间（1 为真实时间），而不是 {_kind(cfg.demo.time_scale)}")
    if cfg.demo.time_scale != 1 and not cfg.demo.enabled:
        raise refuse("demo", "time_scale", "加速时钟只用于演示站点群（demo.enabled = true）；真实网站按真实时间探测")
    try:
        ZoneInfo(cfg.web.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise refuse("web", "timezone",
                     f"应为 IANA 时区名（如 Asia/Shanghai），而不是 {_kind(cfg.web.timezone)}") from None
    code = cfg.node.code
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise refuse("node", "code", f"应为 6 位行政区划代码，而不是 {_kind(code)}")
    if cfg.node.role == "city" and not (code.endswith("00") and not code.endswith("0000")):
        raise refuse("node", "code", f"市级节点（role = \"city\"）应为地市的行政区划代码（如 430100），而不是 {code}")
    if cfg.node.role != "city" and not code.endswith("0000"):
        raise refuse("node", "code", f"{'省级节点' if cfg.node.role == 'province' else '单机部署'}应为省的行政区划代码"
                                     f"（如 430000），而不是 {code}；地市节点请设 role = \"city\"")
    _validate_uplink(cfg, refuse)


def _validate_uplink(cfg: Config, refuse: Any) -> None:
    """``[node] upstream_url`` only on a city, as a base URL; vmagent's intake on a loopback ``host:port``."""
    upstream = cfg.node.upstream_url
    if upstream and cfg.node.role != "city":
        raise refuse("node", "upstream_url", "只有市级节点（role = \"city\"）向省级节点上送指标；"
                                             "省级节点和单机部署请留空")
    if upstream and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", upstream):
        raise refuse("node", "upstream_url", f"应为省级 VictoriaMetrics 的地址 http://主机:端口 或 https://…"
                                             f"（如 http://10.43.0.10:8428），而不是 {_kind(upstream)}")
    if upstream.rstrip("/").endswith("/api/v1/write"):
        raise refuse("node", "upstream_url", "只写基地址（如 http://10.43.0.10:8428），/api/v1/write 由程序追加")
    node = cfg.node
    if (node.province_url or node.token_file) and node.role != "city":
        key = "province_url" if node.province_url else "token_file"
        raise refuse("node", key, "只有市级节点（role = \"city\"）连接省级节点；省级节点和单机部署请留空")
    if node.province_url and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", node.province_url):
        raise refuse("node", "province_url", f"应为省级节点的网页地址 http://主机:端口 或 https://…"
                                             f"（如 http://10.43.0.10:8050），而不是 {_kind(node.province_url)}")
    if bool(node.province_url) != bool(node.token_file):
        missing = "token_file" if node.province_url else "province_url"
        raise refuse("node", missing, "province_url 与 token_file 须同时设置：市级节点凭节点令牌连接省级节点"
                                      "（令牌在省级节点用 python app.py nodes token create --node 本市代码 生成）")
    if node.federated_cities and node.role != "province":
        raise refuse("node", "federated_cities", "只有省级节点（role = \"province\"）列出由市级节点自行运行的地市")
    for city in node.federated_cities:
        if not (len(city) == 6 and city.isascii() and city.isdigit() and city.endswith("00")
                and not city.endswith("0000")):
            raise refuse("node", "federated_cities", f"应为地市的行政区划代码（如 430100），而不是 {_kind(city)}")
    up = cfg.uplink
    if not up.binary.strip():
        raise refuse("uplink", "binary", "应为 vmagent 程序的路径或名称（如 vmagent 或 /usr/bin/vmagent）")
    if loopback_port(up.listen) is None:
        raise refuse("uplink", "listen", f"应为本机回环地址和端口（如 127.0.0.1:8429；该入口不校验身份，只能在本机），"
                                         f"而不是 {_kind(up.listen)}")
    if not up.buffer_dir.strip():
        raise refuse("uplink", "buffer_dir", "应为 vmagent 的磁盘缓冲目录（如 var/uplink）")
    if up.max_buffer_mb < 0:
        raise refuse("uplink", "max_buffer_mb", f"应为 0（不限，直到磁盘满）或正数（MiB），而不是 {up.max_buffer_mb}")
    if up.handover_timeout <= 0:
        raise refuse("uplink", "handover_timeout", f"应大于 0，而不是 {_kind(up.handover_timeout)}")
    if up.handover_retry_seconds < 0:
        raise refuse("uplink", "handover_retry_seconds", f"应不小于 0，而不是 {_kind(up.handover_retry_seconds)}")


def loopback_port(address: str) -> int | None:
    """The port of ``host:port`` when host is a loopback address (127.0.0.0/8, ``localhost`` or ``[::1]``)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        return None
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if host == "localhost":
        return int(port)
    try:
        return int(port) if ipaddress.ip_address(host).is_loopback else None
    except ValueError:
        return None


# Settings that moved (section, key) -> the table that holds them now, and values that were renamed.
MOVED: dict[tuple[str, str], tuple[str, str]] = {
    **{("metrics", key): ("metrics.embedded", key)
       for key in ("path", "raw_retention_hours", "minute_retention_days", "hour_retention_days",
                   "day_retention_days")},
    ("collectors", "node_code"): ("node", "code"),
}
RENAMED_VALUES: dict[tuple[str, str, str], str] = {("metrics", "backend", "sqlite"): "embedded"}


def _env_key(section: str, key: str) -> str:
    return f"{ENV_PREFIX}{section.upper().replace('.', '__')}__{key.upper()}"


def _refuse_moved(name: str, from_file: Mapping[str, Any], env: Mapping[str, str], source_name: str) -> None:
    """A setting of an older release gets one Chinese sentence saying where it lives now."""
    for key, raw in from_file.items():
        if (name, key) in MOVED:
            table, new_key = MOVED[(name, key)]
            raise ConfigError(f"{name}.{key}（来自 {source_name}）：该设置已移到 [{table}] 表，"
                              f"请把 {new_key} = {raw!r} 写在 [{table}] 下（见 govops.example.toml）")
    for (section, key), (table, new_key) in MOVED.items():
        old_env = _env_key(section, key)
        if section == name and old_env in env:
            raise ConfigError(f"环境变量 ${old_env} 已停用：设置 {section}.{key} 已移到 [{table}] 的 {new_key}，"
                              f"请改用 ${_env_key(table, new_key)}")


def _refuse_renamed(name: str, values: Mapping[str, Any], source: Mapping[str, str]) -> None:
    for key, value in values.items():
        new = RENAMED_VALUES.get((name, key, str(value)))
        if new is not None:
            raise ConfigError(f"{name}.{key}（来自 {source[key]}）：取值 {value!r} 已改名为 {new!r}，"
                              f"请改为 {key} = {new!r}")


def _load_section(cls: Any, name: str, from_file: Any, env: Mapping[str, str], source_name: str,
                  origins: _Origins) -> Any:
    """The dataclass ``cls`` of section ``name`` (dotted for a sub-table) from its file table and the
    environment; a field typed as a dataclass is a sub-table ``[name.field]``."""
    if not isinstance(from_file, dict):
        raise ConfigError(f"{source_name}: {name} 应为表（[{name}]）")
    _refuse_moved(name, from_file, env, source_name)
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    source: dict[str, str] = {}
    for key, raw in from_file.items():
        origins.from_file(name, key)
        if key not in known:
            raise ConfigError(f"{origins.where(name, key)}：没有这个配置项"
                              f"（[{name}] 中可用的有：{'、'.join(sorted(known))}）")
        if not dataclasses.is_dataclass(hints[key]):
            values[key], source[key] = _coerce(raw, hints[key], origins.where(name, key)), source_name
    for key in known:
        if dataclasses.is_dataclass(hints[key]):
            values[key] = _load_section(hints[key], f"{name}.{key}", from_file.get(key, {}), env, source_name,
                                        origins)
            continue
        env_key = _env_key(name, key)
        if env_key in env:
            origins.from_env(name, key, env_key)
            values[key] = _coerce(env[env_key], hints[key], origins.where(name, key))
            source[key] = f"${env_key}"
    for key, val in values.items():
        choices = _CHOICES.get((name, key))
        if choices:
            val = val.upper() if key == "level" else val
            values[key] = val
            if val not in choices:
                raise ConfigError(f"{origins.where(name, key)}：应为 {'、'.join(choices)} 之一，而不是 {_kind(val)}")
    _refuse_renamed(name, values, source)
    try:
        return cls(**values)
    except ConfigError as exc:  # a section's own check (__post_init__): say where the value came from
        if exc.key is None or exc.key not in origins.sources:
            raise
        raise ConfigError(f"{origins.sources[exc.key]}: {exc}", exc.key) from None


def _check_env_key(key: str, sections: Mapping[str, Any]) -> None:
    """``GOVOPS_A__B[__C]`` must name a setting (a sub-table's through its table)."""
    parts = key[len(ENV_PREFIX):].lower().split("__")
    if parts[0] not in sections:
        raise ConfigError(f"环境变量 {key}: 没有 [{parts[0]}] 这个配置节（可用的有：{'、'.join(sorted(sections))}）")
    obj: Any = sections[parts[0]]
    for i, part in enumerate(parts[1:], start=1):
        names = {f.name for f in dataclasses.fields(obj)}
        if part not in names:
            raise ConfigError(f"环境变量 {key}: 没有配置项 {'.'.join(parts[:i + 1])}")
        obj = getattr(obj, part)
        if dataclasses.is_dataclass(obj) == (i == len(parts) - 1):  # a table where a value belongs, or the reverse
            raise ConfigError(f"环境变量 {key}: 没有配置项 {'.'.join(parts)}")


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from defaults, an optional TOML file and the environment.

    ``path`` defaults to ``$GOVOPS_CONFIG`` when set. Raises :class:`ConfigError`.
    """
    env = os.environ if env is None else env
    path = path or env.get("GOVOPS_CONFIG") or None
    file_values: dict[str, Any] = {}
    origins = _Origins()
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: 配置文件不存在")
        text = ""
        try:
            text = read_text(p, MAX_FILE_BYTES)
            file_values = parse_toml(text, p)
        except OSError as exc:
            raise ConfigError(f"{p}: 无法读取配置文件（{exc.strerror or exc}）") from None
        except TextFileError as exc:
            raise ConfigError(str(exc)) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(toml_error_text(p, exc, text)) from None
        origins = _Origins(p, text)
    source_name = str(origins.path) if origins.path else "默认配置"

    sections: dict[str, Any] = {}
    for sec_field in dataclasses.fields(Config):
        sec_cls = typing.get_type_hints(Config)[sec_field.name]
        sections[sec_field.name] = _load_section(sec_cls, sec_field.name, file_values.get(sec_field.name, {}), env,
                                                 source_name, origins)
    unknown_sections = set(file_values) - set(sections)
    if unknown_sections:
        first = sorted(unknown_sections)[0]
        line = origins.header(first)
        raise ConfigError(f"{source_name}{f':{line}' if line else ''}: 没有 [{first}] 这个配置节"
                          f"（可用的有：{'、'.join(sorted(sections))}）")
    for key in env:
        if key.startswith(ENV_PREFIX) and "__" in key:
            _check_env_key(key, sections)
    cfg = Config(**sections)
    _validate(cfg, origins)
    _check_ranges(cfg, origins)
    return _compressed_apart(cfg)


COMPRESSED_DIR = "var/compressed"


def _compressed_apart(cfg: Config) -> Config:
    """A demo on a compressed clock stamps its data hours or days ahead of real time; in the default
    databases a later real-time run would read those future points as the newest (ages of 0, absence
    never judged). Unless the databases were chosen explicitly, it keeps its own under var/compressed/."""
    if cfg.demo.time_scale == 1:
        return cfg
    database, metrics = cfg.database, cfg.metrics
    if database.url == DatabaseConfig.url:
        database = dataclasses.replace(database, url=f"sqlite:///{COMPRESSED_DIR}/govops.db")
    if metrics.embedded.path == EmbeddedMetricsConfig.path:
        metrics = dataclasses.replace(metrics, embedded=dataclasses.replace(
            metrics.embedded, path=f"{COMPRESSED_DIR}/metrics.db"))
    return dataclasses.replace(cfg, database=database, metrics=metrics)

