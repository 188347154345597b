"""The replay's pure decisions: what vmagent's /metrics says of its backlog, and the window a (re)start
hands over again (runtime/uplink.py). No vmagent, no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runtime.uplink import REPLAY_MAX, Backlog, parse_backlog, replay_window

PATH = 'path="/srv/govops/var/uplink/persistent-queue/1_FD109BB61015B79C", url="1:secret-url"'


def page(pending: int = 0, inmemory: int = 0, sent: int = 3, ok: int = 3, dropped: int = 0, failed: int = 0) -> str:
    """A vmagent v1.79 /metrics page, cut to the remote-write lines (and a few lookalikes)."""
    return "\n".join([
        f'vm_persistentqueue_bytes_pending{{path="/x"}} {pending + 7}',
        f'vmagent_remotewrite_blocks_sent_total{{url="1:secret-url"}} {sent}',
        f'vmagent_remotewrite_packets_dropped_total{{url="1:secret-url"}} {dropped}',
        f"vmagent_remotewrite_pending_data_bytes{{{PATH}}} {pending}",
        f"vmagent_remotewrite_pending_inmemory_blocks{{{PATH}}} {inmemory}",
        f'vmagent_remotewrite_requests_total{{url="1:secret-url", status_code="2XX"}} {ok}',
        f'vmagent_remotewrite_requests_total{{url="1:secret-url", status_code="5XX"}} {failed}',
        f'vmagent_remotewrite_retries_count_total{{url="1:secret-url"}} {failed}',
        'vmagent_http_requests_total{path="/influx/write", protocol="influx"} 3', ""])


@pytest.mark.parametrize(("text", "delivered"), [
    (page(), True),
    (page(sent=0, ok=0), True),  # a fresh vmagent has taken nothing
    (page(pending=512), False),  # blocks wait on disk or in memory
    (page(inmemory=1), False),
    (page(sent=4, ok=3, failed=2), False),  # a block taken off the queue is being retried
    (page(sent=4, ok=3, dropped=1), True),  # refused for good (4XX) and dropped: nothing more will come of it
])
def test_the_backlog_says_whether_everything_vmagent_took_was_delivered(text: str, delivered: bool) -> None:
    backlog = parse_backlog(text)
    assert backlog is not None and backlog.delivered is delivered


def test_a_page_without_the_remote_write_counters_is_no_backlog() -> None:
    assert parse_backlog("OK") is None
    assert parse_backlog('{"ok": true}') is None
    assert parse_backlog(page().replace("vmagent_remotewrite_blocks_sent_total", "other")) is None
    assert parse_backlog(page(ok=3).replace(" 3\n", " x\n", 1)) is None
    assert parse_backlog(page(pending=5)) == Backlog(5, 0, 3, 3)


NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def test_the_window_starts_replay_seconds_before_vmagent_was_last_seen_delivered() -> None:
    seen = NOW - timedelta(minutes=30)  # the province was away half an hour before the kill
    assert replay_window(NOW, seen, 120) == (seen - timedelta(seconds=120), NOW)


def test_never_seen_delivered_the_window_is_the_margin_before_the_start() -> None:
    assert replay_window(NOW, None, 120) == (NOW - timedelta(seconds=120), NOW)
    future = NOW + timedelta(hours=1)  # a clock set back since the mark: the mark is no use
    assert replay_window(NOW, future, 120) == (NOW - timedelta(seconds=120), NOW)


def test_the_window_is_bounded() -> None:
    long_ago = NOW - timedelta(days=30)  # a node switched off for a month
    assert replay_window(NOW, long_ago, 120) == (NOW - REPLAY_MAX, NOW)
