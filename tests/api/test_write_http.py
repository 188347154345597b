"""POST /api/v2/write over real HTTP: the real influxdb-client library, raw gzip, and every refusal — a bad
line (named, nothing written), no or a revoked token, a body past the limit or a gzip bomb, a point outside
the token's region."""

from __future__ import annotations

import gzip
from datetime import timedelta

from influxdb_client import InfluxDBClient, Point
from influxdb_client.client.write_api import SYNCHRONOUS

from core.clock import to_ns
from db.session import transaction
from security.api_tokens import revoke_token
from tests.api.conftest import LIMITS, Api
from tests.dashboard.world import NOW

T0 = NOW - timedelta(minutes=5)
S0 = int(T0.timestamp())


def _latest(api: Api, measurement: str, field: str = "x") -> list[dict[str, object]]:
    frame = api.world.store.latest(measurement, field)
    return [{k: v for k, v in rec.items() if k != "time"} for rec in frame.to_dict("records")]


def test_influxdb_client_writes_through_the_endpoint(api: Api) -> None:
    token = api.token("430100", "telegraf-长沙")
    for gzip_on in (False, True):
        with InfluxDBClient(url=api.base, token=token, org="-", enable_gzip=gzip_on) as client:
            write = client.write_api(write_options=SYNCHRONOUS)
            write.write(bucket="govops", record=Point("agent_cpu").tag("host", f"agent-{gzip_on}")
                        .field("x", 12.5).time(to_ns(T0)))
            write.write(bucket="govops", record=f"agent_cpu,host=line-{gzip_on} x=3i {S0}", write_precision="s")
    rows = sorted(_latest(api, "agent_cpu"), key=lambda r: str(r["host"]))
    # No region tags given: the token's node and city are set.
    assert rows == [{"host": h, "node": "430100", "city": "430100", "value": v}
                    for h, v in (("agent-False", 12.5), ("agent-True", 12.5), ("line-False", 3.0),
                                 ("line-True", 3.0))]


def test_gzip_body_and_204(api: Api) -> None:
    token = api.token("430102")  # a county's agent: its points are the county's, in its city
    r = api.write(token, f"m,site=X0102 x=1 {S0}\nm,site=X0102 x=2 {S0 + 60}\n", gzipped=True)
    assert r.status == 204 and r.body == b""
    assert _latest(api, "m") == [{"site": "X0102", "node": "430102", "city": "430100", "value": 2.0}]


def test_a_bad_line_is_named_and_nothing_is_written(api: Api) -> None:
    token = api.token("430000")
    r = api.write(token, f"m x=1 {S0}\nm x=2 {S0}\nm x=oops {S0}\nm x=4 {S0}\n")
    assert r.status == 400 and r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["code"] == "invalid" and "第 3 行" in body["message"] and "oops" in body["message"], body
    assert _latest(api, "m") == []
    r = api.write(token, f"m x=1 {S0}\nm s=\"text\" {S0}\n")  # text is a tag's job: refused, line named
    assert r.status == 400 and "第 2 行" in r.json()["message"] and "s" in r.json()["message"]
    r = api.write(token, b"m x=1 1\nm,t=\xff x=2 2\n")
    assert r.status == 400 and "第 2 行" in r.json()["message"]
    r = api.write(token, f"m x=1 {S0}", params={"bucket": "b", "precision": "h"})
    assert r.status == 400 and "precision" in r.json()["message"]
    r = api.write(token, f"m x=1 {S0}", params={"precision": "s"})
    assert r.status == 400 and "bucket" in r.json()["message"]
    r = api.write(token, b"\x1f\x8b not gzip", headers={"Content-Encoding": "gzip"})
    assert r.status == 400 and r.json()["code"] == "invalid"
    assert _latest(api, "m") == []


def test_without_a_valid_token_401(api: Api) -> None:
    token = api.token("430000")
    for bad in (None, "", "nonsense", token[:-2] + "xx", "govops_999_" + token.rsplit("_", 1)[1]):
        r = api.write(bad, f"m x=1 {S0}")
        assert r.status == 401 and r.json()["code"] == "unauthorized", (bad, r.status)
        assert token not in r.body.decode()
    r = api.request("POST", "/api/v2/write", body=b"m x=1 1", params={"bucket": "b"},
                    headers={"Authorization": f"Basic {token}"})
    assert r.status == 401
    assert _latest(api, "m") == []


