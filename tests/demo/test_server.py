"""The live fleet on loopback: every site answers, and each declared fault behaves as declared."""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest
from cryptography import x509

from demo.entries import today
from demo.fleet import build_fleet
from demo.server import FleetServer
from tests.demo.conftest import (
    BLANK,
    DEAD,
    DOWN,
    ERROR,
    HOME_STALE,
    SLOW,
    SLOW_DELAY,
    STALE,
    TLS_PAST,
    TLS_SOON,
    LiveFleet,
    demo_config,
)
from tests.support.pages import list_dates


def _ctx(live: LiveFleet) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(live.spec.ca_file))


async def _get(live: LiveFleet, url: str, timeout: float = 5.0) -> tuple[int, str]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as s, \
            s.get(url, ssl=_ctx(live), allow_redirects=False) as r:
        return r.status, await r.text(errors="replace")


def get(live: LiveFleet, url: str, timeout: float = 5.0) -> tuple[int, str]:
    return asyncio.run(_get(live, url, timeout))


def test_every_site_but_the_down_one_answers_with_its_name(live: LiveFleet) -> None:
    async def one(session: aiohttp.ClientSession, url: str) -> tuple[int, str] | BaseException:
        try:
            async with session.get(url, ssl=_ctx(live)) as r:
                return r.status, await r.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return exc

    async def all_sites() -> list[tuple[int, str] | BaseException]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
            return await asyncio.gather(*(one(s, site.url) for site in live.spec.sites))

    results = dict(zip([s.code for s in live.spec.sites], asyncio.run(all_sites()), strict=True))
    assert isinstance(results.pop(DOWN), aiohttp.ClientConnectorError)
    assert isinstance(results.pop(TLS_PAST), aiohttp.ClientConnectorCertificateError)
    assert results.pop(ERROR)[0] == 503  # type: ignore[index]
    for code, res in results.items():
        site = live.spec.site(code)
        assert not isinstance(res, BaseException), (code, res)
        assert res[0] == 200 and f"<h1>{site.name}</h1>" in res[1], code
        assert f'name="SiteIDCode" content="{code}"' in res[1]
        assert site.icp in res[1] and "湘公网安备 43" in res[1] and "主办单位：" in res[1]
    assert len(live.handle.server.listeners) == len(live.spec.sites) - 1 + sum(
        1 for s in live.spec.sites if s.https and s.code != DOWN)


def test_down_site_refuses_connections(live: LiveFleet) -> None:
    site = live.spec.site(DOWN)
    with pytest.raises(aiohttp.ClientConnectorError) as err:
        get(live, site.url)
    assert isinstance(err.value.os_error, ConnectionRefusedError)


def test_error_status_on_every_page(live: LiveFleet) -> None:
    site = live.spec.site(ERROR)
    for path in ("/", site.column("news").path, "/static/css/main.css"):
        status, body = get(live, site.abs_url(path))
        assert status == 503 and "服务暂时不可用" in body


def test_slow_homepage_does_not_block_other_sites(live: LiveFleet) -> None:
    slow, other = live.spec.site(SLOW), live.spec.site("4300000001")

    async def timed(url: str) -> tuple[int, float]:
        t0 = time.monotonic()
        status, _ = await _get(live, url)
        return status, time.monotonic() - t0

    async def both() -> list[tuple[int, float]]:
        return await asyncio.gather(timed(slow.url), timed(other.url), timed(slow.abs_url("/tzgg/index.html")))

    (s_status, s_time), (o_status, o_time), (c_status, c_time) = asyncio.run(both())
    assert s_status == o_status == c_status == 200
    assert s_time >= SLOW_DELAY
    assert o_time < SLOW_DELAY and c_time < SLOW_DELAY  # only the homepage is slow, and nobody waits for it
    truth = next(f for f in live.truth["faults"] if f["kind"] == "slow")["expect"]
    assert truth["probe_ok"] is True  # 0.6 s is well inside the 15 s probe timeout


def _peer_cert(live: LiveFleet, code: str) -> x509.Certificate:
    site = live.spec.site(code)
    pem = ssl.get_server_certificate((site.address, live.spec.https_port), timeout=5)
    return x509.load_pem_x509_certificate(pem.encode())


def test_tls_expiry_matches_declaration(live: LiveFleet) -> None:
    as_of = live.spec.as_of.replace(microsecond=0)
    soon = _peer_cert(live, TLS_SOON)
    assert soon.not_valid_after_utc == as_of + timedelta(days=10)
    past = _peer_cert(live, TLS_PAST)
    assert past.not_valid_after_utc == as_of - timedelta(days=5)
    truth = {f["site_code"]: f["expect"] for f in live.truth["faults"]}
    assert truth[TLS_SOON]["tls_not_after"] == soon.not_valid_after_utc.isoformat()
    assert truth[TLS_PAST]["tls_days_left"] == -5
    assert get(live, live.spec.site(TLS_SOON).url)[0] == 200  # still valid: verifies against the demo CA
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        get(live, live.spec.site(TLS_PAST).url)


def test_http_listener_of_https_site_redirects(live: LiveFleet) -> None:
    site = live.spec.site("4301000001")
    http = f"http://{site.address}:{live.spec.port}/ywdt/index.html"

    async def head() -> tuple[int, str]:
        async with aiohttp.ClientSession() as s, s.get(http, allow_redirects=False) as r:
            return r.status, r.headers["Location"]

    assert asyncio.run(head()) == (301, site.abs_url("/ywdt/index.html"))


