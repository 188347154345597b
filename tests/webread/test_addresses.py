"""The SSRF policy's decisions (pure): what is internal, what registration and the allow-list open."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from core.config import ConfigError, FetchConfig, load_config
from webread.addresses import AddressPolicy, is_internal, parse_address, parse_networks


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.0.1.5", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.1.1", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd12:3456::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::", "64:ff9b::a00:1",  # IPv6 forms carrying an IPv4 one
])
def test_internal_addresses(address: str) -> None:
    assert is_internal(ipaddress.ip_address(address))
    assert AddressPolicy().refusal("x.example", address) == "internal"


@pytest.mark.parametrize("address", ["8.8.8.8", "59.51.78.210", "2400:3200::1", "64:ff9b::808:808"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not is_internal(ipaddress.ip_address(address))
    assert AddressPolicy().refusal("www.hunan.gov.cn", address) is None


@pytest.mark.parametrize("address", ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "::ffff:169.254.169.254"])
def test_metadata_addresses_are_always_refused(address: str) -> None:
    wide = AddressPolicy(block_internal=False, allow_networks=["169.254.0.0/16", "fd00::/8", "100.64.0.0/10"],
                         registered=[f"http://[{address}]/" if ":" in address else f"http://{address}/"])
    assert wide.refusal("metadata.internal", address) == "metadata"
    assert AddressPolicy.open().refusal("x", address) == "metadata"


def test_registered_hosts_and_addresses_are_allowed_at_any_port() -> None:
    p = AddressPolicy(registered=["http://127.0.1.5:18080/", "https://OA.Hunan.gov.cn./", "http://[::1]:8080/x",
                                  "not a url", ""])
    assert p.refusal("127.0.1.5", "127.0.1.5") is None
    assert p.refusal("127.0.1.6", "127.0.1.6") == "internal"  # the neighbour of a registered site is not one
    assert p.refusal("oa.hunan.gov.cn", "10.20.0.7") is None  # a registered name, whatever it resolves to
    assert p.refusal("OA.HUNAN.GOV.CN.", "10.20.0.7") is None
    assert p.refusal("other.hunan.gov.cn", "10.20.0.7") == "internal"
    assert p.refusal("::1", "::1") is None
    assert p.refusal("demo5.test", "127.0.1.5") is None  # a name resolving to a registered address
    assert p.registered_hosts == {"127.0.1.5", "oa.hunan.gov.cn", "::1"}
    p.register(["http://127.0.1.6/"])  # a registration replaces the previous one
    assert p.refusal("127.0.1.5", "127.0.1.5") == "internal" and p.refusal("127.0.1.6", "127.0.1.6") is None


def test_allow_list_and_switch() -> None:
    p = AddressPolicy(allow_networks=["10.43.0.0/16", "fd12::/16"])
    assert p.refusal("a", "10.43.9.9") is None and p.refusal("a", "::ffff:10.43.9.9") is None
    assert p.refusal("a", "10.44.0.1") == "internal" and p.refusal("a", "fd12::5") is None
    assert AddressPolicy(block_internal=False).refusal("a", "192.168.1.1") is None
    assert AddressPolicy().refusal("a", "not-an-ip") == "internal"


def test_parsing() -> None:
    assert parse_address("[::1]") == ipaddress.ip_address("::1")
    assert parse_address("fe80::1%eth0") == ipaddress.ip_address("fe80::1")
    assert parse_address("www.hunan.gov.cn") is None
    assert parse_networks(["10.0.0.0/8", "192.168.1.7"])[1] == ipaddress.ip_network("192.168.1.7/32")
    with pytest.raises(ValueError, match="intranet"):
        parse_networks(["intranet"])


def test_config_keys() -> None:
    cfg = load_config(env={"GOVOPS_FETCH__ALLOW_NETWORKS": "10.43.0.0/16, 192.168.20.0/24"})
    assert cfg.fetch.allow_networks == ("10.43.0.0/16", "192.168.20.0/24") and cfg.fetch.block_internal
    policy = AddressPolicy.from_config(cfg.fetch)
    assert policy.refusal("x", "192.168.20.9") is None and policy.refusal("x", "192.168.21.9") == "internal"
    assert load_config(env={}).fetch == FetchConfig()
    assert not load_config(env={"GOVOPS_FETCH__BLOCK_INTERNAL": "false"}).fetch.block_internal
    with pytest.raises(ConfigError, match=r"配置项 fetch\.allow_networks：应为 IP 网段.*而不是 'intranet'"):
        load_config(env={"GOVOPS_FETCH__ALLOW_NETWORKS": "10.0.0.0/8,intranet"})


def test_config_file_keys(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text('[fetch]\nallow_networks = ["10.43.0.0/16"]\n', encoding="utf-8")
    assert load_config(f, env={}).fetch.allow_networks == ("10.43.0.0/16",)
    f.write_text('[fetch]\nallow_networks = "10.43.0.0/16"\n', encoding="utf-8")  # a string reads as one entry
    assert load_config(f, env={}).fetch.allow_networks == ("10.43.0.0/16",)
    f.write_text("[fetch]\nallow_networks = [10]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"fetch\.allow_networks"):
        load_config(f, env={})
