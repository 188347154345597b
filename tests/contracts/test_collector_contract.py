"""One contract over every registered collector kind: a new kind is tested by being registered.

Each kind is built against a real migrated registry seeded by its harness entry (:data:`HARNESS`: one site served
by a real loopback HTTP server, this machine as a local host, a remote host served by a real OpenSSH daemon on
loopback, or a platform service: the test PostgreSQL, MariaDB and Redis, a private nginx, loopback HTTP and TCP);
every target is collected for real, and everything a kind emits must be declared beside it with a Chinese label. A
registered kind without a harness entry fails ``test_every_kind_has_a_harness``. The inspection kinds are derived
from the checks' schedule groups (one per group, ``collectors/kinds/inspection.py``): they run here on the site
world, and each of their checks has its own harness in ``test_check_contract.py``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy.orm import Session, sessionmaker

from collectors.base import Collector, CollectorContext, Target
from collectors.loader import load_kinds
from core.clock import SystemClock
from db.hosts import ensure_local_host
from db.models import Host, HostRole, NewMediaAccount, Platform
from db.session import transaction
from inspection.catalog import check_groups
from tests.collectors.nginx_server import running_nginx
from tests.collectors.services_support import MYSQL_ADDRESS, PG_ADDRESS, REDIS_ADDRESS, add_service
from tests.collectors.sshd import running_sshd
from tests.collectors.support import make_config, seed_registry, serve
from tsdb.catalogue import CATALOGUE
from tsdb.point import Point

KINDS = load_kinds()
SITE = "P4300000001"


# A world seeds the registry, starts any server it needs on the stack (stopped after collection) and
# returns the [collectors] settings its kind needs beside the defaults.
World = Callable[[Session, str, ExitStack, Path], dict[str, Any]]


def _site_world(session: Session, base: str, _stack: ExitStack, _tmp: Path) -> dict[str, Any]:
    seed_registry(session, {SITE: base + "/"})
    return {}


def _host_world(session: Session, _base: str, _stack: ExitStack, _tmp: Path) -> dict[str, Any]:
    seed_registry(session, {})
    ensure_local_host(session, "430000")
    return {}


def _ssh_world(session: Session, _base: str, stack: ExitStack, tmp: Path) -> dict[str, Any]:
    seed_registry(session, {})
    sshd = stack.enter_context(running_sshd(tmp))
    session.add(Host(name="remote-web", address="127.0.0.1", node_code="430100", role=HostRole.WEB, local=False,
                     ssh_port=sshd.port, ssh_user=sshd.user, ssh_key_path=str(sshd.user_key), enabled=True))
    (tmp / "known_hosts").write_text(sshd.known_hosts_line())
    return {"ssh_known_hosts": str(tmp / "known_hosts"), "ssh_connect_timeout": 5.0}


def _service_world(kind: str, address: str, **options: Any) -> World:
    """One service of ``kind`` at ``address`` (the test database servers on loopback)."""

    def world(session: Session, _base: str, _stack: ExitStack, _tmp: Path) -> dict[str, Any]:
        seed_registry(session, {})
        add_service(session, f"test-{kind}", kind, address, **options)
        return {"service_timeout": 5.0}

    return world


def _http_service_world(session: Session, base: str, _stack: ExitStack, _tmp: Path) -> dict[str, Any]:
    seed_registry(session, {})
    add_service(session, "test-http", "http", base + "/")
    add_service(session, "test-tcp", "tcp", base.removeprefix("http://"))
    return {"service_timeout": 5.0}


def _nginx_world(session: Session, _base: str, stack: ExitStack, tmp: Path) -> dict[str, Any]:
    seed_registry(session, {})
    nginx = stack.enter_context(running_nginx(tmp))
    add_service(session, "test-nginx", "nginx", nginx.status_url, access_log=str(nginx.access_log))
    return {"service_timeout": 5.0}


def _media_world(session: Session, _base: str, stack: ExitStack, tmp: Path) -> dict[str, Any]:
    """A WeChat account on the loopback stand-in of its API; its credential a file reference."""
    from demo.media_platforms import FakePlatforms
    from tests.newmedia.support import CREDENTIALS, IDS, fake

    seed_registry(session, {})
    (tmp / "wechat.secret").write_text(CREDENTIALS["wechat"], encoding="utf-8")
    session.add(NewMediaAccount(platform=Platform.WECHAT, account_id=IDS["wechat"], name="湖南发布",
                                node_code="430000", enabled=True, credential_ref=f"file:{tmp / 'wechat.secret'}"))
    base = stack.enter_context(FakePlatforms([fake("wechat")]).serve())
    return {"newmedia": {"wechat_api": base}}


def _media_rules_world(session: Session, _base: str, _stack: ExitStack, _tmp: Path) -> dict[str, Any]:
    """A statistics-fed 微博 account (no credential) whose state is known: the rules judge it."""
    from datetime import UTC, datetime, timedelta

    from db.models_media import NewMediaState

    seed_registry(session, {})
    account = NewMediaAccount(platform=Platform.WEIBO, account_id="5900000101", name="长沙发布",
                              node_code="430100", enabled=True)
    session.add(account)
    session.flush()
    now = datetime.now(UTC)
    session.add(NewMediaState(account_id=account.id, collected_at=now, source="stats_import",
                              last_post_at=now - timedelta(days=20), interaction_open=True, interaction_at=now))
    return {}


# kind → what its registry holds; a new kind adds its entry (and, if it reads something new, its world)
HARNESS: dict[str, World] = {
    "site_probe": _site_world, "host": _host_world, "ssh_host": _ssh_world,
    "service_postgresql": _service_world("postgresql", PG_ADDRESS, dbname="test"),
    "service_mysql": _service_world("mysql", MYSQL_ADDRESS),
    "service_redis": _service_world("redis", REDIS_ADDRESS),
    "service_http": _http_service_world, "service_tcp": _http_service_world,
    "service_nginx": _nginx_world, "new_media": _media_world,
    "new_media_rules": _media_rules_world, "scoring": _site_world,
}
INSPECTION_KINDS = {f"inspection_{group}" for group in check_groups()}  # checks: test_check_contract.py


def _world(name: str) -> World:
    world = HARNESS.get(name) or (_site_world if name in INSPECTION_KINDS else None)
    assert world is not None, f"collector kind {name} has no harness in tests/contracts/test_collector_contract.py"
    return world


def _page() -> web.Application:
    app = web.Application()

    async def home(_request: web.Request) -> web.Response:
        return web.Response(text="<html><body>湖南省人民政府</body></html>", content_type="text/html")

    app.router.add_get("/", home)
    return app


async def _collect_all(kind: type, sessions: sessionmaker[Session],
                       tmp: Path) -> tuple[Collector, list[Target], list[Point]]:
    async with serve(_page()) as base:
        with ExitStack() as stack:
            with transaction(sessions) as s:
                settings = _world(kind.name)(s, base, stack, tmp)  # type: ignore[attr-defined]
            config = make_config(probe_timeout=5.0, **{k: v for k, v in settings.items() if k != "newmedia"})
            if "newmedia" in settings:
                config = dataclasses.replace(config, newmedia=dataclasses.replace(config.newmedia,
                                                                                  **settings["newmedia"]))
            collector: Any = kind(CollectorContext(config=config,
                                                   sessions=sessions, clock=SystemClock()))
            try:
                targets = collector.targets()
                points: list[Point] = []
                for t in targets:
                    result = collector.collect(t)
                    if inspect.isawaitable(result):
                        result = await result
                    points.extend(result)
                return collector, targets, points
            finally:
                aclose = getattr(collector, "aclose", None)
                if aclose is not None:
                    await aclose()


def test_every_kind_has_a_harness() -> None:
    """A new collector kind is not done until it collects here like the others."""
    assert not set(HARNESS) & INSPECTION_KINDS
    assert sorted(KINDS) == sorted({*HARNESS, *INSPECTION_KINDS}), (
        f"kinds without a harness: {sorted(set(KINDS) - set(HARNESS) - INSPECTION_KINDS)}; "
        f"harness entries of no kind: {sorted(set(HARNESS) - set(KINDS))}")


@pytest.mark.parametrize("name", KINDS)
def test_collector_contract(name: str, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    from collectors.base import COLLECTORS

    kind = COLLECTORS.get(name)
    assert kind.name == name
    assert isinstance(kind.blocking, bool)
    assert kind.metrics, f"{name} declares no metrics"
    for spec in kind.metrics:
        assert CATALOGUE.metric(spec.measurement, spec.field) == spec
        assert CATALOGUE.measurement_label(spec.measurement), f"{spec.measurement} has no declared Chinese name"
        assert spec.label_zh and any("\u4e00" <= ch <= "\u9fff" for ch in spec.label_zh), spec

    collector, targets, points = asyncio.run(_collect_all(kind, sessions, tmp_path))
    assert isinstance(collector, Collector)
    assert collector.interval > 0 and collector.timeout > 0
    assert targets and all(isinstance(t, Target) for t in targets)
    assert len({t.key for t in targets}) == len(targets), "target keys must be unique"
    assert points, f"{name} collected nothing from a healthy registry"
    declared = {(s.measurement, s.field) for s in kind.metrics}
    for p in points:
        assert isinstance(p, Point)
        undeclared = {(p.measurement, f) for f in p.fields} - declared
        assert not undeclared, f"{name} emits undeclared metrics {sorted(undeclared)}"
        text = {f: v for f, v in p.fields.items() if not isinstance(v, int | float)}
        assert not text, f"{name} emits non-numeric values {text}: text goes in a tag (tsdb.catalogue.TextSpec)"
        assert all(isinstance(v, str) and v for v in p.tags.values()), p.tags


@pytest.mark.parametrize("name", KINDS)
def test_each_kind_declares_a_chinese_label(name: str) -> None:
    """Screens and alert texts name a collector by its label (采集器 栏目更新巡检), never by its code."""
    from collectors.base import COLLECTORS, collector_label

    label = getattr(COLLECTORS.get(name), "label_zh", "")
    assert label and any("\u4e00" <= ch <= "\u9fff" for ch in label) and label.isascii() is False, name
    assert collector_label(name) == label and collector_label("no_such_kind") == "no_such_kind"
    assert len({collector_label(k) for k in KINDS}) == len(KINDS)  # one name per kind