def test_a_revoked_token_is_refused(api: Api) -> None:
    token = api.token("430100")
    assert api.write(token, f"m x=1 {S0}").status == 204
    token_id = int(token.split("_")[1])
    with transaction(api.world.sessions) as s:
        revoke_token(s, token_id, actor="test", now=NOW)
    assert api.write(token, f"m x=2 {S0 + 1}").status == 401
    assert api.get("/api/v1/sites", token).status == 401
    assert [r["value"] for r in _latest(api, "m")] == [1.0]


def test_past_the_size_limit_413(api: Api) -> None:
    token = api.token("430000")
    big = "".join(f"m,k=v{i:06d} x={i} {S0}\n" for i in range(3000))  # > 64 KiB uncompressed
    assert len(big) > LIMITS.max_body_bytes
    r = api.write(token, big)
    assert r.status == 413 and r.json()["code"] == "request too large"
    bomb = gzip.compress(b"#" * (LIMITS.max_body_bytes * 50))  # tiny compressed, huge decompressed
    assert len(bomb) < LIMITS.max_body_bytes
    r = api.request("POST", "/api/v2/write", token=token, body=bomb, params={"bucket": "b"},
                    headers={"Content-Encoding": "gzip"})
    assert r.status == 413 and "解压后" in r.json()["message"]
    many = "".join(f"m x={i} {S0 + i}\n" for i in range(LIMITS.max_lines + 1))  # small, but too many points
    r = api.write(token, many)
    assert r.status == 413 and str(LIMITS.max_lines) in r.json()["message"]
    assert _latest(api, "m") == []


def test_points_outside_the_token_region_are_refused(api: Api) -> None:
    city = api.token("430100")
    county = api.token("430102")
    refused = [
        (city, f"m x=1 {S0}\nm,node=430200 x=1 {S0}\n", "第 2 行"),  # 株洲's node
        (city, f"m,city=430200 x=1 {S0}\n", "city=430200"),
        (city, f"m,site=C0200 x=1 {S0}\n", "site=C0200"),  # a registered site of 株洲
        (county, f"m,node=430100 x=1 {S0}\n", "node=430100"),  # its city's own node is not the county's
        (county, f"m,host=web-01 x=1 {S0}\n", "host=web-01"),  # a province host
    ]
    for token, body, named in refused:
        r = api.write(token, body)
        assert r.status == 403 and r.json()["code"] == "forbidden" and named in r.json()["message"], (body, r.body)
    r = api.write(city, f"m,node=430102,city=430200 x=1 {S0}\n")  # inconsistent region tags
    assert r.status == 400 and "city=430200" in r.json()["message"]
    r = api.write(city, f"m,node=abc x=1 {S0}\n")
    assert r.status == 400 and "node=abc" in r.json()["message"]
    assert _latest(api, "m") == []
    assert api.write(city, f"m,node=430102,host=cms-cs x=5 {S0}\n").status == 204  # its county's host: fine
    assert _latest(api, "m") == [{"host": "cms-cs", "node": "430102", "city": "430100", "value": 5.0}]


def test_a_login_cookie_never_authenticates_the_api(api: Api) -> None:
    from security.users import create_user
    from tests.support.web import Browser

    with transaction(api.world.sessions) as s:
        create_user(s, "cs-admin", "Passw0rd!long-enough", "city_admin", "430100", actor="test", now=NOW)
    browser = Browser(api.base)
    assert browser.login("cs-admin", "Passw0rd!long-enough").status == 302 and browser.cookies
    assert browser.get("/api/v1/sites").status == 401
    r = browser.request("POST", "/api/v2/write?bucket=b", headers={
        "Content-Type": "text/plain", "X-CSRFToken": browser.cookies.get("_csrf_token", "")})
    assert r.status == 401
