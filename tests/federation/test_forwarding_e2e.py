"""Points written at a city reach the province through the city's real vmagent, exactly once, across an uplink
cut, a province restart and a vmagent restart (counts and sums compared on the province's query API)."""

from __future__ import annotations

import time

import pytest

from tests.federation.conftest import CITY, Federation, Ledger, totals, wait_for

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


def test_vmagent_killed_mid_forward_duplicates_nothing_and_loses_at_most_its_memory(
        federation: Federation) -> None:
    """SIGKILL while it drains an hour's backlog: what vmagent held on disk arrives once (a block sent again
    after the restart is one sample per timestamp at the province); what it held in memory is lost — its
    in-memory queue (2 blocks) and the block in flight, each at most one flush interval (1 s) of points here.
    docs/federation.md, "What survives what"."""
    ledger = Ledger()
    rate = 10  # batches a second
    for minute in range(3 * HOUR):  # 18 s of writing: more blocks than vmagent keeps in memory
        federation.city.write(ledger.batch(minute))
        time.sleep(1 / rate)
    with federation.province() as url:
        time.sleep(1.0)  # vmagent's retry comes within its back-off; kill it while it sends
        federation.agent.kill()
        federation.agent.start()
        (count, total), took = wait_for(url, ledger, deadline_s=25)
    assert count <= ledger.count and total <= ledger.total  # nothing twice
    lost = ledger.count - count
    assert lost <= 4 * rate * 20, f"{lost} of {ledger.count} points lost"
    print(f"\nSIGKILL mid-forward: {count} of {ledger.count} points at the province, {lost} lost "
          f"(vmagent's memory), settled {took:.1f} s after the restart; node label {CITY}")
