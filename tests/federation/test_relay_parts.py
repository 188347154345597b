"""The relay's pure parts and its place among a node's processes: the back-off, which nodes run ``relay``, and
that a linked city's processes capture the outbox while others do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_config
from federation.outbox import installed
from federation.relay import backoff
from runtime.bootstrap import prepare_database
from runtime.roles import LABELS, WORKERS, _sessions, node_processes, province_link

CITY = {"GOVOPS_NODE__ROLE": "city", "GOVOPS_NODE__CODE": "430100"}


@pytest.mark.parametrize(("failures", "wait"), [(0, 5.0), (1, 5.0), (2, 10.0), (3, 20.0), (4, 40.0), (5, 60.0),
                                                 (6, 60.0), (10_000, 60.0)])
def test_backoff_doubles_up_to_the_ceiling(failures: int, wait: float) -> None:
    assert backoff(failures, 5.0, 60.0) == wait


def test_backoff_never_exceeds_a_ceiling_below_the_base() -> None:
    assert backoff(1, 5.0, 2.0) == 2.0 and backoff(3, 5.0, 2.0) == 2.0


def test_the_relay_runs_only_on_a_city_linked_to_the_province(tmp_path: Path) -> None:
    token = tmp_path / "province.token"
    token.write_text("govops_1_secret\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'g.db'}"
    linked = load_config(env={**CITY, "GOVOPS_NODE__PROVINCE_URL": "http://127.0.0.1:9",
                              "GOVOPS_NODE__TOKEN_FILE": str(token), "GOVOPS_DATABASE__URL": db})
    alone = load_config(env={**CITY, "GOVOPS_DATABASE__URL": db})
    province = load_config(env={"GOVOPS_NODE__ROLE": "province", "GOVOPS_NODE__CODE": "430000",
                                "GOVOPS_DATABASE__URL": db})
    assert province_link(linked) and not province_link(alone) and not province_link(province)
    assert node_processes(linked, demo=False) == ["collect", "alert", "relay", "web"]
    assert node_processes(alone, demo=False) == ["collect", "alert", "web"]
    assert node_processes(province, demo=False) == ["collect", "alert", "web"]
    assert "relay" in WORKERS and LABELS["relay"] == "联邦同步"
    assert installed(_sessions(linked)) and not installed(_sessions(alone)) and not installed(_sessions(province))
    # the CLIs' sessions too (hosts add, registry imports)
    assert installed(prepare_database(linked)) and not installed(prepare_database(alone))


def test_the_backlog_gauge_is_on_metrics() -> None:
    from prometheus_client import REGISTRY

    from core import selfmetrics

    selfmetrics.outbox_backlog(42)
    assert REGISTRY.get_sample_value("govops_outbox_backlog") == 42.0
    assert b"govops_outbox_backlog 42.0" in selfmetrics.exposition()
