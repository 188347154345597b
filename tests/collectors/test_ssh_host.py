"""The SSH host collector against real OpenSSH daemons on loopback (tests/collectors/sshd.py): collection,
host-key refusal and trust on first use, a changed host key, a hanging host, connection reuse, scoping."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext, Target
from collectors.kinds.host import HostCollector
from collectors.kinds.ssh_host import SSHHostCollector
from core.cli import CliError
from core.clock import SystemClock
from db.hosts import ensure_local_host
from db.models_security import AuditEntry
from db.session import transaction
from runtime.hosts_cli import add_host, trust_host
from tests.collectors.sshd import SSHD, running_sshd
from tests.collectors.support import make_config, seed_registry
from tsdb.point import Point


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SSHD]:
    with running_sshd(tmp_path) as daemon:
        yield daemon


def _config(tmp_path: Path, node_code: str = "430000", **collectors: Any) -> Any:
    settings: dict[str, Any] = {"ssh_known_hosts": str(tmp_path / "known" / "known_hosts"),
                                "ssh_key_dir": str(tmp_path), "ssh_connect_timeout": 5.0,
                                "ssh_command_timeout": 10.0, **collectors}
    return make_config(node_code, **settings)


def _register(sessions: sessionmaker[Session], config: Any, name: str, daemon: SSHD, node: str = "430100") -> None:
    add_host(sessions, config, name, address="127.0.0.1", port=daemon.port, user=daemon.user,
             key=daemon.user_key.name, role="web", node=node, out=io.StringIO())


def _collector(sessions: sessionmaker[Session], config: Any) -> SSHHostCollector:
    return SSHHostCollector(CollectorContext(config=config, sessions=sessions, clock=SystemClock()))


def _by(points: list[Point], measurement: str) -> list[Point]:
    return [p for p in points if p.measurement == measurement]


def _status(points: list[Point]) -> Point:
    (status,) = _by(points, "ssh_host")
    return status


def _trust(sessions: sessionmaker[Session], config: Any, name: str, **kw: Any) -> str:
    out = io.StringIO()
    assert trust_host(sessions, config, name, out=out, **kw) == 0
    return out.getvalue()


@pytest.fixture
def world(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    with transaction(sessions) as s:
        seed_registry(s, {})
    return sessions


def test_unknown_key_is_refused_then_trusted_and_collected(world: sessionmaker[Session], sshd: SSHD,
                                                           tmp_path: Path) -> None:
    config = _config(tmp_path)
    _register(world, config, "web-01", sshd)
    collector = _collector(world, config)
    try:
        (target,) = collector.targets()
        assert target.labels == {"host": "web-01", "node": "430100", "city": "430100"}
        refused = _status(collector.poll(target))
        assert refused.fields == {"up": 0, "poll_s": refused.fields["poll_s"], "failure": 1}
        assert refused.tags["error"] == "hostkey_unknown" and "app.py hosts trust web-01" in refused.tags["reason"]

        printed = _trust(world, config, "web-01", expected=sshd.fingerprint())
        assert sshd.fingerprint() in printed
        assert (tmp_path / "known" / "known_hosts").read_text().split()[1:] == sshd.known_hosts_line().split()[1:]
        with world() as s:
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "host.trust")).one()
            assert entry.object_id == "web-01" and entry.detail["fingerprint"] == sshd.fingerprint()

        points = collector.poll(target)
        status = _status(points)
        assert status.fields["up"] == 1 and "error" not in status.tags
        # The same measurements, fields and tag keys as the local psutil collector: walls show both alike.
        (host,) = _by(points, "host")
        assert {"cpu_percent", "load1", "load5", "load15", "mem_percent", "mem_used_bytes", "mem_total_bytes",
                "swap_percent", "procs", "uptime_s"} <= set(host.fields)
        assert 0 <= float(host.fields["cpu_percent"]) <= 100 and float(host.fields["mem_total_bytes"]) > 0
        local_tags = HostCollector(CollectorContext(config=config, sessions=world, clock=SystemClock()))
        with transaction(world) as s:
            ensure_local_host(s, "430000", "local-box")
        assert set(host.tags) == set(local_tags.targets()[0].labels)
        disks = {p.tags["mount"]: p for p in _by(points, "host_disk")}
        assert "/" in disks and {"used_percent", "free_bytes", "total_bytes"} == set(disks["/"].fields)
        ports = {p.tags["port"] for p in _by(points, "host_port")}
        assert str(sshd.port) in ports and status.fields["listen_ports"] == len(ports)

        again = collector.poll(target)
        (host2,) = _by(again, "host")
        assert {"net_rx_bps", "net_tx_bps", "cpu_percent"} <= set(host2.fields)  # rates from the previous poll
        assert collector.pool.connects == 1, "the second poll reuses the pooled connection"
    finally:
        asyncio.run(collector.aclose())


def test_changed_host_key_is_refused_reported_and_replaced_only_on_request(
        world: sessionmaker[Session], sshd: SSHD, tmp_path: Path) -> None:
    config = _config(tmp_path)
    _register(world, config, "cms-01", sshd)
    _trust(world, config, "cms-01")
    collector = _collector(world, config)
    try:
        (target,) = collector.targets()
        assert _status(collector.poll(target)).fields["up"] == 1
        old = sshd.fingerprint()
        sshd.restart_with_new_host_key()  # the pooled connection dies with the daemon's children
        new = sshd.fingerprint()
        assert new != old

        status = _status(collector.poll(target))
        assert status.fields["up"] == 0 and status.fields["failure"] == 1
        assert status.tags["error"] == "hostkey_changed"
        assert "已变更" in status.tags["reason"] and new in status.tags["reason"]
        assert not _by(collector.poll(target), "host"), "never collected through an unverified key"

        with pytest.raises(CliError, match="已登记了不同的主机密钥"):
            trust_host(world, config, "cms-01", out=io.StringIO())
        with pytest.raises(CliError, match="不符"):
            trust_host(world, config, "cms-01", expected=old, replace=True, out=io.StringIO())
        _trust(world, config, "cms-01", replace=True)
        with world() as s:
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "host.trust_replace")).one()
            assert entry.detail["replaced"] == [old] and entry.detail["fingerprint"] == new
        assert _status(collector.poll(target)).fields["up"] == 1
        assert "已登记，且与当前一致" in _trust(world, config, "cms-01")
    finally:
        asyncio.run(collector.aclose())


def test_a_hanging_host_times_out_without_blocking_another(world: sessionmaker[Session], sshd: SSHD,
                                                           tmp_path: Path) -> None:
    timeout = 1.5
    config = _config(tmp_path, ssh_command_timeout=timeout)
    with running_sshd(tmp_path, force_command="sleep 30", user_key=sshd.user_key) as hanging:
        _register(world, config, "db-ok", sshd)
        _register(world, config, "db-hang", hanging)
        _trust(world, config, "db-ok")
        _trust(world, config, "db-hang")
        collector = _collector(world, config)

        async def timed(target: Target) -> tuple[float, list[Point]]:
            t0 = time.monotonic()
            points = await collector.collect(target)
            return time.monotonic() - t0, points

        async def both() -> list[tuple[float, list[Point]]]:
            try:
                targets = {t.key: t for t in collector.targets()}
                return await asyncio.gather(timed(targets["db-hang"]), timed(targets["db-ok"]))
            finally:
                await collector.aclose()

        (hang_s, hang_pts), (ok_s, ok_pts) = asyncio.run(both())
    assert _status(ok_pts).fields["up"] == 1 and _by(ok_pts, "host")
    assert ok_s < timeout, f"the healthy host waited for the hanging one ({ok_s:.2f} s)"
    status = _status(hang_pts)
    assert status.tags["error"] == "command_timeout" and "1.5 秒" in status.tags["reason"]
    assert timeout <= hang_s < timeout + 2.0
    assert collector.timeout > timeout  # the scheduler's hard stop stays above the collector's own deadline


def test_missing_user_or_key_is_reported_per_host(world: sessionmaker[Session], tmp_path: Path) -> None:
    config = _config(tmp_path)
    add_host(world, config, "no-key", address="127.0.0.1", port=1, user="ops", key="absent_key", role="other",
             node="430102", out=io.StringIO())
    collector = _collector(world, config)
    try:
        (target,) = collector.targets()
        status = _status(collector.poll(target))
        assert status.tags["error"] == "key" and "absent_key" in status.tags["reason"]
        bare = Target(key="bare", labels=target.labels, params={**target.params, "user": ""})
        assert _status(collector.poll(bare)).tags["error"] == "config"
    finally:
        asyncio.run(collector.aclose())


def test_a_city_node_collects_only_its_own_region(world: sessionmaker[Session], tmp_path: Path) -> None:
    config = _config(tmp_path)
    for name, node in (("prov", "430000"), ("city", "430100"), ("county", "430102")):
        add_host(world, config, name, address="127.0.0.1", port=22, user="ops", key="k", role="web", node=node,
                 out=io.StringIO())
    with transaction(world) as s:
        ensure_local_host(s, "430100", "local-city")
    import dataclasses

    from core.config import NodeConfig

    city = dataclasses.replace(config, node=NodeConfig(role="city", code="430100"))
    assert [t.key for t in _collector(world, city).targets()] == ["city", "county"]
    assert [t.key for t in _collector(world, config).targets()] == ["city", "county", "prov"]


def test_add_refuses_bad_input_naming_the_argument(world: sessionmaker[Session], tmp_path: Path) -> None:
    config = _config(tmp_path)
    with pytest.raises(CliError, match="--port"):
        add_host(world, config, "x", address="127.0.0.1", port=70000, user="u", key="k", role="web", node="430000")
    with pytest.raises(CliError, match="--role"):
        add_host(world, config, "x", address="127.0.0.1", port=22, user="u", key="k", role="nope", node="430000")
    with pytest.raises(CliError, match="私钥内容"):
        add_host(world, config, "x", address="127.0.0.1", port=22, user="u",
                 key="-----BEGIN OPENSSH PRIVATE KEY-----", role="web", node="430000")
    with pytest.raises(CliError, match="未登记名为"):
        trust_host(world, config, "nobody", out=io.StringIO())
