"""Platform-service collection: CPU of our ``service_redis``, ``service_postgresql`` and ``service_nginx`` kinds
polling many targets, each against the Debian Prometheus exporter of that server doing the same in the same
run: prometheus-redis-exporter, prometheus-postgres-exporter, prometheus-nginx-exporter.

    .venv/bin/python -m bench.services_bench --services 500 --rounds 3
    .venv/bin/python -m bench.services_bench --kinds postgresql,nginx --services 200 --rounds 3

Per kind, ``--services`` services of that kind are registered, all pointing at one server on loopback (each
its own target and counter history): a private redis-server (the tests' helper, tests/collectors/
redis_server.py: a password read from a ``file:`` reference, 4 MiB maxmemory), the test PostgreSQL
(127.0.0.1:5432, db ``test``, trust auth), a private nginx with ``stub_status`` (tests/collectors/
nginx_server.py). Each round polls every target once with ``--threads`` at a time: the blocking kinds through
a thread pool like the scheduler's (``[collectors] blocking_threads``), nginx (async) on one event loop with
as many polls in flight. CPU is this process's (all threads).

The peer, in the same run, is the kind's exporter on a free loopback port, scraped ``--services`` times per
round with the same concurrency (each scrape is one collection of the server: the exporter queries it
then); its CPU is the exporter process's. The scraper's own HTTP and text parsing, which a Prometheus server
would pay on top, is reported apart. prometheus-redis-exporter runs in multi-target mode
(``/scrape?target=…``); the postgres (0.11) and nginx (0.11) exporters of Debian 12 have one target each, so
their ``/metrics`` is scraped. Everything started here is stopped on the way out; every poll and scrape is
bounded by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from collectors.base import CollectorContext
from collectors.kinds.service_nginx import NginxServiceCollector
from collectors.kinds.service_postgresql import PostgreSQLServiceCollector
from collectors.kinds.service_redis import RedisServiceCollector
from core.clock import SystemClock
from db.hunan import seed_nodes
from db.migrate import upgrade
from db.models_services import Service
from db.session import make_engine, make_session_factory, transaction
from tests.collectors.nginx_server import running_nginx
from tests.collectors.redis_server import running_redis
from tests.collectors.sshd import free_port
from tests.collectors.support import make_config

KINDS = ("redis", "postgresql", "nginx")
PG_ADDRESS = "127.0.0.1:5432"
PG_DB = "test"
SCRAPE_TIMEOUT_S = 10
MIN_CPU_S = 0.1  # ten clock ticks: below it a ratio is mostly rounding


@dataclass
class Case:
    """One kind's setup: how our services are registered and how its exporter runs and is scraped."""

    kind: str
    collector: type
    address: str
    exporter: str
    argv: Callable[[int], list[str]]  # the exporter's arguments for its listen port
    scrape: Callable[[int], str]  # the URL one collection scrapes, for its port
    up: bytes  # the exporter's line saying the server answered
    env: dict[str, str] = field(default_factory=dict)
    credentials_ref: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    secrets_dir: str = ""


@contextlib.contextmanager
def case_for(kind: str, tmp: Path) -> Iterator[Case]:
    """The kind's server (started here when private) and its case."""
    if kind == "redis":
        with running_redis(tmp) as server:
            secrets = tmp / "secrets"
            secrets.mkdir(exist_ok=True)
            (secrets / "redis.pass").write_text(server.password + "\n", encoding="utf-8")
            yield Case("redis", RedisServiceCollector, server.address, "prometheus-redis-exporter",
                       lambda port: ["-web.listen-address", f"127.0.0.1:{port}", "-redis.addr", ""],
                       lambda port: f"http://127.0.0.1:{port}/scrape?target=redis://{server.address}",
                       b"redis_up 1", env={"REDIS_PASSWORD": server.password}, credentials_ref="file:redis.pass",
                       secrets_dir=str(secrets))
    elif kind == "postgresql":
        yield Case("postgresql", PostgreSQLServiceCollector, PG_ADDRESS, "prometheus-postgres-exporter",
                   lambda port: [f"--web.listen-address=127.0.0.1:{port}"],
                   lambda port: f"http://127.0.0.1:{port}/metrics", b"pg_up 1",
                   env={"DATA_SOURCE_NAME": f"postgresql://postgres@{PG_ADDRESS}/{PG_DB}?sslmode=disable"},
                   options={"dbname": PG_DB})
    elif kind == "nginx":
        with running_nginx(tmp) as nginx:
            yield Case("nginx", NginxServiceCollector, nginx.status_url, "prometheus-nginx-exporter",
                       lambda port: ["-nginx.scrape-uri", nginx.status_url, "-web.listen-address",
                                     f"127.0.0.1:{port}"],
                       lambda port: f"http://127.0.0.1:{port}/metrics", b"nginx_up 1")
    else:
        raise SystemExit(f"未知的服务类型 {kind}（可选：{'、'.join(KINDS)}）")


