"""Issue 9 item 8: after a login the browser goes only to a path on this site — never to another host
through tabs, line breaks, backslashes or percent-encoding — and no ``next`` value yields an HTTP 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.models_security import Role
from db.session import transaction
from security.redirects import safe_next
from security.users import create_user
from tests.dashboard.world import NOW, World, build_world
from tests.support.web import Browser, serve

HOSTILE = [
    "/\t/evil.example/phish", "/\n/evil.example/", "/\r\n/evil.example/", "//evil.example/", "/\\evil.example/",
    "\\/evil.example/", "/%09/evil.example/phish", "/%2F/evil.example/", "/%252F/evil.example/",
    "/%5Cevil.example/", "/%0A/evil.example/", "https://evil.example/", "http:/evil.example", "javascript:alert(1)",
    " //evil.example/", "\x00//evil.example/", "/\u2028/evil.example/", "/\x85/evil.example/", "evil.example",
    "", "/" + "a" * 5000,
]
KEPT = ["/", "/city/430100", "/site/X0102", "/audit?action=login.failed&start=2026-12-01", "/alerts#top",
        "/city/%E9%95%BF%E6%B2%99", "/city/长沙"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_go_home(target: str) -> None:
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", KEPT)
def test_paths_of_this_site_are_kept(target: str) -> None:
    assert safe_next(target) == target


def _browser_target(value: str) -> str:
    """Where a browser at http://127.0.0.1/ goes for ``Location: value``: it drops tabs and line breaks,
    trims leading controls and spaces and reads a backslash as a slash (WHATWG URL parser)."""
    cleaned = re.sub(r"[\t\n\r]", "", value).lstrip("".join(map(chr, range(0x21)))).replace("\\", "/")
    return urljoin("http://127.0.0.1:8050/login", cleaned)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="/\\%:.\t\n\r 09aAFfe@?#\x00\x7f"),
                 st.builds(lambda s: "/" + s, st.text(alphabet="/\\%2fF5Cc09aA\t\n.@:"))))
def test_no_input_leaves_the_site(target: str) -> None:
    out = safe_next(target)
    assert out in ("/", target)
    assert urlsplit(_browser_target(out)).netloc == "127.0.0.1:8050", (target, out)
    assert not re.search(r"[\x00-\x1f\x7f]", out)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    with transaction(w.sessions) as s:
        create_user(s, "root", "root-password", Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
    try:
        yield w
    finally:
        w.store.close()


def test_login_over_http_never_redirects_off_site_nor_fails(world: World) -> None:
    with serve(world) as base:
        for target in ("/\t/evil.example/phish", "/\n/evil.example/", "/\\evil.example/", "//evil.example/"):
            b = Browser(base)
            page = b.get("/login?next=" + quote(target, safe=""))  # the link: /login?next=/%09/evil…
            assert page.status == 200, target
            assert 'name="next" value="/"' in page.body, target
            r = b.login("root", "root-password", nxt=target)  # a form posted with the hostile value itself
            assert r.status == 302 and r.location == "/", (target, r.location)
        b = Browser(base)
        r = b.login("root", "root-password", nxt="/city/430100?x=1")
        assert r.status == 302 and r.location == "/city/430100?x=1"
        # A path the guard sends to the login keeps its way back, encoded.
        r = Browser(base).get("/audit?action=login.failed")
        assert r.status == 302 and r.location == "/login?next=%2Faudit%3Faction%3Dlogin.failed"
