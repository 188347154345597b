"""Platform-service collection: CPU of the ``service_redis`` kind polling many targets, against Debian's
prometheus-redis-exporter scraping the same server.

    .venv/bin/python -m bench.services_bench --services 500 --rounds 3

Starts a private redis-server on loopback (the tests' helper, tests/collectors/redis_server.py: a password,
4 MiB maxmemory) and registers ``--services`` Redis services all pointing at it (each its own target and
counter history). Each round polls every target once through the scheduler's own bounded thread pool
(``--threads``, like ``[collectors] blocking_threads``). CPU is this process's (all threads: redis-py, our
rates and points). The peer, in the same run, is prometheus-redis-exporter in multi-target mode, scraped
``--services`` times per round at ``/scrape?target=…`` with the same concurrency; its CPU is the exporter
process's (the scraper's HTTP and text parsing, which a Prometheus server would pay on top, is reported apart).
Everything started here is stopped on the way out; every poll is bounded by ``service_timeout``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from collectors.base import CollectorContext
from collectors.kinds.service_redis import RedisServiceCollector
from core.clock import SystemClock
from db.hunan import seed_nodes
from db.migrate import upgrade
from db.models_services import Service
from db.session import make_engine, make_session_factory, transaction
from tests.collectors.redis_server import RedisServer, running_redis
from tests.collectors.sshd import free_port
from tests.collectors.support import make_config

EXPORTER = "prometheus-redis-exporter"


@contextlib.contextmanager
def running_exporter(server: RedisServer) -> Iterator[tuple[int, psutil.Process]]:
    """The exporter in multi-target mode on a free loopback port (its pid's CPU is measured)."""
    binary = shutil.which(EXPORTER)
    if binary is None:
        raise SystemExit(f"需要 {EXPORTER}（scripts/install-system-deps.sh 安装）")
    port = free_port()
    env = {**os.environ, "REDIS_PASSWORD": server.password}
    proc = subprocess.Popen([binary, "-web.listen-address", f"127.0.0.1:{port}", "-redis.addr", ""], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):  # bounded: it listens within moments
            with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1):
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


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--services", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    me = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="govops-svc-bench-") as tmp, running_redis(Path(tmp)) as server:
        url = f"sqlite:///{tmp}/registry.db"
        upgrade(url)
        sessions = make_session_factory(make_engine(url))
        secret = Path(tmp) / "secrets"
        secret.mkdir()
        (secret / "redis.pass").write_text(server.password + "\n", encoding="utf-8")
        with transaction(sessions) as s:
            seed_nodes(s)
            s.add_all([Service(name=f"cache-{i:04d}", kind="redis", address=server.address, node_code="430100",
                               credentials_ref="file:redis.pass", options={}) for i in range(args.services)])
        collector = RedisServiceCollector(CollectorContext(
            config=make_config(service_timeout=10.0, secrets_dir=str(secret)), sessions=sessions,
            clock=SystemClock()))
        targets = collector.targets()
        pool = ThreadPoolExecutor(max_workers=args.threads)

        def ours() -> int:
            results = list(pool.map(lambda t: list(collector.collect(t)), targets))
            return sum(1 for pts in results for p in pts if p.measurement == "service" and p.fields.get("up") == 1)

        print(f"Redis services: {len(targets)} targets on one private redis-server, {args.threads} threads")
        rows = []
        for i in range(1, args.rounds + 1):
            ok, wall, cpu = _timed(ours, me)
            rows.append(cpu)
            print(f"round {i}: {ok}/{len(targets)} up, wall {wall:.2f} s, our CPU {cpu:.2f} s "
                  f"({1000 * cpu / len(targets):.2f} ms / service)")
        with running_exporter(server) as (port, exporter):
            scrape = f"http://127.0.0.1:{port}/scrape?target=redis://{server.address}"

            def peer() -> int:
                def one(_i: int) -> int:
                    with urllib.request.urlopen(scrape, timeout=10) as r:
                        return int(b"redis_up 1" in r.read())
                return sum(pool.map(one, range(len(targets))))

            peer_rows = []
            for i in range(1, args.rounds + 1):
                c_me = _cpu(me)
                ok, wall, cpu = _timed(peer, exporter)
                scraper = _cpu(me) - c_me
                peer_rows.append(cpu)
                print(f"peer round {i}: {ok}/{len(targets)} redis_up, wall {wall:.2f} s, exporter CPU {cpu:.2f} s "
                      f"({1000 * cpu / len(targets):.2f} ms / scrape), scraper CPU {scraper:.2f} s")
        pool.shutdown()
        warm = min(rows[1:] or rows)
        print(f"ratio, CPU per collection (warm rounds, best): ours / exporter = "
              f"{warm / max(min(peer_rows[1:] or peer_rows), 1e-9):.2f}")


if __name__ == "__main__":
    main()
