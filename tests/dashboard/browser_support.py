"""What every browser test needs: Debian's Chromium and its flags, a watch for console errors and
failed or external requests, the app served on loopback (and stopped for good, for restart tests), the
login form filled in, and fontconfig setups that limit the system fonts Chromium sees."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from core.clock import FixedClock
from tests.dashboard.world import NOW, World
from tests.support.web import wall_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Watch:
    """Collects console errors, failed requests and any request that leaves 127.0.0.1.

    A refresh still in flight when the test navigates the page elsewhere or closes it is aborted by the
    browser (net::ERR_ABORTED); that is the test leaving, not a fault, so only those are let through.
    """

    def __init__(self, page: Any) -> None:
        self.problems: list[str] = []
        self._page = page
        self._seq = 0
        self._started: dict[int, int] = {}  # id(request) -> order it started in
        self._last_navigation = -1
        self._navigating_to: str | None = None  # the document the latest main-frame navigation asked for
        self._closing = False
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)
        page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def _request(self, r: Any) -> None:
        self._seq += 1
        self._started[id(r)] = self._seq
        if r.is_navigation_request() and r.frame == self._page.main_frame:
            self._last_navigation = self._seq
            self._navigating_to = r.url
        host = urlparse(r.url).hostname or ""
        if r.url.startswith(("data:", "blob:")):
            return
        if not host.startswith("127."):
            self.problems.append(f"external request: {r.url}")

    def _failed(self, r: Any) -> None:
        # Under load Chromium may report an old document's refresh after the navigation that replaces it,
        # so order alone can miss it; the referer names the document that asked, the frame the one shown.
        # Between a navigation's request and its commit the frame still shows the old document, while a
        # refresh it started is aborted: the navigation's target then names the document that replaces it.
        referer = (r.headers or {}).get("referer")
        shown = self._page.main_frame.url
        replaced = referer is not None and (referer != shown or (self._navigating_to not in (None, referer)))
        left = self._closing or replaced or self._started.get(id(r), self._seq) < self._last_navigation
        if left and "ERR_ABORTED" in str(r.failure or ""):
            return
        self.problems.append(f"failed: {r.url} {r.failure}")

    def close(self) -> None:
        """Close the page; requests it aborts on the way out are not problems."""
        self._closing = True
        self._page.close()


def stop_server(server: Any, thread: threading.Thread) -> None:
    """Stop a waitress server for good: the listening socket and every open (keep-alive) connection, so
    a browser holding one sees the server gone rather than still answered by the old app."""
    from waitress import wasyncore

    server.task_dispatcher.shutdown()
    wasyncore.close_all(server._map)
    thread.join(timeout=10)


# System font setups for layout tests: the walls must look the same with Noto CJK, with WenQuanYi and
# with no CJK font at all (the bundled font carries them). DejaVu is always there for Latin fallbacks.
FONT_DIRS: dict[str, tuple[str, ...]] = {
    "noto-cjk": ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/opentype/noto"),
    "wenquanyi": ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/wqy"),
    "no-cjk": ("/usr/share/fonts/truetype/dejavu",),
}
FONT_SETUP_CJK: dict[str, str | None] = {"noto-cjk": "Noto Sans CJK SC", "wenquanyi": "WenQuanYi Micro Hei",
                                         "no-cjk": None}


def fontconfig_file(setup: str, folder: Path) -> Path:
    """A fonts.conf that shows fontconfig (and so Chromium) only the font folders of ``setup``."""
    dirs = "".join(f"<dir>{d}</dir>" for d in FONT_DIRS[setup])
    path = folder / f"fonts-{setup}.conf"
    path.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
                    f'<fontconfig>{dirs}<cachedir>{folder / "fc-cache"}</cachedir>'
                    '<include ignore_missing="yes">/etc/fonts/conf.d</include></fontconfig>', encoding="utf-8")
    return path


def cjk_families(conf: Path) -> set[str]:
    """The families fontconfig offers for Simplified Chinese under ``conf`` (what Chromium can fall back to)."""
    out = subprocess.run(["fc-list", ":lang=zh-cn", "family"], env={**os.environ, "FONTCONFIG_FILE": str(conf)},
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()}


@contextmanager
def serve(world: World, name: str = "browser-test", clock: FixedClock | None = None) -> Iterator[str]:
    """``world``'s app on waitress at 127.0.0.1 (a free port, fixed clock at NOW unless ``clock`` is given: a
    test may move it); yields the base URL. Stops the server and closes the world's store on the way out."""
    from waitress import create_server

    app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=clock or FixedClock(NOW))
    server = create_server(app.server, host="127.0.0.1", port=0, threads=4, asyncore_use_poll=True)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)
        world.store.close()


def login(page: Any, base: str, username: str, password: str, next_path: str) -> None:
    """Sign in through the real login form and wait until ``next_path`` is open."""
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}", timeout=10_000)


# Every visible text node's computed size, with where it is (HTML and Plotly's SVG alike).
TEXT_SIZES = """(min) => {
  const small = [];
  const walker = document.createTreeWalker(document.querySelector('.wall'), NodeFilter.SHOW_TEXT);
  let n = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement, text = node.textContent.trim();
    if (!text || !el || el.closest('[hidden]')) { continue; }
    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || cs.display === 'none') { continue; }
    n += 1;
    const size = parseFloat(cs.fontSize);
    if (size < min) { small.push(`${text.slice(0, 30)} ${size}px <${el.tagName.toLowerCase()}>`); }
  }
  return {n, small};
}"""

# Visible table rows, facts and footnotes that stick out of their panel (or their paged window).
CUT = """() => {
  const out = [];
  const within = (a, b) => a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  document.querySelectorAll('.wall-table tbody tr, .fact, .footnote, .alert-count').forEach(el => {
    if (el.closest('[hidden]')) { return; }
    const r = el.getBoundingClientRect();
    if (r.height === 0) { return; }
    const panel = el.closest('.panel, .alert-counts'), win = el.closest('.paged-window');
    if (panel && !within(r, panel.getBoundingClientRect())) { out.push(`${el.innerText.slice(0, 30)} / panel`); }
    if (win && !within(r, win.getBoundingClientRect())) { out.push(`${el.innerText.slice(0, 30)} / window`); }
  });
  const strip = document.querySelector('.alert-strip');
  if (strip && strip.getBoundingClientRect().bottom > window.innerHeight + 1) { out.push('ticker below the screen'); }
  return out;
}"""


def wait_text(page: Any, selector: str, text: str, timeout_ms: int = 15_000) -> None:
    """Until the element ``selector`` shows ``text`` (Dash fills it by a callback)."""
    page.wait_for_function("([s, t]) => { const e = document.querySelector(s); return e && e.innerText.includes(t); }",
                           arg=[selector, text], timeout=timeout_ms)


def pick(page: Any, dropdown: str, value: str) -> None:
    """Choose ``value`` in a Dash dropdown (its open list is a popover), then close the list: picking the value
    already chosen leaves it open."""
    page.click(dropdown)
    page.locator(f".dash-dropdown-option:has(input[value='{value}'])").click()
    page.keyboard.press("Escape")
