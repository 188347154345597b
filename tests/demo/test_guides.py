"""The demo's service guides, online systems, search and 我要纠错 page, read by the checks' own pure parsers."""

from __future__ import annotations

from pathlib import Path

from demo import guides
from demo.fleet import FleetSpec, build_fleet
from demo.routes import resolve
from inspection.checks.service_guides import ELEMENTS, guide_elements, guide_links, online_links
from inspection.checks.site_functions import find_search_form, has_correction_entry, search_has_results
from tests.demo.conftest import AS_OF, demo_config

FAULTS = """
[[fault]]
kind = "incomplete_guides"
site = "4301020001"
guides = 2
missing = 6

[[fault]]
kind = "online_service_down"
site = "4301020001"
systems = 1

[[fault]]
kind = "no_search"
site = "4301030001"

[[fault]]
kind = "search_broken"
site = "4301040001"

[[fault]]
kind = "no_correction_entry"
site = "4301030001"
"""


def _spec(tmp_path: Path) -> FleetSpec:
    (tmp_path / "faults.toml").write_text(FAULTS, encoding="utf-8")
    return build_fleet(demo_config(tmp_path, str(tmp_path / "faults.toml")), AS_OF)


def test_guides_and_their_systems(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    site = spec.site("4301020001")
    listing = resolve(spec, site, "/bszn/index.html")
    links = guide_links(listing.body.decode(), site.abs_url("/bszn/index.html"))
    assert [g.url for g in links] == [site.abs_url(g.path) for g in guides.guides(spec, site)]
    assert len(links) == guides.GUIDES_PER_SITE
    filled = []
    for g in guides.guides(spec, site):
        page = resolve(spec, site, g.path).body.decode()
        filled.append(len(guide_elements(page)[0]))
        assert online_links(page, site.abs_url(g.path)) == [site.abs_url(g.online_path)]
        assert resolve(spec, site, g.online_path).status == (503 if g.online_down else 200)
    assert filled == [4, 4, 10, 10, 10, 10]  # the first two miss their last six elements
    assert [g.online_down for g in guides.guides(spec, site)] == [True, False, False, False, False, False]
    clean = spec.site("4300000001")
    assert all(len(guide_elements(resolve(spec, clean, g.path).body.decode())[0]) == len(ELEMENTS)
               for g in guides.guides(spec, clean))


def test_search_and_correction_entry(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    site = spec.site("4300000001")
    home = resolve(spec, site, "/").body.decode()
    form = find_search_form(home, site.url)
    assert not isinstance(form, str) and form is not None and has_correction_entry(home)
    path = form.url(guides.SEARCH_TERM).removeprefix(site.url.rstrip("/"))
    results = resolve(spec, site, path)
    assert results.status == 200 and search_has_results(results.body.decode(), guides.SEARCH_TERM)
    empty = resolve(spec, site, "/search/?q=" + "不存在的词语")
    assert empty.status == 200 and not search_has_results(empty.body.decode(), "不存在的词语")
    assert resolve(spec, site, guides.CORRECTION_PATH).status == 200

    gone = spec.site("4301030001")
    gone_home = resolve(spec, gone, "/").body.decode()
    assert find_search_form(gone_home, gone.url) is None and not has_correction_entry(gone_home)
    assert resolve(spec, gone, "/search/?q=x").status == 404
    assert resolve(spec, spec.site("4301040001"), "/search/?q=x").status == 500
