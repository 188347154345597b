"""The uplink's settings, vmagent's command line (pure), the city's processes, and what the forwarding store
does when the local vmagent does not answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Config, ConfigError, load_config
from runtime.roles import node_processes
from runtime.uplink import remote_write_url, uplink_enabled, vmagent_argv
from tests.support.victoria import _free_port
from tsdb.factory import open_store
from tsdb.forwarding import ForwardError, ForwardingStore, labelled
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore

CITY = {"GOVOPS_NODE__ROLE": "city", "GOVOPS_NODE__CODE": "430100"}


def city(**env: str) -> Config:
    return load_config(env={**CITY, "GOVOPS_NODE__UPSTREAM_URL": "http://10.43.0.10:8428/", **env})


def test_vmagent_runs_the_configured_flags() -> None:
    cfg = city(GOVOPS_UPLINK__LISTEN="127.0.0.1:9429", GOVOPS_UPLINK__BUFFER_DIR="/srv/govops/uplink",
               GOVOPS_UPLINK__MAX_BUFFER_MB="2048", GOVOPS_UPLINK__BEARER_TOKEN_FILE="/etc/govops/province.token")
    argv = vmagent_argv(cfg)
    assert argv[0] == "vmagent"
    assert "-httpListenAddr=127.0.0.1:9429" in argv
    assert "-remoteWrite.url=http://10.43.0.10:8428/api/v1/write" in argv
    assert "-remoteWrite.tmpDataPath=/srv/govops/uplink" in argv
    assert f"-remoteWrite.maxDiskUsagePerURL={2048 * 1024 * 1024}" in argv
    assert "-remoteWrite.bearerTokenFile=/etc/govops/province.token" in argv
    assert {"-remoteWrite.queues=1", "-memory.allowedBytes=1MB"} <= set(argv)
    assert vmagent_argv(cfg, "/usr/bin/vmagent")[0] == "/usr/bin/vmagent"


def test_relative_paths_are_under_the_project_and_no_token_means_no_flag() -> None:
    cfg = city()
    argv = vmagent_argv(cfg)
    assert f"-remoteWrite.tmpDataPath={cfg.resolve_path('var/uplink')}" in argv
    assert "-remoteWrite.maxDiskUsagePerURL=0" in argv  # 0: vmagent's own "up to the disk"
    assert not any(a.startswith("-remoteWrite.bearerTokenFile") for a in argv)


def test_only_a_city_with_an_upstream_runs_the_uplink() -> None:
    assert remote_write_url("http://prov:8428/") == "http://prov:8428/api/v1/write"
    standalone = load_config(env=CITY)
    assert not uplink_enabled(standalone)
    assert node_processes(standalone, demo=False) == ["collect", "alert", "web"]
    with pytest.raises(ValueError):
        vmagent_argv(standalone)
    assert node_processes(city(), demo=True) == ["fleet", "uplink", "collect", "alert", "web"]
    assert node_processes(city(), demo=False) == ["uplink", "collect", "alert", "web"]


@pytest.mark.parametrize(("env", "key", "says"), [
    ({"GOVOPS_NODE__ROLE": "province", "GOVOPS_NODE__CODE": "430000", "GOVOPS_NODE__UPSTREAM_URL": "http://p:8428"},
     "node.upstream_url", "只有市级节点"),
    ({**CITY, "GOVOPS_NODE__UPSTREAM_URL": "prov:8428"}, "node.upstream_url", "http://主机:端口"),
    ({**CITY, "GOVOPS_NODE__UPSTREAM_URL": "http://prov:8428/api/v1/write"}, "node.upstream_url", "基地址"),
    ({**CITY, "GOVOPS_UPLINK__LISTEN": "0.0.0.0:8429"}, "uplink.listen", "回环"),
    ({**CITY, "GOVOPS_UPLINK__LISTEN": "10.0.0.1:8429"}, "uplink.listen", "回环"),
    ({**CITY, "GOVOPS_UPLINK__LISTEN": "127.0.0.1"}, "uplink.listen", "端口"),
    ({**CITY, "GOVOPS_UPLINK__LISTEN": "127.0.0.1:70000"}, "uplink.listen", "端口"),
    ({**CITY, "GOVOPS_UPLINK__BUFFER_DIR": " "}, "uplink.buffer_dir", "缓冲目录"),
    ({**CITY, "GOVOPS_UPLINK__BINARY": ""}, "uplink.binary", "vmagent"),
    ({**CITY, "GOVOPS_UPLINK__MAX_BUFFER_MB": "-1"}, "uplink.max_buffer_mb", "MiB"),
    ({**CITY, "GOVOPS_UPLINK__HANDOVER_TIMEOUT": "0"}, "uplink.handover_timeout", "大于 0"),
    ({**CITY, "GOVOPS_UPLINK__HANDOVER_RETRY_SECONDS": "-1"}, "uplink.handover_retry_seconds", "不小于 0"),
    ({"GOVOPS_NODE__PROVINCE_URL": "http://p:8050", "GOVOPS_NODE__TOKEN_FILE": "t"}, "node.province_url",
     "只有市级节点"),
    ({**CITY, "GOVOPS_NODE__PROVINCE_URL": "p:8050", "GOVOPS_NODE__TOKEN_FILE": "t"}, "node.province_url",
     "http://主机:端口"),
    ({**CITY, "GOVOPS_NODE__PROVINCE_URL": "http://p:8050"}, "node.token_file", "同时设置"),
    ({**CITY, "GOVOPS_NODE__TOKEN_FILE": "var/t"}, "node.province_url", "同时设置"),
    ({**CITY, "GOVOPS_NODE__FEDERATED_CITIES": "430200"}, "node.federated_cities", "只有省级节点"),
    ({"GOVOPS_NODE__ROLE": "province", "GOVOPS_NODE__FEDERATED_CITIES": "430100,430102"},
     "node.federated_cities", "地市"),
    ({**CITY, "GOVOPS_FEDERATION__RELAY_INTERVAL": "0"}, "federation.relay_interval", "之间"),
    ({**CITY, "GOVOPS_UPLINK__REPLAY_SECONDS": "0"}, "uplink.replay_seconds", "1 到 172800"),
])
def test_a_bad_uplink_setting_is_refused_naming_its_key(env: dict[str, str], key: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as err:
        load_config(env=env)
    assert key in str(err.value)


def test_loopback_listen_forms_are_accepted() -> None:
    for listen in ("127.0.0.1:8429", "127.0.5.9:1", "localhost:8429", "[::1]:8429"):
        assert city(GOVOPS_UPLINK__LISTEN=listen).uplink.listen == listen


def test_every_forwarded_point_names_its_node_unless_it_does() -> None:
    mine = Point("m", {"f": 1.0}, 1, {"site": "a"})
    theirs = Point("m", {"f": 2.0}, 2, {"node": "430200"})
    assert [dict(p.tags) for p in labelled([mine, theirs], "430100")] == [
        {"site": "a", "node": "430100"}, {"node": "430200"}]
    assert dict(mine.tags) == {"site": "a"}  # the city's own copy is left as collected


def test_the_store_of_a_city_with_an_upstream_forwards_and_of_others_does_not(tmp_path: Path) -> None:
    db = {"GOVOPS_METRICS__EMBEDDED__PATH": str(tmp_path / "m.db")}
    forwarding = open_store(city(**db))
    plain = open_store(load_config(env={**CITY, **db}))
    try:
        assert isinstance(forwarding, ForwardingStore) and forwarding.intake_url == "http://127.0.0.1:8429"
        assert isinstance(plain, SQLiteMetricStore)
    finally:
        forwarding.close()
        plain.close()


def test_a_hand_over_vmagent_does_not_take_fails_the_write_after_its_bound(tmp_path: Path) -> None:
    """Nothing listens on the intake: the points are stored locally, retried for the bound, then reported."""
    local = SQLiteMetricStore(tmp_path / "m.db")
    store = ForwardingStore(local, f"http://127.0.0.1:{_free_port()}", "430100", timeout=1, retry_s=0.5)
    try:
        with pytest.raises(ForwardError, match="stored locally only"):
            store.write([Point("m", {"f": 1.0}, 1_700_000_000_000_000_000, {"site": "a"})])
        assert len(store.latest("m", "f")) == 1
        with pytest.raises(ValueError):  # a bad point: refused before anything is stored or sent
            store.write([Point("m", {"f": "text"}, 1, {})])
        assert store.write([]) == 0
    finally:
        store.close()
