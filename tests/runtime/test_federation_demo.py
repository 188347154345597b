"""The federation demo's layout: every node's configuration loads, and no two nodes share a port or a file."""

from __future__ import annotations

from pathlib import Path

from core.config import load_config
from runtime.federation_demo import plan, toml_text


def test_every_node_loads_and_nothing_is_shared(tmp_path: Path) -> None:
    nodes = plan(("430100", "430200", "430300"), web_port=9050, vm_port=19428, uplink_port=19429, host_name="m")
    configs = {}
    for node in nodes:
        path = tmp_path / f"{node.code}.toml"
        path.write_text(toml_text(node.settings), encoding="utf-8")
        configs[node.code] = load_config(path, env={})
    province = configs["430000"]
    assert province.node.role == "province"
    assert province.node.federated_cities == ("430100", "430200", "430300")
    assert province.metrics.backend == "victoriametrics"
    assert province.metrics.victoriametrics.url == "http://127.0.0.1:19428"
    cities = [configs[c] for c in ("430100", "430200", "430300")]
    for cfg in cities:
        assert cfg.node.role == "city" and cfg.node.upstream_url == "http://127.0.0.1:19428"
        assert cfg.node.province_url == "http://127.0.0.1:9050"
    every = list(configs.values())
    for attribute in (lambda c: c.web.port, lambda c: c.database_url, lambda c: c.node.host_name,
                      lambda c: c.security.secret_key_file):
        values = [attribute(c) for c in every]
        assert len(set(values)) == len(values)
    for attribute in (lambda c: c.uplink.listen, lambda c: c.uplink.buffer_dir, lambda c: c.federation.cache_dir,
                      lambda c: c.metrics.embedded.path, lambda c: c.node.token_file):
        values = [attribute(c) for c in cities]
        assert len(set(values)) == len(values)



def test_a_busy_port_is_named_before_anything_starts() -> None:
    """The province's web port taken by someone else: refused with the port and the reason, nothing started."""
    import socket

    from runtime.federation_demo import run

    busy = None
    for port in range(21050, 21250, 7):  # a port low enough for the demo's derived ports, bounded tries
        try:
            busy = socket.create_server(("127.0.0.1", port))
            break
        except OSError:
            continue
    assert busy is not None, "no free loopback port found in 21050–21250"
    said: list[str] = []
    with busy:
        config = load_config(env={"GOVOPS_WEB__PORT": str(port)})
        assert run(config, Path("app.py"), said.append, lambda _failed: False) == 2
    assert f"端口 {port} 已被占用" in said[-1]