def test_stale_and_blank_columns_show_declared_dates(live: LiveFleet) -> None:
    day = today(live.spec)
    stale = live.spec.site(STALE)
    for kind, days in (("news", 30), ("notice", 200)):
        status, body = get(live, stale.abs_url(stale.column(kind).path))
        assert status == 200 and 'name="ColumnName"' in body
        assert max(list_dates(body, day)) == day - timedelta(days=days)
    fresh = max(list_dates(get(live, stale.abs_url(stale.column("policy").path))[1], day))
    assert (day - fresh).days <= 25
    blank = live.spec.site(BLANK)
    status, body = get(live, blank.abs_url(blank.column("personnel").path))
    assert status == 200 and "暂无信息" in body and list_dates(body, day) == []
    site_truth = next(s for s in live.truth["sites"] if s["code"] == BLANK)
    personnel = next(c for c in site_truth["columns"] if c["kind"] == "personnel")
    assert personnel["entries"] == 0 and personnel["newest_date"] is None


def test_homepage_stale_shows_nothing_newer_than_declared(live: LiveFleet) -> None:
    day = today(live.spec)
    site = live.spec.site(HOME_STALE)
    newest = max(list_dates(get(live, site.url)[1], day))
    assert (day - newest).days >= 20
    truth = next(f for f in live.truth["faults"] if f["kind"] == "homepage_stale")["expect"]
    assert truth["homepage_newest_date"] == newest.isoformat()
    # The column itself is still fresh: only the homepage froze.
    assert (day - max(list_dates(get(live, site.abs_url("/ywdt/index.html"))[1], day))).days <= 1


def test_dead_links_are_really_dead(live: LiveFleet) -> None:
    expect = next(f for f in live.truth["faults"] if f["kind"] == "dead_links")["expect"]["dead_links"]
    assert len(expect) == 4 and {d["expect"] for d in expect} == {"404", "refused"}
    assert {urlsplit(d["page"]).path for d in expect} >= {"/"} and len({d["page"] for d in expect}) >= 2
    for d in expect:
        assert f'href="{d["target"]}"' in get(live, d["page"])[1]
        if d["expect"] == "404":
            assert get(live, d["target"])[0] == 404
        else:
            with pytest.raises(aiohttp.ClientConnectorError):
                get(live, d["target"], timeout=3)
    assert live.spec.site(DEAD).code == DEAD


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def test_clean_site_has_no_broken_links(live: LiveFleet) -> None:
    """A bounded crawl of a clean site: pages, pagination, articles, attachments and assets all answer 200."""
    site = next(s for s in live.spec.sites if s.level == "county_portal" and not live.spec.faults_for(s.code))
    day = today(live.spec)

    async def crawl() -> dict[str, tuple[int, str, bytes]]:
        seen: dict[str, tuple[int, str, bytes]] = {}
        queue = [site.url]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
            while queue and len(seen) < 200:  # enough to reach the attachments past the function pages
                url = queue.pop(0)
                if url in seen:
                    continue
                async with s.get(url, ssl=_ctx(live)) as r:
                    body = await r.read()
                    seen[url] = (r.status, r.content_type, body)
                if r.content_type == "text/html" and urlsplit(url).netloc == urlsplit(site.url).netloc:
                    parser = _Links()
                    parser.feed(body.decode())
                    queue += [urljoin(url, link) for link in parser.links if urljoin(url, link) not in seen]
        return seen

    seen = asyncio.run(crawl())
    assert len(seen) >= 60
    broken = {u: v[0] for u, v in seen.items() if v[0] != 200}
    assert broken == {}
    types = {v[1] for v in seen.values()}
    assert {"text/html", "text/css", "application/javascript", "image/png"} <= types
    pdfs = [v[2] for v in seen.values() if v[1] == "application/pdf"]
    docx = [v[2] for v in seen.values() if v[1].endswith("wordprocessingml.document")]
    assert pdfs and pdfs[0].startswith(b"%PDF-1.4") and pdfs[0].rstrip().endswith(b"%%EOF")
    assert docx and docx[0][:2] == b"PK"
    page2 = site.abs_url(f"/{site.column('news').slug}/index_2.html")
    assert page2 in seen and seen[page2][0] == 200
    articles = [v[2].decode() for u, v in seen.items() if "/t20" in u and v[1] == "text/html"]
    assert articles and all('name="ArticleTitle"' in a and 'name="PubDate"' in a for a in articles)
    pub = re.search(r'name="PubDate" content="([^"]+)"', articles[0])
    assert pub and datetime.strptime(pub.group(1), "%Y-%m-%d %H:%M").date() <= day


def test_handle_reports_bind_errors_and_stop_releases_listeners(live: LiveFleet, tmp_path: Path) -> None:
    clash = replace(live.spec, ca_file=tmp_path / "other-ca.pem")  # same addresses and ports as the live fleet
    handle = FleetServer(clash).start_in_thread()
    with pytest.raises(RuntimeError, match=r"cannot listen on 127\.\d+\.\d+\.\d+:\d+"):
        handle.ready(timeout=10)
    handle.stop()
    assert not handle._thread.is_alive()

    spec = build_fleet(demo_config(tmp_path), datetime.now(UTC))
    handle = FleetServer(spec).start_in_thread()
    handle.ready(timeout=30)
    portal = spec.site("4300000001")
    assert get_with(spec.ca_file, portal.url)[0] == 200
    handle.stop()
    assert not handle._thread.is_alive()
    with pytest.raises(aiohttp.ClientConnectorError):
        get_with(spec.ca_file, portal.url)


def get_with(ca_file: Path, url: str) -> tuple[int, str]:
    async def go() -> tuple[int, str]:
        ctx = ssl.create_default_context(cafile=str(ca_file))
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s, s.get(url, ssl=ctx) as r:
            return r.status, await r.text()
    return asyncio.run(go())
