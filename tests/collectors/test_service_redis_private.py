"""The Redis kind against a private redis-server started here: password from the environment, a wrong or
missing one refused, memory against maxmemory, evictions as a rate, and a failed save as a persistence error."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import CollectorContext
from collectors.kinds.service_redis import RedisServiceCollector
from core.clock import FixedClock
from db.session import transaction
from tests.collectors.redis_server import running_redis
from tests.collectors.services_support import add_service
from tests.collectors.support import make_config, seed_registry

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _poll(collector: RedisServiceCollector) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for t in collector.targets():
        for p in collector.collect(t):
            out.setdefault(t.key, {})[p.measurement] = {**p.fields, "_tags": dict(p.tags)}
    return out


def test_private_redis_auth_memory_evictions_and_persistence(sessions: sessionmaker[Session], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with running_redis(tmp_path) as server:
        monkeypatch.setenv("GOVOPS_TEST_REDIS_PW", server.password)
        monkeypatch.setenv("GOVOPS_TEST_REDIS_WRONG", "nope")
        with transaction(sessions) as s:
            seed_registry(s, {})
            add_service(s, "cache", "redis", server.address, credentials_ref="env:GOVOPS_TEST_REDIS_PW")
            add_service(s, "cache-wrong", "redis", server.address, credentials_ref="env:GOVOPS_TEST_REDIS_WRONG")
            add_service(s, "cache-nopw", "redis", server.address)
        clock = FixedClock(T0)
        collector = RedisServiceCollector(CollectorContext(config=make_config(service_timeout=5.0),
                                                           sessions=sessions, clock=clock))
        first = _poll(collector)
        rd = first["cache"]["service_redis"]
        assert first["cache"]["service"]["up"] == 1 and rd["maxmemory_bytes"] == 4 * 1024 * 1024
        assert 0 < rd["memory_percent"] < 100 and rd["persistence_errors"] == 0 and "evictions_per_s" not in rd
        for name in ("cache-wrong", "cache-nopw"):
            svc = first[name]["service"]
            assert svc["up"] == 0 and svc["_tags"]["error"] == "auth", svc
            assert "用户名或密码错误" in svc["_tags"]["reason"] or "未登记凭据引用" in svc["_tags"]["reason"]
        client = redis.Redis(host="127.0.0.1", port=server.port, password=server.password)
        try:
            blob = b"x" * 10_000
            for i in range(1000):  # 10 MB into a 4 MB cache: keys are evicted
                client.set(f"k{i}", blob)
            clock.advance(10)
            second = _poll(collector)["cache"]["service_redis"]
            assert second["evictions_per_s"] > 0 and second["memory_percent"] > 50
            gone = server.directory / "gone"
            gone.mkdir()
            client.config_set("dir", str(gone))
            shutil.rmtree(gone)  # the save cannot write its file
            client.bgsave()
            for _ in range(200):  # bounded: the forked save ends within moments
                if client.info("persistence")["rdb_bgsave_in_progress"] == 0:
                    break
                time.sleep(0.05)
            clock.advance(10)
            third = _poll(collector)["cache"]["service_redis"]
            assert third["persistence_errors"] == 1
        finally:
            client.close()
