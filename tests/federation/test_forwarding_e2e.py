"""Points written at a city reach the province through the city's real vmagent, exactly once, across an uplink
cut, a province restart and a vmagent restart (counts and sums compared on the province's query API)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from runtime.uplink_replay import UplinkReplayer
from tests.federation.conftest import CITY, Federation, Ledger, totals, wait_for
from tsdb.factory import open_store

pytestmark = pytest.mark.e2e

HOUR = 60  # simulated minutes: one batch each


def test_points_written_at_the_city_arrive_at_the_province_once(federation: Federation) -> None:
    ledger = Ledger()
    with federation.province() as url:
        for minute in range(HOUR):
            federation.city.write(ledger.batch(minute))
        (count, total), took = wait_for(url, ledger)
    assert (count, total) == (ledger.count, ledger.total), f"after {took:.1f} s"
    assert totals(federation.city.local) == (ledger.count, ledger.total)
    print(f"\n{ledger.count} points at the province {took:.1f} s after the last write")


def test_an_uplink_cut_for_an_hour_loses_nothing_and_doubles_nothing(federation: Federation) -> None:
    ledger = Ledger()
    with federation.province() as url:
        for minute in range(10):
            federation.city.write(ledger.batch(minute))
        before = wait_for(url, ledger)[0]
    assert before == (ledger.count, ledger.total)
    # the province is down: the city keeps collecting an hour (compressed), and its own store answers
    for minute in range(10, 10 + HOUR):
        federation.city.write(ledger.batch(minute))
        time.sleep(0.05)
    assert totals(federation.city.local) == (ledger.count, ledger.total)
    with federation.province() as url:  # restarted on the same folder
        (count, total), took = wait_for(url, ledger)
    assert (count, total) == (ledger.count, ledger.total), f"after {took:.1f} s"
    print(f"\n{ledger.count} points ({HOUR * 20} written while cut) at the province {took:.1f} s after it came back")


def test_vmagent_stopped_during_the_cut_keeps_its_buffer(federation: Federation) -> None:
    """A clean stop (SIGTERM: the supervisor's and systemd's) writes vmagent's memory to its buffer folder."""
    ledger = Ledger()
    for minute in range(HOUR):
        federation.city.write(ledger.batch(minute))
        time.sleep(0.02)
    federation.agent.stop()
    federation.agent.start()
    with federation.province() as url:
        (count, total), took = wait_for(url, ledger)
    assert (count, total) == (ledger.count, ledger.total), f"after {took:.1f} s"


def test_a_city_killed_mid_forward_and_restarted_has_every_point_at_the_province_once(
        federation: Federation, caplog: pytest.LogCaptureFixture) -> None:
    """SIGKILL of vmagent (and of the city node with it) while it drains a backlog loses what vmagent held in
    memory — its in-memory queue (2 blocks) and the block in flight. The city's store has every point: the
    replay on the next start hands the window since vmagent was last seen with everything delivered to the
    new vmagent, and the province's deduplication counts each point once. docs/federation.md."""
    ledger = Ledger()
    node = UplinkReplayer(federation.config, lambda: open_store(federation.config), print)
    assert node.observe()  # nothing written yet: everything vmagent took (nothing) is delivered
    mark = node.delivered_at()
    rate = 10  # batches a second
    for minute in range(3 * HOUR):  # 18 s of writing while the province is away: more blocks than memory holds
        federation.city.write(ledger.batch(minute, at=datetime.now(UTC)))
        if minute % rate == 0 and minute >= 2 * rate:  # points of the last flush interval (1 s) are not queued
            assert not node.observe()  # the supervisor's periodic check: a backlog, the mark stays
        elif minute % rate == 0:
            node.observe()
        time.sleep(1 / rate)
    # only the first second's points, not yet queued by vmagent, may have moved the mark
    assert mark is not None and node.delivered_at() <= mark + timedelta(seconds=5)  # type: ignore[operator]
    with federation.province() as url:
        time.sleep(1.0)  # vmagent's retry comes within its back-off; kill it while it sends
        federation.agent.kill()  # the city node goes down with it: its replayer is gone too
        node.close()
        federation.agent.start()
        restarted = UplinkReplayer(federation.config, lambda: open_store(federation.config), print)
        with caplog.at_level(logging.INFO, logger="runtime.uplink_replay"):
            restarted.started().join(60)  # the node's start-up: vmagent answers, the replay runs
        restarted.close()
        (count, total), took = wait_for(url, ledger, deadline_s=60)
    assert (count, total) == (ledger.count, ledger.total), f"after {took:.1f} s"
    progress = [r for r in caplog.records if r.getMessage() == "uplink.replay_progress"]
    assert progress and progress[-1].__dict__["sent"] == progress[-1].__dict__["total"] == ledger.count
    print(f"\nSIGKILL mid-forward, restarted with the replay: {count} of {ledger.count} points at the province "
          f"(sum {total:.0f} of {ledger.total:.0f}), settled {took:.1f} s after the replay; node label {CITY}")
