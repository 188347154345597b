"""The inspection fault kinds served live on loopback, declared by the example fault file."""

from __future__ import annotations

import asyncio
import io
import re
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import docx
import pypdf
import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from core.config import PROJECT_ROOT
from core.i18n import demo as text
from demo.entries import today
from demo.fleet import FleetSpec, build_fleet
from demo.server import FleetHandle, FleetServer
from tests.demo.conftest import demo_config
from tests.support.pages import list_dates

EXAMPLE = PROJECT_ROOT / "data/demo/faults.example.toml"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FleetSpec, FleetHandle, dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("demo-inspection")
    spec = build_fleet(demo_config(tmp, str(EXAMPLE)), datetime.now(UTC))
    handle = FleetServer(spec).start_in_thread()
    try:
        handle.ready(timeout=30)
        yield spec, handle, spec.ground_truth()
    finally:
        handle.stop()


async def _fetch(spec: FleetSpec, url: str, *, redirects: bool = False, limit: int | None = None
                 ) -> tuple[int, dict[str, str], bytes]:
    ctx = ssl.create_default_context(cafile=str(spec.ca_file))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s, \
            s.get(url, ssl=ctx, allow_redirects=redirects, max_redirects=5) as r:
        body = await (r.content.read(limit) if limit else r.read())
        return r.status, dict(r.headers), body


def fetch(spec: FleetSpec, url: str, **kw: Any) -> tuple[int, dict[str, str], bytes]:
    return asyncio.run(_fetch(spec, url, **kw))


def page(spec: FleetSpec, url: str) -> str:
    status, _h, body = fetch(spec, url)
    assert status == 200, url
    return body.decode()


def fault(truth: dict[str, Any], kind: str, **params: Any) -> dict[str, Any]:
    return next(f for f in truth["faults"] if f["kind"] == kind
                and all(f["params"].get(k) == v for k, v in params.items()))


