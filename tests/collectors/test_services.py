"""The shared part of the platform-service kinds: credentials references, addresses, counter rates, targets."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.service_tcp import TCPServiceCollector
from collectors.services import (
    CounterRates,
    LoopSession,
    ServiceFailure,
    check_address,
    check_ref,
    counter_rates,
    resolve_secret,
    split_host_port,
)
from core.clock import SystemClock
from core.config import NodeConfig
from db.session import transaction
from tests.collectors.services_support import add_service
from tests.collectors.support import make_config, seed_registry


def test_a_counter_gives_a_rate_from_the_second_sample_on() -> None:
    assert counter_rates(None, {"a": 10.0}, 100.0) == {}  # first sample: no rate
    assert counter_rates((100.0, {"a": 10.0}), {"a": 40.0}, 110.0) == {"a": 3.0}
    assert counter_rates((100.0, {"a": 10.0}), {"a": 40.0}, 100.0) == {}  # no time passed
    assert counter_rates((110.0, {"a": 10.0}), {"a": 40.0}, 100.0) == {}  # the clock went back


def test_a_counter_reset_gives_no_rate_never_a_negative_one() -> None:
    assert counter_rates((0.0, {"a": 500.0, "b": 1.0}), {"a": 3.0, "b": 5.0}, 2.0) == {"b": 2.0}
    assert counter_rates((0.0, {"a": 1.0}), {"new": 5.0}, 2.0) == {}  # a counter not seen before


def test_counter_rates_keep_the_previous_values_per_target() -> None:
    r = CounterRates()
    assert r.update("db1", {"q": 100.0}, 0.0) == {}
    assert r.update("db2", {"q": 7.0}, 0.0) == {}
    assert r.update("db1", {"q": 160.0}, 30.0) == {"q": 2.0}
    assert r.update("db1", {"q": 10.0}, 60.0) == {}  # restarted
    assert r.update("db1", {"q": 40.0}, 90.0) == {"q": 1.0}  # and counting again from the reset value
    assert r.update("db2", {"q": 7.0}, 10.0) == {"q": 0.0}


@pytest.mark.parametrize("ref", ["env:PG_PASSWORD", "file:cms-db.pass", "env:_X1"])
def test_credentials_references_are_accepted(ref: str) -> None:
    assert check_ref(ref) == ref


@pytest.mark.parametrize(("ref", "words"), [
    ("s3cret!", "不接受明文密码"), ("password=abc", "不接受明文密码"), ("env:", "不接受明文密码"),
    ("env:1ABC", "环境变量名"), ("env:A-B", "环境变量名"),
    ("file:../etc/shadow", "路径分隔符"), ("file:a/b", "路径分隔符"), ("file:..", "路径分隔符"),
])
def test_a_literal_secret_or_a_bad_reference_is_refused(ref: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        check_ref(ref)


def test_secrets_resolve_from_the_environment_or_the_secrets_directory(tmp_path: Path) -> None:
    (tmp_path / "db.pass").write_text("pa ss\nignored\n", encoding="utf-8")
    assert resolve_secret("s", None, str(tmp_path)) is None
    assert resolve_secret("s", "env:DB_PASS", str(tmp_path), env={"DB_PASS": "x"}) == "x"
    assert resolve_secret("s", "file:db.pass", str(tmp_path)) == "pa ss"
    with pytest.raises(ServiceFailure, match="环境变量 NOPE 未设置") as missing:
        resolve_secret("cms-db", "env:NOPE", str(tmp_path), env={})
    assert missing.value.code == "config" and "cms-db" in missing.value.reason
    with pytest.raises(ServiceFailure, match="无法读取"):
        resolve_secret("cms-db", "file:absent", str(tmp_path))
    with pytest.raises(ServiceFailure, match="明文"):
        resolve_secret("cms-db", "hunter2", str(tmp_path))


def test_addresses_per_kind() -> None:
    assert split_host_port("db.example:5433") == ("db.example", 5433)
    assert split_host_port("10.0.0.5", 6379) == ("10.0.0.5", 6379)
    assert split_host_port("[::1]:6380") == ("::1", 6380)
    assert check_address("postgresql", "10.1.2.3") == "10.1.2.3"
    assert check_address("http", "https://cms.example/health") == "https://cms.example/health"
    for kind, bad, words in [("tcp", "10.0.0.1", "主机:端口"), ("mysql", "10.0.0.1:0", "主机:端口"),
                             ("redis", "h:99999", "主机:端口"), ("redis", "a b:1", "主机:端口"),
                             ("nginx", "127.0.0.1:80", "http://"), ("http", "ftp://x/", "http://"),
                             ("http", "http://x:bad/", "端口"), ("oracle", "h:1", "服务类型")]:
        with pytest.raises(ValueError, match=words):
            check_address(kind, bad)


def test_targets_are_the_enabled_services_of_the_kind_this_node_serves(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        seed_registry(s, {})
        add_service(s, "es-search", "tcp", "127.0.0.1:9200", node="430102")
        add_service(s, "mq", "tcp", "127.0.0.1:5672", node="430000")
        add_service(s, "off", "tcp", "127.0.0.1:1", node="430100", enabled=False)
        add_service(s, "cache", "redis", "127.0.0.1:6379", node="430100")
        mirrored = add_service(s, "mirror", "tcp", "127.0.0.1:2", node="430100")
        mirrored.origin_node = "430100"
    city = replace(make_config(node_code="430100"), node=NodeConfig(code="430100", role="city"))
    ctx = CollectorContext(config=city, sessions=sessions, clock=SystemClock())
    (t,) = TCPServiceCollector(ctx).targets()
    assert t.key == "es-search"
    assert dict(t.labels) == {"service": "es-search", "kind": "tcp", "node": "430102", "city": "430100"}
    allinone = CollectorContext(config=make_config(), sessions=sessions, clock=SystemClock())
    assert [t.key for t in TCPServiceCollector(allinone).targets()] == ["es-search", "mq"]


def test_failure_details_are_said_in_chinese_where_the_cause_is_known() -> None:
    import errno

    from collectors.services import detail_zh

    assert detail_zh(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")) == "连接被拒绝"
    assert detail_zh(RuntimeError('connection to server at "127.0.0.1", port 1 failed: Connection refused')) \
        == "连接被拒绝（服务未在该端口提供服务）"
    assert detail_zh(RuntimeError("(1045, \"Access denied for user 'x'@'localhost'\")")).startswith("用户名或密码错误")
    assert detail_zh(RuntimeError("something new")) == "something new"  # the driver's own words otherwise


def test_one_http_session_per_event_loop_made_lazily_and_closed_in_its_loop() -> None:
    timeouts = iter([3.0, 7.0])
    http = LoopSession(lambda: next(timeouts), {"User-Agent": "GovOps-Test"})

    async def first() -> aiohttp.ClientSession:
        a = http.session()
        assert http.session() is a  # the same loop: the same session
        assert a.timeout.total == 3.0 and a.headers["User-Agent"] == "GovOps-Test"
        return a

    a = asyncio.run(first())  # that loop ends without aclose: its session goes with it

    async def second() -> None:
        b = http.session()
        assert b is not a and b.timeout.total == 7.0  # a new loop: a new session, the timeout read again
        await http.aclose()
        assert b.closed

    asyncio.run(second())
    with pytest.raises(RuntimeError):  # outside a running loop there is no session to give
        http.session()
