"""SSH host collection over loopback: time and CPU of ``ssh_host`` polls, against the local psutil collector.

    .venv/bin/python -m bench.ssh_bench --hosts 100 --daemons 2 --rounds 3

Starts ``--daemons`` real OpenSSH daemons on loopback (the tests' helper, tests/collectors/sshd.py: generated
host and user keys) and registers ``--hosts`` logical remote hosts spread over them (each its own pooled
connection). Round 1 is cold (TCP + SSH handshake + key authentication + poll); later rounds reuse the
pooled connections. CPU is this process's (all threads: paramiko's crypto and our parsing) and, separately,
the daemons' (sshd and the remote shells). The peer, measured in the same run, is the local psutil host
collector reading this machine once per logical host (warm: it has its previous sample). Everything started
here is stopped on the way out; each round is bounded by the collector's own timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from collectors.base import CollectorContext, Target
from collectors.kinds.host import HostCollector
from collectors.kinds.ssh_host import SSHHostCollector
from core.clock import SystemClock
from db.hunan import seed_nodes
from db.migrate import upgrade
from db.models import Host, HostRole
from db.session import make_engine, make_session_factory, transaction
from tests.collectors.sshd import SSHD, running_sshd
from tests.collectors.support import make_config


def _daemon_cpu(daemons: list[SSHD]) -> float:
    total = 0.0
    for d in daemons:
        if d.proc is None:
            continue
        with contextlib.suppress(psutil.NoSuchProcess):
            root = psutil.Process(d.proc.pid)
            for p in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    t = p.cpu_times()
                    total += t.user + t.system + t.children_user + t.children_system
    return total


async def _round(collector: Any, targets: list[Target]) -> tuple[float, float, int]:
    cpu0, t0 = time.process_time(), time.perf_counter()
    results = await asyncio.gather(*(collector.collect(t) for t in targets))
    ok = sum(any(p.measurement == "ssh_host" and p.fields.get("up") == 1 for p in pts) for pts in results)
    return time.perf_counter() - t0, time.process_time() - cpu0, ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hosts", type=int, default=100)
    ap.add_argument("--daemons", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=16, help="[collectors] ssh_max_concurrency")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="govops-sshbench-") as tmp_name, contextlib.ExitStack() as stack:
        tmp = Path(tmp_name)
        first = stack.enter_context(running_sshd(tmp))
        daemons = [first] + [stack.enter_context(running_sshd(tmp, user_key=first.user_key))
                             for _ in range(args.daemons - 1)]
        (tmp / "known_hosts").write_text("".join(d.known_hosts_line() for d in daemons))
        url = f"sqlite:///{tmp / 'registry.db'}"
        upgrade(url)
        sessions = make_session_factory(make_engine(url))
        with transaction(sessions) as s:
            seed_nodes(s)
            for i in range(args.hosts):
                d = daemons[i % len(daemons)]
                s.add(Host(name=f"bench-{i:04d}", address="127.0.0.1", node_code="430100", role=HostRole.WEB,
                           local=False, ssh_port=d.port, ssh_user=d.user, ssh_key_path=str(d.user_key)))
        config = make_config(ssh_known_hosts=str(tmp / "known_hosts"), ssh_max_concurrency=args.concurrency,
                             ssh_pool_size=args.hosts, ssh_connect_timeout=10.0, ssh_command_timeout=20.0)
        ctx = CollectorContext(config=config, sessions=sessions, clock=SystemClock())
        ssh = SSHHostCollector(ctx)
        targets = ssh.targets()

        async def run_ssh() -> list[tuple[float, float, int, float]]:
            out = []
            try:
                for _ in range(args.rounds):
                    d0 = _daemon_cpu(daemons)
                    wall, cpu, ok = await _round(ssh, targets)
                    out.append((wall, cpu, ok, _daemon_cpu(daemons) - d0))
            finally:
                await ssh.aclose()
            return out

        rounds = asyncio.run(run_ssh())
        local = HostCollector(ctx)
        local_targets = [Target(key=t.key, labels=t.labels) for t in targets]
        for t in local_targets:  # warm: every target has its previous sample (no first-run CPU window)
            list(local.collect(t))
        cpu0, t0 = time.process_time(), time.perf_counter()
        for t in local_targets:
            list(local.collect(t))
        local_wall, local_cpu = time.perf_counter() - t0, time.process_time() - cpu0

    print(f"SSH hosts: {args.hosts} logical hosts on {args.daemons} sshd, concurrency {args.concurrency}, "
          f"connections opened {ssh.pool.connects}")
    for i, (wall, cpu, ok, dcpu) in enumerate(rounds, 1):
        kind = "cold (connect + poll)" if i == 1 else "warm (pooled)"
        print(f"round {i} {kind}: {ok}/{args.hosts} ok, wall {wall:.2f} s, our CPU {cpu:.2f} s "
              f"({1000 * cpu / args.hosts:.1f} ms/host), sshd side CPU {dcpu:.2f} s")
    print(f"peer, local psutil collector x{args.hosts} (warm): wall {local_wall:.2f} s, CPU {local_cpu:.2f} s "
          f"({1000 * local_cpu / args.hosts:.1f} ms/host)")
    warm = [r for r in rounds[1:]] or rounds
    warm_cpu = sum(r[1] for r in warm) / len(warm)
    print(f"ratio, our CPU per host: SSH warm / local psutil = {warm_cpu / max(local_cpu, 1e-9):.1f}; "
          f"SSH cold / local psutil = {rounds[0][1] / max(local_cpu, 1e-9):.1f}")


if __name__ == "__main__":
    main()