@contextlib.contextmanager
def running_exporter(case: Case) -> Iterator[tuple[int, psutil.Process]]:
    """The kind's exporter on a free loopback port (its pid's CPU is measured), answering before it yields."""
    binary = shutil.which(case.exporter)
    if binary is None:
        raise SystemExit(f"需要 {case.exporter}（scripts/install-system-deps.sh 安装）")
    port = free_port()
    proc = subprocess.Popen([binary, *case.argv(port)], env={**os.environ, **case.env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):  # bounded: it listens within moments
            with contextlib.suppress(OSError), urllib.request.urlopen(case.scrape(port), timeout=1):
                break
            time.sleep(0.05)
        yield port, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _cpu(p: psutil.Process) -> float:
    t = p.cpu_times()
    return float(t.user + t.system)


def _timed(work: Callable[[], int], measured: psutil.Process) -> tuple[int, float, float]:
    c0, w0 = _cpu(measured), time.monotonic()
    ok = work()
    return ok, time.monotonic() - w0, _cpu(measured) - c0


def _up(points: list[Any]) -> int:
    return sum(1 for p in points if p.measurement == "service" and p.fields.get("up") == 1)


def bench_kind(case: Case, tmp: Path, n: int, rounds: int, threads: int) -> float | None:
    """Print the rounds of ours and the exporter's for one kind; returns the ratio of CPU per collection
    (best warm round each, ours / exporter), None when either side's CPU is too small to be measured (the
    kernel counts CPU time in 10 ms ticks: raise ``--services``)."""
    me = psutil.Process()
    url = f"sqlite:///{tmp}/registry-{case.kind}.db"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as s:
        seed_nodes(s)
        s.add_all([Service(name=f"{case.kind}-{i:04d}", kind=case.kind, address=case.address, node_code="430100",
                           credentials_ref=case.credentials_ref, options=dict(case.options)) for i in range(n)])
    config = make_config(service_timeout=10.0, secrets_dir=case.secrets_dir or str(tmp))
    collector = case.collector(CollectorContext(config=config, sessions=sessions, clock=SystemClock()))
    targets = collector.targets()
    pool = ThreadPoolExecutor(max_workers=threads)
    loop = asyncio.new_event_loop()
    is_async = inspect.iscoroutinefunction(collector.collect)

    async def poll_async() -> int:
        gate = asyncio.Semaphore(threads)

        async def one(t: Any) -> list[Any]:
            async with gate:
                return list(await collector.collect(t))
        return sum(_up(pts) for pts in await asyncio.gather(*(one(t) for t in targets)))

    def ours() -> int:
        if is_async:
            return loop.run_until_complete(poll_async())
        return sum(_up(pts) for pts in pool.map(lambda t: list(collector.collect(t)), targets))

    print(f"\n== {case.kind}: {len(targets)} targets on one server, {threads} at a time "
          f"({'one event loop' if is_async else 'thread pool'})")
    rows = []
    try:
        for i in range(1, rounds + 1):
            ok, wall, cpu = _timed(ours, me)
            rows.append(cpu)
            print(f"round {i}: {ok}/{len(targets)} up, wall {wall:.2f} s, our CPU {cpu:.2f} s "
                  f"({1000 * cpu / len(targets):.2f} ms / service)")
        if is_async:
            loop.run_until_complete(collector.aclose())
        with running_exporter(case) as (port, exporter):
            scrape = case.scrape(port)

            def peer() -> int:
                def one(_i: int) -> int:
                    with urllib.request.urlopen(scrape, timeout=SCRAPE_TIMEOUT_S) as r:
                        return int(case.up in r.read())
                return sum(pool.map(one, range(len(targets))))

            peer_rows = []
            for i in range(1, rounds + 1):
                c_me = _cpu(me)
                ok, wall, cpu = _timed(peer, exporter)
                scraper = _cpu(me) - c_me
                peer_rows.append(cpu)
                print(f"peer round {i}: {ok}/{len(targets)} {case.up.decode().split()[0]}, wall {wall:.2f} s, "
                      f"{case.exporter} CPU {cpu:.2f} s ({1000 * cpu / len(targets):.2f} ms / scrape), "
                      f"scraper CPU {scraper:.2f} s")
    finally:
        pool.shutdown()
        loop.close()
        engine.dispose()
    ours_best, peer_best = min(rows[1:] or rows), min(peer_rows[1:] or peer_rows)
    if min(ours_best, peer_best) < MIN_CPU_S:
        print(f"{case.kind} ratio: not given, a round's CPU is under {MIN_CPU_S} s (raise --services)")
        return None
    ratio = ours_best / peer_best
    print(f"{case.kind} ratio, CPU per collection (warm rounds, best): ours / {case.exporter} = {ratio:.2f}")
    return ratio


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--services", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    args = ap.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    ratios: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="govops-svc-bench-") as tmp:
        for kind in kinds:
            with case_for(kind, Path(tmp)) as case:
                ratios[kind] = bench_kind(case, Path(tmp), args.services, args.rounds, args.threads)
    print("\nsummary, CPU per collection, ours / exporter: " +
          ", ".join(f"{k} {r:.2f}" if r is not None else f"{k} n/a" for k, r in ratios.items()))


if __name__ == "__main__":
    main()
