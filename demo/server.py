"""The demo fleet server: one aiohttp app, one event loop, one listener per site address.

The site is chosen by the local address a connection arrived on (virtual hosting by IP),
so every site has its own URL like a real one. Faults are applied here: ``down`` sites
get no listener, ``error_status`` answers every page with that status, ``slow`` delays the
homepage without blocking other sites, TLS faults shape the certificate, ``redirect_loop``
answers its page with a redirect to itself and ``huge_page`` streams its page from one buffer.
Activatable faults (``defacement`` with ``activation = "manual"``) stay dormant until
:meth:`FleetServer.activate` (or :meth:`FleetHandle.activate`) switches them on, so a checker
can record its baseline first.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import OrderedDict

from aiohttp import web

from core.logging import get_logger
from demo.faults import ACTIVATABLE_KINDS
from demo.fleet import FleetSpec, SiteSpec
from demo.guides import SEARCH_PATH
from demo.html import error_page
from demo.routes import HTML, Response, huge_parts, not_found, resolve, special
from demo.tls import DemoCA, cert_window, server_context

log = get_logger(__name__)

CACHE_PAGES = 4096  # rendered responses kept; a page renders in about a millisecond
HOMEPAGE_PATHS = ("/", "/index.html", "/index.htm")


class FleetServer:
    """Serves every site of ``spec`` on loopback. ``await start()`` returns once all listeners are bound."""

    def __init__(self, spec: FleetSpec, shutdown_timeout: float = 1.0, time_scale: float = 1.0) -> None:
        """``time_scale`` > 1: the fleet lives on the demo's compressed clock, so its delays shrink alike."""
        if time_scale < 1:
            raise ValueError(f"FleetServer: time_scale must be >= 1, got {time_scale!r}")
        self.spec = spec
        self.time_scale = time_scale
        self.shutdown_timeout = shutdown_timeout
        self.listeners: list[tuple[str, int, bool]] = []  # (address, port, tls)
        self._runner: web.AppRunner | None = None
        self._cache: OrderedDict[tuple[str, str, frozenset[str]], Response] = OrderedDict()
        self._ca: DemoCA | None = None
        # (site code, kind) of activatable faults switched on; replaced whole, so readers need no lock.
        self._active: frozenset[tuple[str, str]] = frozenset(
            (f.site_code, f.kind) for f in spec.faults
            if f.kind in ACTIVATABLE_KINDS and f.params.get("activation") == "start")

    def activate(self, site_code: str, kind: str = "defacement") -> None:
        """Switch on a declared activatable fault; raises KeyError when the site declares none of ``kind``.

        Safe to call from any thread; the next request of the site sees it.
        """
        self._set_active(site_code, kind, True)

    def deactivate(self, site_code: str, kind: str = "defacement") -> None:
        """Switch an activatable fault off again (the site looks as before activation)."""
        self._set_active(site_code, kind, False)

    def is_active(self, site_code: str, kind: str = "defacement") -> bool:
        return (site_code, kind) in self._active

    def _set_active(self, site_code: str, kind: str, on: bool) -> None:
        if kind not in ACTIVATABLE_KINDS or self.spec.fault(site_code, kind) is None:
            raise KeyError(f"demo fleet: site {site_code} declares no activatable {kind!r} fault")
        key = (site_code, kind)
        self._active = self._active | {key} if on else self._active - {key}
        log.info("demo.fault.activated" if on else "demo.fault.deactivated", site=site_code, kind=kind)

    def _active_for(self, code: str) -> frozenset[str]:
        return frozenset(k for c, k in self._active if c == code)

    def prepare_tls(self) -> None:
        """Create the demo CA and write its certificate to ``spec.ca_file`` (once; synchronous).

        Done before any listener starts so a probe configured with that file never reads a stale CA.
        """
        if self._ca is None and any(s.https for s in self.spec.sites):
            self._ca = DemoCA(self.spec.as_of)
            self._ca.write(self.spec.ca_file)

    async def start(self) -> None:
        """Bind every listener (raises OSError naming the address if one cannot be bound)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=self.shutdown_timeout)
        await runner.setup()
        self._runner = runner
        spec = self.spec
        self.prepare_tls()
        ca = self._ca
        try:
            for site in spec.sites:
                if spec.fault(site.code, "down"):
                    continue
                await self._bind(runner, site.address, spec.port, None)
                if site.https and ca is not None:
                    cert, key = ca.issue(site, *cert_window(spec, site))
                    await self._bind(runner, site.address, spec.https_port, server_context(cert, key))
        except BaseException:
            await self.stop()
            raise
        log.info("demo.fleet.started", sites=len(spec.sites), listeners=len(self.listeners),
                 https=sum(1 for s in spec.sites if s.https), faults=len(spec.faults), ca_file=str(spec.ca_file))

    async def _bind(self, runner: web.AppRunner, address: str, port: int, ctx: object) -> None:
        try:
            await web.TCPSite(runner, address, port, ssl_context=ctx).start()  # type: ignore[arg-type]
        except OSError as exc:
            raise OSError(exc.errno, f"demo fleet: cannot listen on {address}:{port}: {exc.strerror}") from exc
        self.listeners.append((address, port, ctx is not None))

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            log.info("demo.fleet.stopped", listeners=len(self.listeners))
        self.listeners = []

    def _render(self, site: SiteSpec, path: str) -> Response:
        active = self._active_for(site.code)
        key = (site.code, path, active)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        resp = resolve(self.spec, site, path, active)
        self._cache[key] = resp
        if len(self._cache) > CACHE_PAGES:
            self._cache.popitem(last=False)
        return resp

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        sock = request.transport.get_extra_info("sockname") if request.transport else None
        site = self.spec.site_at(sock[0]) if sock else None
        if site is None or not sock:  # no socket name means no site; the check narrows sock too
            r = not_found(None)
            return web.Response(status=r.status, body=r.body, content_type="text/html", charset="utf-8")
        if site.https and sock[1] == self.spec.port:
            raise web.HTTPMovedPermanently(site.url.rstrip("/") + request.path_qs)
        error = self.spec.fault(site.code, "error_status")
        if error:
            body = error_page(site, error.params["status"]).encode()
            return web.Response(status=error.params["status"], body=body, headers={"Content-Type": HTML})
        slow = self.spec.fault(site.code, "slow")
        if slow and request.path in HOMEPAGE_PATHS:
            await asyncio.sleep(slow.params["delay_s"] / self.time_scale)
        kind = special(self.spec, site, request.path)
        if kind == "redirect_loop":
            raise web.HTTPFound(site.abs_url(request.path))  # to itself, for ever
        if kind == "huge_page":
            return await self._stream_huge(request, site)
        # The search page answers its query: the only path whose query string the pages depend on.
        r = self._render(site, request.path_qs if request.path == SEARCH_PATH else request.path)
        return web.Response(status=r.status, body=r.body, headers={"Content-Type": r.content_type})

    async def _stream_huge(self, request: web.Request, site: SiteSpec) -> web.StreamResponse:
        fault = self.spec.fault(site.code, "huge_page")
        head, chunk, repeats, tail = huge_parts(site, fault.params["mb"] if fault else 12)
        resp = web.StreamResponse(headers={"Content-Type": HTML})
        resp.content_length = len(head) + len(chunk) * repeats + len(tail)
        await resp.prepare(request)
        if request.method == "HEAD":
            return resp
        try:
            await resp.write(head)
            for _ in range(repeats):
                await resp.write(chunk)
            await resp.write(tail)
            await resp.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client stopped reading (e.g. its size limit): that is the point of this page
        return resp

    def start_in_thread(self) -> FleetHandle:
        """Run the server on its own event loop in a daemon thread; see :class:`FleetHandle`."""
        self.prepare_tls()
        handle = FleetHandle(self)
        handle._thread.start()
        return handle


class FleetHandle:
    """A fleet running in a background thread. ``ready()`` waits for the listeners; ``stop()`` joins."""

    def __init__(self, server: FleetServer) -> None:
        self.server = server
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="demo-fleet", daemon=True)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await self.server.start()
        except BaseException as exc:  # reported to the caller of ready()
            self._error = exc
            self._started.set()
            return
        self._started.set()
        try:
            await self._stop.wait()
        finally:
            await self.server.stop()

    def ready(self, timeout: float = 60.0) -> None:
        """Block until every non-down site listens; raise the start-up error or TimeoutError."""
        if not self._started.wait(timeout):
            raise TimeoutError(f"demo fleet: not listening after {timeout} s")
        if self._error is not None:
            raise RuntimeError(f"demo fleet failed to start: {self._error}") from self._error

    def activate(self, site_code: str, kind: str = "defacement") -> None:
        """Switch on a dormant activatable fault (see :meth:`FleetServer.activate`)."""
        self.server.activate(site_code, kind)

    def deactivate(self, site_code: str, kind: str = "defacement") -> None:
        self.server.deactivate(site_code, kind)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self._error is None

    def stop(self, timeout: float = 30.0) -> None:
        """Close every listener and join the thread (idempotent)."""
        self._started.wait(timeout)
        loop, stop = self._loop, self._stop
        # after a failed start the thread ends by itself (its loop closing): nothing to signal
        if loop is not None and stop is not None and self._error is None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed since the check: the thread is ending
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"demo fleet: thread still running {timeout} s after stop")
