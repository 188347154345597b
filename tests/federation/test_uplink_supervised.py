"""``app.py run`` on a city with an upstream starts vmagent from the command line the project builds, checks its
``/health`` and starts it again when it dies."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import to_ns
from runtime.cli import _uplink_spec
from runtime.supervisor import HealthSettings, RestartPolicy, Supervisor, probe_health
from runtime.uplink_replay import UplinkReplayer
from tests.federation.conftest import city_config
from tests.support.victoria import _free_port
from tests.support.vmagent import Agent
from tsdb.factory import open_store
from tsdb.point import Point

pytestmark = pytest.mark.e2e


def test_the_city_uplink_is_supervised_and_restarted_after_a_sigkill(tmp_path: Path) -> None:
    config = city_config(tmp_path, _free_port())  # the province is away: vmagent runs and buffers regardless
    said: list[str] = []
    local = open_store(dataclasses.replace(config, node=dataclasses.replace(config.node, upstream_url="")))
    now = datetime.now(UTC)  # the city's store holds 5 points of the last minute, collected before this start
    local.write([Point("fed_probe", {"seq": float(i)}, to_ns(now - timedelta(seconds=i)), {"site": "s"})
                 for i in range(5)])
    local.close()
    replayer = UplinkReplayer(config, lambda: open_store(config), said.append)
    spec = _uplink_spec(config, replayer)
    assert spec.role == "uplink" and spec.health_url.endswith("/health") and spec.health_text == "OK"
    sup = Supervisor([spec], say=said.append, health=HealthSettings(every_s=0.2, timeout_s=2, failures=3),
                     policy=lambda: RestartPolicy(initial_s=0.2))
    sup.start()
    try:
        first = sup.pids()["uplink"]
        assert first is not None and probe_health(spec.health_url, 2, "OK") == (True, "HTTP 200")
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            pid = sup.pids()["uplink"]
            if pid not in (None, first) and any("已重启" in line for line in said):
                break
            time.sleep(0.1)
        assert sup.pids()["uplink"] not in (None, first), said
        assert probe_health(spec.health_url, 1, "OK")[0]
        assert (tmp_path / "uplink").is_dir()  # vmagent's buffer folder, from [uplink] buffer_dir
        deadline = time.monotonic() + 20
        while sum("补发本市" in line for line in said) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        # the replay on the node's start and again after the SIGKILL: the 5 points, handed over each time
        replays = [line for line in said if "补发" in line]
        assert [line.endswith("的 5 个数据点（省级去重，不会重复计数）") for line in replays] == [True, True], said
        while replayer.delivered_at() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert replayer.delivered_at() is not None  # a passing check with nothing pending marks delivery
    finally:
        sup.stop()
        replayer.close()
    assert sup.pids()["uplink"] is None


def test_a_json_health_page_is_not_mistaken_for_vmagents(tmp_path: Path) -> None:
    port = _free_port()
    assert probe_health(f"http://127.0.0.1:{port}/health", 1, "OK")[0] is False


def test_a_failed_replay_holds_the_delivered_mark_until_one_succeeds(tmp_path: Path) -> None:
    """The mark moves only when no replay is owed: a replay that vmagent did not take is owed again, and the
    window of the next one still starts before the points it did not hand over."""
    base = city_config(tmp_path, _free_port())  # the province is away; vmagent takes and buffers
    config = dataclasses.replace(base, uplink=dataclasses.replace(base.uplink, handover_retry_seconds=0))
    said: list[str] = []
    agent = Agent(config, tmp_path / "vmagent.log").start()
    replayer = UplinkReplayer(config, lambda: open_store(config), said.append)
    try:
        assert replayer.observe()
        mark = replayer.delivered_at()
        local = open_store(dataclasses.replace(config, node=dataclasses.replace(config.node, upstream_url="")))
        local.write([Point("fed_probe", {"seq": 1.0}, to_ns(datetime.now(UTC)), {"site": "s"})])
        local.close()
        agent.stop()  # vmagent is away: the replay cannot hand the point over
        replayer.started().join(30)
        assert any("补发失败" in line for line in said), said
        agent.start()
        assert not replayer.observe() and replayer.delivered_at() == mark  # still owed: the mark stays
        replayer.started().join(30)
        assert said[-1].endswith("的 1 个数据点（省级去重，不会重复计数）"), said
        assert replayer.observe() and replayer.delivered_at() != mark  # paid: the mark moves again
    finally:
        replayer.close()
        agent.stop()
