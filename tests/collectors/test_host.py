"""Host collector: real psutil readings, rates on the second run, registry targets."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.host import HostCollector, cpu_percent_between, derive_city_code, rates, read_sample
from core.clock import FixedClock
from db.session import transaction
from tests.collectors.support import add_host, make_config, seed_registry

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def collector(sessions: sessionmaker[Session], node: str = "430102") -> tuple[HostCollector, FixedClock]:
    clock = FixedClock(T0)
    ctx = CollectorContext(config=make_config(node_code=node, host_interval=15.0), sessions=sessions, clock=clock)
    return HostCollector(ctx), clock


def test_targets_are_local_enabled_hosts_of_this_node(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        seed_registry(s, {})
        add_host(s, "web-01", "430102", local=True)
        add_host(s, "web-02", "430102", local=True, enabled=False)
        add_host(s, "db-01", "430102", local=False)
        add_host(s, "cs-web", "430100", local=True)
    (t,) = collector(sessions)[0].targets()
    assert t.key == "web-01"
    assert dict(t.labels) == {"host": "web-01", "node": "430102", "city": "430100"}


def test_without_registered_hosts_the_machine_itself_is_the_target(sessions: sessionmaker[Session]) -> None:
    (t,) = collector(sessions, node="430121")[0].targets()  # node not even in the registry
    assert t.key == socket.gethostname()
    assert t.labels["city"] == "430100" and t.labels["node"] == "430121"


def test_real_readings_and_rates_from_the_second_run(sessions: sessionmaker[Session]) -> None:
    c, clock = collector(sessions)
    target = c.targets()[0]
    first = list(c.collect(target))
    host1 = next(p for p in first if p.measurement == "host")
    f = host1.fields
    assert 0.0 <= f["cpu_percent"] <= 100.0
    assert 0.0 < f["mem_percent"] < 100.0
    assert 0 < f["mem_used_bytes"] < f["mem_total_bytes"]
    assert f["procs"] > 1 and f["uptime_s"] >= 0 and f["load1"] >= 0
    assert not any(k.endswith("_bps") for k in f)  # first run: no rates
    disks = [p for p in first if p.measurement == "host_disk"]
    assert disks, "at least one real mount"
    for d in disks:
        assert d.tags["mount"].startswith("/") and not d.tags["mount"].startswith(("/proc", "/sys"))
        assert 0 <= d.fields["used_percent"] <= 100 and 0 <= d.fields["free_bytes"] <= d.fields["total_bytes"]

    clock.advance(15.0)
    second = list(c.collect(target))
    f2 = next(p for p in second if p.measurement == "host").fields
    for k in ("disk_read_bps", "disk_write_bps", "net_rx_bps", "net_tx_bps"):
        assert k in f2 and f2[k] >= 0
    assert f2["net_rx_bps"] < 10e9  # per second over 15 s: well under a 10 GB/s link


def test_pure_rates_and_cpu() -> None:
    assert rates({"a": 100, "b": 50}, {"a": 400, "b": 10, "c": 1}, 10.0) == {"a": 30.0}  # b reset, c new
    assert rates({"a": 1}, {"a": 2}, 0.0) == {}
    s = read_sample()
    assert cpu_percent_between(s, s) is None
    busy = replace(s, cpu_busy=s.cpu_busy + 1.0, cpu_total=s.cpu_total + 4.0)
    assert cpu_percent_between(s, busy) == pytest.approx(25.0)


def test_derive_city_code() -> None:
    assert derive_city_code("430000") == "430000"
    assert derive_city_code("430100") == "430100"
    assert derive_city_code("430102") == "430100"
    with pytest.raises(ValueError, match="6 digits"):
        derive_city_code("43")
