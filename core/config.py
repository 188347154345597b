"""Configuration: one optional TOML file plus environment-variable overrides.

Every setting has a default, so no file is needed. An override is spelled
``GOVOPS_<SECTION>__<KEY>`` (double underscore), e.g. ``GOVOPS_WEB__PORT=9000``.
A wrong value stops start-up with :class:`ConfigError`, which names the key,
where the value came from and the expected form.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ENV_PREFIX = "GOVOPS_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting is unknown or has the wrong form; the message names key and source."""


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:///var/govops.db"  # relational state: registry, later alerts, users, content
    echo: bool = False


@dataclass(frozen=True)
class MetricsConfig:
    backend: str = "sqlite"  # a registered MetricStore kind
    path: str = "var/metrics.db"  # embedded backend's file
    raw_retention_hours: float = 48.0
    minute_retention_days: float = 15.0
    hour_retention_days: float = 400.0
    day_retention_days: float = 1830.0


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
    node_code: str = "430000"  # the node this collector process belongs to


@dataclass(frozen=True)
class DemoConfig:
    enabled: bool = True  # False: the registry points at the real sites (registry.sites_file)
    bind_prefix: str = "127.0.1"  # sites listen on <prefix>.N
    port: int = 18080
    https_port: int = 18443
    seed: int = 20261127
    fault_file: str = ""  # optional TOML of declared faults; empty = seeded default mix


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


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"
    format: str = "logfmt"  # logfmt | json


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    web: WebConfig = field(default_factory=WebConfig)
    collectors: CollectorsConfig = field(default_factory=CollectorsConfig)
    demo: DemoConfig = field(default_factory=DemoConfig)
    registry: RegistryConfig = field(default_factory=RegistryConfig)
    inspection: InspectionConfig = field(default_factory=InspectionConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    security: SecurityConfig = field(default_factory=SecurityConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    def resolve_path(self, value: str) -> Path:
        """A relative path in the config is relative to the project root."""
        p = Path(value)
        return p if p.is_absolute() else PROJECT_ROOT / p

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
}


def _coerce(section: str, key: str, raw: Any, typ: Any, source: str) -> Any:
    where = f"{section}.{key} (from {source})"
    if typ is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return raw.lower() in ("1", "true", "yes", "on")
        raise ConfigError(f"{where}: expected true or false, got {raw!r}")
    if typ is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{where}: expected an integer, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected an integer, got {raw!r}") from None
    if typ is float:
        if isinstance(raw, bool):
            raise ConfigError(f"{where}: expected a number, got {raw!r}")
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number, got {raw!r}") from None
    if typ is str:
        if not isinstance(raw, str):
            raise ConfigError(f"{where}: expected a string, got {raw!r}")
        return raw
    raise ConfigError(f"{where}: unsupported setting type {typ}")


def _validate(cfg: Config) -> None:
    def positive(section: str, key: str) -> None:
        if getattr(getattr(cfg, section), key) <= 0:
            raise ConfigError(f"{section}.{key}: expected a value > 0, got {getattr(getattr(cfg, section), key)!r}")

    for key in ("concurrency", "blocking_threads", "host_interval", "probe_interval", "probe_timeout",
                "probe_max_bytes"):
        positive("collectors", key)
    for key in ("raw_retention_hours", "minute_retention_days", "hour_retention_days", "day_retention_days"):
        positive("metrics", key)
    for key in ("refresh_seconds", "cache_seconds"):
        positive("web", key)
    for key in ("concurrency", "check_timeout", "page_budget"):
        positive("inspection", key)
    positive("alerts", "eval_interval")
    for key in ("session_hours", "max_failed_logins", "throttle_minutes"):
        positive("security", key)
    if not 0 <= cfg.collectors.jitter_fraction < 1:
        raise ConfigError(f"collectors.jitter_fraction: expected 0 <= x < 1, got {cfg.collectors.jitter_fraction}")
    for port_key in ("port",):
        if not 0 < cfg.web.port < 65536:
            raise ConfigError(f"web.{port_key}: expected a TCP port 1-65535, got {cfg.web.port}")
    if not (cfg.database.url.startswith("sqlite") or cfg.database.url.startswith("postgresql")):
        raise ConfigError(f"database.url: expected sqlite:///PATH or postgresql://..., got {cfg.database.url!r}")
    parts = cfg.demo.bind_prefix.split(".")
    if len(parts) != 3 or parts[0] != "127" or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise ConfigError(f"demo.bind_prefix: expected a loopback /24 such as 127.0.1, got {cfg.demo.bind_prefix!r}")
    try:
        ZoneInfo(cfg.web.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"web.timezone: expected an IANA time zone such as Asia/Shanghai, got {cfg.web.timezone!r}"
                          ) from None
    code = cfg.collectors.node_code
    if not (len(code) == 6 and code.isdigit()):
        raise ConfigError(f"collectors.node_code: expected a 6-digit administrative code, got {code!r}")


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from defaults, an optional TOML file and the environment.

    ``path`` defaults to ``$GOVOPS_CONFIG`` when set. Raises :class:`ConfigError`.
    """
    env = os.environ if env is None else env
    path = path or env.get("GOVOPS_CONFIG") or None
    file_values: dict[str, Any] = {}
    source_name = "defaults"
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p}: not found")
        try:
            file_values = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {p}: invalid TOML: {exc}") from None
        source_name = str(p)

    hints = typing.get_type_hints(Config)
    sections: dict[str, Any] = {}
    for sec_field in dataclasses.fields(Config):
        sec_cls = hints[sec_field.name]
        sec_hints = typing.get_type_hints(sec_cls)
        known = {f.name for f in dataclasses.fields(sec_cls)}
        values: dict[str, Any] = {}
        from_file = file_values.get(sec_field.name, {})
        if not isinstance(from_file, dict):
            raise ConfigError(f"{sec_field.name} (from {source_name}): expected a [{sec_field.name}] table")
        for key, raw in from_file.items():
            if key not in known:
                raise ConfigError(f"{sec_field.name}.{key} (from {source_name}): unknown setting; "
                                  f"known: {', '.join(sorted(known))}")
            values[key] = _coerce(sec_field.name, key, raw, sec_hints[key], source_name)
        for key in known:
            env_key = f"{ENV_PREFIX}{sec_field.name.upper()}__{key.upper()}"
            if env_key in env:
                values[key] = _coerce(sec_field.name, key, env[env_key], sec_hints[key], f"${env_key}")
        for key, val in values.items():
            choices = _CHOICES.get((sec_field.name, key))
            if choices:
                val = val.upper() if key == "level" else val
                values[key] = val
                if val not in choices:
                    raise ConfigError(f"{sec_field.name}.{key}: expected one of {', '.join(choices)}, got {val!r}")
        sections[sec_field.name] = sec_cls(**values)
    unknown_sections = set(file_values) - set(sections)
    if unknown_sections:
        raise ConfigError(f"{sorted(unknown_sections)[0]} (from {source_name}): unknown section; "
                          f"known: {', '.join(sorted(sections))}")
    for key in env:
        if key.startswith(ENV_PREFIX) and "__" in key:
            sec = key[len(ENV_PREFIX):].split("__", 1)[0].lower()
            if sec not in sections:
                raise ConfigError(f"${key}: unknown section {sec!r}; known: {', '.join(sorted(sections))}")
            name = key.split("__", 1)[1].lower()
            if name not in {f.name for f in dataclasses.fields(type(sections[sec]))}:
                raise ConfigError(f"${key}: unknown setting {sec}.{name}")
    cfg = Config(**sections)
    _validate(cfg)
    return cfg