def test_content_errors_in_article_and_pdf(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    article = fault(truth, "content_error", where="article")
    [hit] = article["expect"]["findings"]
    assert hit["kind"] == "wrong_formulation"
    assert "一路一带" in HTMLParser(page(spec, hit["location"])).body.text()  # type: ignore[union-attr]
    home = page(spec, article["url"])
    assert f'href="{hit["location"].removeprefix(article["url"].rstrip("/"))}"' in home  # one click from home
    attached = fault(truth, "content_error", where="pdf")
    [hit] = attached["expect"]["findings"]
    status, headers, body = fetch(spec, hit["location"])
    assert status == 200 and headers["Content-Type"] == "application/pdf" and hit["location"].endswith(".pdf")
    assert "六合彩" in pypdf.PdfReader(io.BytesIO(body)).pages[0].extract_text()
    [where] = attached["expect"]["pages"]
    assert hit["location"].removeprefix(attached["url"].rstrip("/")) in page(spec, where["page"])
    # The article's DOCX sibling stays clean: the text is only where the truth says.
    docx_url = hit["location"].removesuffix(".pdf") + ".docx"
    paras = [p.text for p in docx.Document(io.BytesIO(fetch(spec, docx_url)[2])).paragraphs]
    assert paras and not any("六合彩" in p for p in paras)


def test_unanswered_message_is_listed_and_open(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    f = fault(truth, "unanswered_message")
    [hit] = f["expect"]["findings"]
    [msg] = f["expect"]["messages"]
    assert msg["days_open"] == f["params"]["days"] == 120
    doc = page(spec, hit["location"])
    assert "未答复" in doc and "答复时间" not in doc and f"留言时间：</dt><dd class=\"asked\">{msg['asked']}" in doc
    site = spec.site(f["site_code"])
    url, seen = site.abs_url(site.column("consultation").path), ""
    for _ in range(10):  # follow the pager to the message
        listing = page(spec, url)
        seen += listing
        nxt = re.search(r'<a href="([^"]+)">下一页</a>', listing)
        if not nxt:
            break
        url = site.abs_url(nxt.group(1))
    path = hit["location"].removeprefix(site.url.rstrip("/"))
    row = re.search(rf'<li><a href="{re.escape(path)}">.*?</li>', seen)
    assert row and "未答复" in row.group(0) and "答复时间" not in row.group(0)
    assert seen.count("未答复") == 1


def test_no_consultation_channel(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    f = fault(truth, "no_consultation")
    [hit] = f["expect"]["findings"]
    assert hit == {"check": "interaction", "kind": "no_channel", "location": hit["location"]}
    assert fetch(spec, hit["location"])[0] == 404
    home = page(spec, f["url"])
    assert "/zwzx/" not in home and "政务咨询" not in home


def test_defacement_waits_for_activation(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, handle, truth = fleet
    f = fault(truth, "defacement")
    script = next(x["location"] for x in f["expect"]["findings"] if x["kind"] == "external_script")
    before = page(spec, f["url"])
    assert script not in before and text.DEFACEMENT_BANNER not in before
    assert page(spec, f["url"]) == before  # a baseline run sees a stable page
    handle.activate(f["site_code"], "defacement")
    try:
        after = page(spec, f["url"])
        assert f'<script src="{script}"></script>' in after and text.DEFACEMENT_BANNER in after
        assert after != before
    finally:
        handle.deactivate(f["site_code"], "defacement")
    assert page(spec, f["url"]) == before
    with pytest.raises(KeyError, match="no activatable"):
        handle.activate(fault(truth, "hidden_link")["site_code"], "defacement")


def test_external_script_and_hidden_link(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    ext = fault(truth, "external_script")
    [hit] = ext["expect"]["findings"]
    scripts = [n.attributes.get("src") for n in HTMLParser(page(spec, ext["url"])).css("script")]
    assert scripts == ["/static/js/main.js", hit["location"]]
    hid = fault(truth, "hidden_link")
    [hit] = hid["expect"]["findings"]
    tree = HTMLParser(page(spec, hid["url"]))
    [link] = [a for a in tree.css("a") if a.attributes.get("href") == hit["location"]]
    assert link.parent is not None and link.parent.attributes.get("style") == "display:none"
    assert "娱乐城" in link.text() and hit["location"].endswith(".example/")


def test_identity_item_missing_from_every_footer(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    f = fault(truth, "identity_missing")
    site = spec.site(f["site_code"])
    assert f["params"]["which"] == "psb"
    for url in (site.url, site.abs_url(site.column("news").path)):
        footer = HTMLParser(page(spec, url)).css_first("footer").text()  # type: ignore[union-attr]
        assert "公网安备" not in footer and site.icp in footer and f"政府网站标识码：{site.code}" in footer


def test_navigation_homepages(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    day = today(spec)
    for second_level, newest_age in (("fresh", (0, 2)), ("stale", (20, 40))):
        f = fault(truth, "navigation_homepage", second_level=second_level)
        site = spec.site(f["site_code"])
        home = page(spec, f["url"])
        assert list_dates(home, day) == []  # no dated items at all
        links = {a.attributes.get("href") for a in HTMLParser(home).css("a")}
        assert {c.path for c in site.columns}.isdisjoint(links)
        channels = f["expect"]["channels"]
        assert {site.abs_url(str(h)) for h in links if str(h).startswith("/")} >= set(channels)
        dates = [d for url in channels for d in list_dates(page(spec, url), day)]
        age = (day - max(dates)).days
        assert newest_age[0] <= age <= newest_age[1], (second_level, age)
        assert f["expect"]["second_level_newest_date"] == max(dates).isoformat()
        assert bool(f["expect"]["findings"]) is (second_level == "stale")
        news = list_dates(page(spec, site.abs_url(site.column("news").path)), day)
        assert (day - max(news)).days <= 1  # the columns themselves stay fresh


def test_gbk_pages_without_charset(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    f = fault(truth, "gbk_no_charset")
    site = spec.site(f["site_code"])
    assert f["expect"]["no_crash"] is True
    for url in f["expect"]["pages"]:
        status, headers, body = fetch(spec, url)
        assert status == 200 and headers["Content-Type"] == "text/html"
        assert b"charset" not in body.lower()
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        assert f"<h1>{site.name}</h1>" in body.decode("gbk")
    status, headers, _ = fetch(spec, site.abs_url(site.column("news").path))
    assert headers["Content-Type"] == "text/html; charset=utf-8"  # other pages are as usual


def test_huge_page_streams_and_survives_early_close(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    f = fault(truth, "huge_page")
    url = f["expect"]["page"]
    assert url.removeprefix(f["url"].rstrip("/")) in page(spec, f["url"])  # linked from the homepage
    status, headers, body = fetch(spec, url)
    assert status == 200 and int(headers["Content-Length"]) == len(body) >= 12 * 1024 * 1024
    assert body.startswith(b"<!DOCTYPE html>") and body.endswith(b"</body></html>")
    status, _h2, part = fetch(spec, url, limit=100_000)  # a reader that gives up early
    assert status == 200 and len(part) <= 100_000
    assert fetch(spec, f["url"])[0] == 200  # and the site still answers


def test_redirect_loop(fleet: tuple[FleetSpec, FleetHandle, dict[str, Any]]) -> None:
    spec, _h, truth = fleet
    f = fault(truth, "redirect_loop")
    url = f["expect"]["page"]
    assert url.removeprefix(f["url"].rstrip("/")) in page(spec, f["url"])
    status, headers, _ = fetch(spec, url)
    assert status == 302 and headers["Location"] == url
    with pytest.raises(aiohttp.TooManyRedirects):
        fetch(spec, url, redirects=True)


def test_serve_cli_activates_on_sigusr1(tmp_path: Any) -> None:
    """``python -m demo serve``: SIGUSR1 switches the dormant defacement on; SIGTERM stops the fleet."""
    import os
    import signal
    import subprocess
    import sys
    import time

    cfg = demo_config(tmp_path, str(EXAMPLE))
    env = {**os.environ, "GOVOPS_DEMO__BIND_PREFIX": cfg.demo.bind_prefix, "GOVOPS_DEMO__PORT": str(cfg.demo.port),
           "GOVOPS_DEMO__HTTPS_PORT": str(cfg.demo.https_port), "GOVOPS_DEMO__FAULT_FILE": str(EXAMPLE),
           "GOVOPS_COLLECTORS__PROBE_CA_FILE": str(cfg.collectors.probe_ca_file), "PYTHONUNBUFFERED": "1"}
    env.pop("GOVOPS_CONFIG", None)
    spec = build_fleet(cfg, datetime.now(UTC))
    site = spec.site(next(f.site_code for f in spec.faults if f.kind == "defacement"))
    proc = subprocess.Popen([sys.executable, "-m", "demo", "serve"], cwd=PROJECT_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert "已启动" in proc.stdout.readline() and "kill -USR1" in proc.stdout.readline()
        assert text.DEFACEMENT_BANNER not in page(spec, site.url)
        proc.send_signal(signal.SIGUSR1)
        assert "已激活 1 个故障" in proc.stdout.readline()
        deadline = time.monotonic() + 5
        while text.DEFACEMENT_BANNER not in page(spec, site.url) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert text.DEFACEMENT_BANNER in page(spec, site.url)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
