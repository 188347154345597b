"""A loopback site for probe tests (a homepage, status codes, redirects, slow and trickling answers) and
the probe run against it, shared by the probe test modules."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import aiohttp
from aiohttp import web

from tests.collectors.support import loopback_policy
from webread.addresses import AddressPolicy
from webread.probe import ProbeConnector, ProbeResult, probe

PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>湖南省人民政府门户网站</title></head>"
        "<body><h1>要闻动态</h1>" + "<p>省政府常务会议研究部署近期重点工作。</p>" * 200 + "</body></html>").encode()


def app() -> web.Application:
    async def home(_r: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html", charset="utf-8")

    async def status(r: web.Request) -> web.Response:
        return web.Response(status=int(r.match_info["code"]), text="错误")

    async def hop(r: web.Request) -> web.Response:
        n = int(r.match_info["n"])
        raise web.HTTPFound("/" if n == 0 else f"/hop/{n - 1}")

    async def slow(_r: web.Request) -> web.Response:
        await asyncio.sleep(2.0)
        return web.Response(body=PAGE)

    async def trickle(r: web.Request) -> web.StreamResponse:
        # Headers arrive at once, the body dribbles in: the page is not loaded until the last byte.
        resp = web.StreamResponse()
        await resp.prepare(r)
        for _ in range(10):
            await resp.write(b"x" * 100)
            await asyncio.sleep(0.15)
        await resp.write_eof()
        return resp

    a = web.Application()
    a.add_routes([web.get("/", home), web.get("/status/{code}", status), web.get("/hop/{n}", hop),
                  web.get("/slow", slow), web.get("/trickle", trickle)])
    return a


async def run_probe(url: str, *, timeout: float = 3.0, max_bytes: int = 1 << 20, verify_tls: bool = True,
                    ssl_context: ssl.SSLContext | None = None, clock: Any = None,
                    policy: AddressPolicy | None = None) -> ProbeResult:
    connector = ProbeConnector(force_close=True, policy=policy or loopback_policy())
    async with aiohttp.ClientSession(connector=connector) as session:
        return await probe(session, url, timeout=timeout, max_bytes=max_bytes, verify_tls=verify_tls,
                           ssl_context=ssl_context, clock=clock)
