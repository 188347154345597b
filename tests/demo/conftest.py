"""Demo-fleet fixtures: configs on a per-process loopback block and free ports, and one live fleet.

The live fleet runs with declared faults (a short ``slow`` delay) and ``as_of`` = now,
because TLS verification uses the wall clock.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.config import Config, load_config
from demo.fleet import FleetSpec, build_fleet
from demo.server import FleetHandle, FleetServer

AS_OF = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)  # 10:30 in Hunan

# Sites chosen by code for the declared faults of the live fleet.
DOWN, ERROR, SLOW = "4301020001", "4301030001", "4301040001"
TLS_SOON, TLS_PAST = "4302000001", "4303000001"
STALE, BLANK, HOME_STALE, DEAD = "4301050001", "4301110001", "4301120001", "4301210001"
SLOW_DELAY = 0.6

FAULTS_TOML = f"""
[[fault]]
kind = "down"
site = "{DOWN}"

[[fault]]
kind = "error_status"
site = "{ERROR}"
status = 503

[[fault]]
kind = "slow"
site = "{SLOW}"
delay_s = {SLOW_DELAY}

[[fault]]
kind = "tls_expiring"
site = "{TLS_SOON}"
days = 10

[[fault]]
kind = "tls_expired"
site = "{TLS_PAST}"
days = 5

[[fault]]
kind = "stale_column"
site = "{STALE}"
column = "news"
days = 30

[[fault]]
kind = "stale_column"
site = "{STALE}"
column = "notice"
days = 200

[[fault]]
kind = "blank_column"
site = "{BLANK}"
column = "personnel"

[[fault]]
kind = "homepage_stale"
site = "{HOME_STALE}"
days = 20

[[fault]]
kind = "dead_links"
site = "{DEAD}"
count = 4
where = "both"
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_config(tmp: Path, fault_file: str = "", seed: int | None = None) -> Config:
    """A config whose fleet listens on a loopback block of its own (by pid) and free ports."""
    env = {
        "GOVOPS_DEMO__BIND_PREFIX": f"127.{100 + os.getpid() % 150}.1",
        "GOVOPS_DEMO__PORT": str(_free_port()),
        "GOVOPS_DEMO__HTTPS_PORT": str(_free_port()),
        "GOVOPS_DEMO__FAULT_FILE": fault_file,
        "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(tmp / "demo-ca.pem"),
    }
    if seed is not None:
        env["GOVOPS_DEMO__SEED"] = str(seed)
    return load_config(env=env)


@pytest.fixture(scope="session")
def default_spec(tmp_path_factory: pytest.TempPathFactory) -> FleetSpec:
    """The seeded default mix at a fixed instant (no server)."""
    return build_fleet(demo_config(tmp_path_factory.mktemp("demo-default")), AS_OF)


@dataclass
class LiveFleet:
    spec: FleetSpec
    handle: FleetHandle
    truth: dict  # type: ignore[type-arg]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFleet]:
    tmp = tmp_path_factory.mktemp("demo-live")
    (tmp / "faults.toml").write_text(FAULTS_TOML, encoding="utf-8")
    spec = build_fleet(demo_config(tmp, str(tmp / "faults.toml")), datetime.now(UTC))
    handle = FleetServer(spec).start_in_thread()
    try:
        handle.ready(timeout=30)
        yield LiveFleet(spec, handle, spec.ground_truth())
    finally:
        handle.stop()
