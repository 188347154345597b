"""The pure half of ingest (api/ingest.py): bounded gzip, the region rule for tags, and parameters."""

from __future__ import annotations

import gzip

import pytest

from api.errors import ApiError
from api.ingest import decode_body, gunzip, place
from api.params import parse_duration, parse_time, scoped_tags
from security.access import Kind
from security.scope import Owner

NOBODY = lambda kind, code: None  # noqa: E731  # no registered site or host


def test_gunzip_is_bounded_and_takes_every_member() -> None:
    assert gunzip(gzip.compress(b"a x=1 1\n") + gzip.compress(b"b x=2 2\n"), 100) == b"a x=1 1\nb x=2 2\n"
    with pytest.raises(ApiError) as exc:
        gunzip(gzip.compress(b"0" * 1001), 1000)
    assert exc.value.status == 413
    assert gunzip(gzip.compress(b"0" * 1000), 1000) == b"0" * 1000
    for broken in (b"not gzip", gzip.compress(b"abc")[:-4]):
        with pytest.raises(ApiError) as exc:
            gunzip(broken, 1000)
        assert exc.value.status == 400
    with pytest.raises(ApiError) as exc:
        decode_body(b"x" * 11, "", 10)
    assert exc.value.status == 413
    with pytest.raises(ApiError) as exc:
        decode_body(b"a", "br", 10)
    assert exc.value.status == 400 and "br" in exc.value.message


@pytest.mark.parametrize(("scope", "tags", "placed"), [
    ("430100", {}, {"node": "430100", "city": "430100"}),
    ("430102", {}, {"node": "430102", "city": "430100"}),
    ("430102", {"city": "430100"}, {"node": "430102", "city": "430100"}),
    ("430000", {"city": "430100"}, {"node": "430100", "city": "430100"}),
    ("430000", {}, {"node": "430000", "city": "430000"}),
    ("430100", {"node": "430102"}, {"node": "430102", "city": "430100"}),
])
def test_region_tags_are_set(scope: str, tags: dict[str, str], placed: dict[str, str]) -> None:
    assert place(1, tags, scope, NOBODY) == placed


@pytest.mark.parametrize(("scope", "tags", "status"), [
    ("430100", {"node": "430200"}, 403), ("430102", {"city": "430100", "node": "430100"}, 403),
    ("430102", {"node": "430104"}, 403), ("430100", {"city": "430102"}, 400),
    ("430100", {"node": "430102", "city": "430200"}, 400), ("430100", {"node": "43010"}, 400),
])
def test_region_tags_outside_or_inconsistent(scope: str, tags: dict[str, str], status: int) -> None:
    with pytest.raises(ApiError) as exc:
        place(7, tags, scope, NOBODY)
    assert exc.value.status == status and "第 7 行" in exc.value.message


def test_registered_site_of_another_region() -> None:
    def owner(kind: Kind, code: str) -> Owner | None:
        return Owner("430200", "430200") if (kind, code) == (Kind.SITE, "C0200") else None

    with pytest.raises(ApiError) as exc:
        place(2, {"site": "C0200"}, "430100", owner)
    assert exc.value.status == 403
    assert place(2, {"site": "NEW1"}, "430100", owner)["node"] == "430100"  # unregistered: the token's node


def test_times_durations_and_read_scope() -> None:
    assert parse_time("start", "1764230400").isoformat() == "2025-11-27T08:00:00+00:00"
    assert parse_time("start", "2026-11-27T16:00:00+08:00").hour == 8
    for bad in ("2026-11-27T08:00:00", "nan", "inf", "1e300", "-99999999999", "x"):
        with pytest.raises(ApiError):
            parse_time("start", bad)
    assert parse_duration("every", "5m").total_seconds() == 300
    assert parse_duration("every", "90").total_seconds() == 90
    assert scoped_tags("430000", {"site": ["a"]}) == {"site": ["a"]}
    assert scoped_tags("430100", {}) == {"city": ["430100"]}
    assert scoped_tags("430102", {"city": ["430100"]}) == {"city": ["430100"], "node": ["430102"]}
