"""Site-probe throughput and CPU cost, ours against prometheus-blackbox-exporter, on loopback.

    .venv/bin/python -m bench.probe_bench --targets 200 --probes 2000

A child process serves ``--targets`` loopback HTTP servers (one port each) with a
~60 KB Chinese government homepage. Phase 1 runs our :func:`webread.probe.probe`
(fresh connection per probe, as the collector does) in this process and measures
this process's CPU. Phase 2 drives the same probes through blackbox_exporter's
``/probe`` endpoint at the same concurrency and measures the exporter process's
CPU (not the driver's). Prints probes/s, CPU-seconds per 1,000 probes and the
ratio of probes per CPU-second (ours / blackbox). Every phase is bounded in time;
everything started here is stopped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
import psutil

from webread.addresses import AddressPolicy
from webread.probe import ProbeConnector, probe

BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
COLUMNS = ("要闻动态", "通知公告", "政策文件", "政策解读", "人事信息", "规划计划", "政务咨询", "专题专栏")
PHRASES = ("省政府常务会议研究部署", "全省优化营商环境工作推进会召开", "关于印发实施方案的通知",
           "十四五规划重点项目建设进展", "政务服务“一件事一次办”改革", "乡村振兴重点帮扶县工作调度",
           "公共资源交易平台运行情况通报", "防汛抗旱工作部署", "湘江保护和治理第一号总河长令")


def homepage(seed: int = 20261127, target_bytes: int = 60_000) -> bytes:
    """A deterministic, realistic government homepage of about ``target_bytes`` bytes (UTF-8)."""
    rng = random.Random(seed)
    head = ("<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
            "<title>湖南省人民政府门户网站</title><link rel='stylesheet' href='/css/main.css'>"
            "<script src='/js/jquery.min.js'></script></head><body><div class='top'><div class='logo'>"
            "<img src='/images/logo.png' alt='湖南省人民政府'></div><ul class='nav'>"
            + "".join(f"<li><a href='/col/{i}/'>{c}</a></li>" for i, c in enumerate(COLUMNS)) + "</ul></div>")
    parts = [head]
    size = len(head.encode())
    n = 0
    while size < target_bytes - 600:
        col = COLUMNS[n % len(COLUMNS)]
        items = "".join(
            f"<li><a href='/col/{n % len(COLUMNS)}/2026{rng.randint(1, 11):02d}/t{rng.randint(10**6, 10**7)}.html' "
            f"target='_blank' title='{rng.choice(PHRASES)}'>{rng.choice(PHRASES)}</a>"
            f"<span class='date'>2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}</span></li>"
            for _ in range(12))
        block = f"<div class='box'><h2>{col}</h2><ul class='list'>{items}</ul></div>"
        parts.append(block)
        size += len(block.encode())
        n += 1
    parts.append("<div class='footer'><p>主办：湖南省人民政府办公厅 承办：湖南省电子政务中心</p>"
                 "<p>网站标识码：4300000001 湘ICP备05001255号 湘公网安备43010502000176号</p></div></body></html>")
    return "".join(parts).encode()


def _serve(n: int, page: bytes, conn: Connection) -> None:
    """Child process: ``n`` aiohttp servers on 127.0.0.1; sends their ports, serves until the pipe closes."""
    from aiohttp import web

    async def main() -> None:
        async def home(_r: web.Request) -> web.Response:
            return web.Response(body=page, content_type="text/html", charset="utf-8")

        app = web.Application()
        app.router.add_get("/", home)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        ports = []
        for _ in range(n):
            site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
            await site.start()
            ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        conn.send(ports)
        loop = asyncio.get_running_loop()
        closed = asyncio.Event()
        loop.add_reader(conn.fileno(), closed.set)  # parent closed its end or sent "stop"
        await closed.wait()
        await runner.cleanup()

    asyncio.run(main())


@dataclass
class Phase:
    name: str
    probes: int
    ok: int
    wall_s: float
    cpu_s: float

    @property
    def per_s(self) -> float:
        return self.probes / self.wall_s

    @property
    def cpu_per_1000(self) -> float:
        return self.cpu_s / self.probes * 1000

    @property
    def per_cpu_s(self) -> float:
        return self.probes / self.cpu_s if self.cpu_s > 0 else float("inf")


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


async def _drive(urls: list[str], concurrency: int, one: Callable[[str], Awaitable[bool]], label: str,
                 time_limit: float) -> tuple[int, float]:
    """Run ``one(url)`` for every url with bounded concurrency; returns (ok count, wall seconds)."""
    sem = asyncio.Semaphore(concurrency)
    done = ok = 0
    step = max(1, len(urls) // 10)

    async def task(url: str) -> None:
        nonlocal done, ok
        async with sem:
            good = await one(url)
        done += 1
        ok += good
        if done % step == 0:
            print(f"  {label}：已完成 {done}/{len(urls)}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    async with asyncio.timeout(time_limit):
        await asyncio.gather(*(task(u) for u in urls))
    return ok, time.perf_counter() - t0


async def run_ours(urls: list[str], page_bytes: int, concurrency: int, timeout: float,
                   time_limit: float) -> Phase:
    me = psutil.Process()
    connector = ProbeConnector(limit=concurrency, force_close=True, ttl_dns_cache=300,
                               policy=AddressPolicy(registered=urls))  # the fleet is the registry
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=None)) as session:
        async def one(url: str) -> bool:
            r = await probe(session, url, timeout=timeout, max_bytes=10 << 20, verify_tls=True, ssl_context=None)
            return r.ok and r.bytes == page_bytes  # the whole page, or it does not count

        await _drive(urls[: min(50, len(urls))], concurrency, one, "本项目预热", time_limit)
        cpu0 = _cpu(me)
        ok, wall = await _drive(urls, concurrency, one, "本项目探测", time_limit)
        cpu = _cpu(me) - cpu0
    return Phase("本项目 probe()", len(urls), ok, wall, cpu)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def run_blackbox(urls: list[str], page_bytes: int, concurrency: int, timeout: float,
                       time_limit: float, workdir: Path) -> Phase:
    cfg = workdir / "blackbox.yml"
    cfg.write_text(f"modules:\n  http_page:\n    prober: http\n    timeout: {timeout:g}s\n"
                   "    http:\n      preferred_ip_protocol: ip4\n      ip_protocol_fallback: false\n",
                   encoding="utf-8")
    port = _free_port()
    proc = subprocess.Popen([BLACKBOX, f"--config.file={cfg}", f"--web.listen-address=127.0.0.1:{port}",
                             "--log.level=warn"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            for _ in range(100):  # bounded wait for start-up: at most ~10 s
                try:
                    async with session.get(base + "/-/healthy") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                if proc.poll() is not None:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    raise RuntimeError(f"blackbox_exporter 启动失败：{err.strip()[:500]}")
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("blackbox_exporter 在 10 秒内未就绪")

            async def one(url: str) -> bool:
                async with session.get(base + "/probe", params={"target": url, "module": "http_page"}) as r:
                    body = await r.text()
                # Success and the whole page read, as for our probe.
                return ("\nprobe_success 1" in body
                        and f"\nprobe_http_uncompressed_body_length {page_bytes}\n" in body)

            exporter = psutil.Process(proc.pid)
            await _drive(urls[: min(50, len(urls))], concurrency, one, "blackbox 预热", time_limit)
            cpu0 = _cpu(exporter)
            ok, wall = await _drive(urls, concurrency, one, "blackbox 探测", time_limit)
            cpu = _cpu(exporter) - cpu0
        return Phase("blackbox_exporter", len(urls), ok, wall, cpu)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="网站探测性能对比：本项目 probe() 与 blackbox_exporter")
    ap.add_argument("--targets", type=int, default=200, help="本机回环 HTTP 服务数量")
    ap.add_argument("--probes", type=int, default=2000, help="每一方的探测次数")
    ap.add_argument("--concurrency", type=int, default=64, help="并发探测数（双方相同）")
    ap.add_argument("--timeout", type=float, default=15.0, help="单次探测超时（秒）")
    ap.add_argument("--time-limit", type=float, default=300.0, help="每个阶段的时间上限（秒）")
    args = ap.parse_args(argv)
    if not 1 <= args.targets <= 2000 or not 1 <= args.probes <= 100_000:
        ap.error("--targets 取 1-2000，--probes 取 1-100000")
    if not shutil.which(BLACKBOX):
        print(f"未找到 {BLACKBOX}，无法对比", file=sys.stderr)
        return 2

    page = homepage()
    parent, child = mp.get_context("spawn").Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=(args.targets, page, child), daemon=True)
    server.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("回环测试服务 60 秒内未启动")
        ports: list[int] = parent.recv()
        urls = [f"http://127.0.0.1:{ports[i % len(ports)]}/" for i in range(args.probes)]
        print(f"页面 {len(page) / 1024:.1f} KB，{len(ports)} 个回环服务，每方 {args.probes} 次探测，"
              f"并发 {args.concurrency}", flush=True)
        ours = asyncio.run(run_ours(urls, len(page), args.concurrency, args.timeout, args.time_limit))
        with tempfile.TemporaryDirectory() as tmp:
            theirs = asyncio.run(run_blackbox(urls, len(page), args.concurrency, args.timeout,
                                              args.time_limit, Path(tmp)))
    finally:
        parent.send("stop")
        parent.close()
        server.join(10)
        if server.is_alive():
            server.kill()
            server.join(5)

    for p in (ours, theirs):
        print(f"{p.name:<20} 成功 {p.ok}/{p.probes}  {p.per_s:8.1f} 次/秒  "
              f"CPU {p.cpu_per_1000:6.2f} 秒/千次  {p.per_cpu_s:8.1f} 次/CPU秒")
    ratio = ours.per_cpu_s / theirs.per_cpu_s
    print(f"每 CPU 秒探测次数之比（本项目 / blackbox）：{ratio:.2f}（目标 ≥ 1.0）")
    if ours.ok != ours.probes or theirs.ok != theirs.probes:
        print("警告：有探测失败，数据不可比", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
