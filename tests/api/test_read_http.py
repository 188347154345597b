"""GET /api/v1/query and the REST reads over real HTTP: parameters validated with a 400 naming them, rows
bounded, and every answer limited to the token's region; the OpenAPI document lists exactly the blueprint's
routes."""

from __future__ import annotations

from datetime import timedelta

from api.openapi import openapi_path
from tests.api.conftest import LIMITS, Api
from tests.dashboard.world import NOW

START = (NOW - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
END = str(int(NOW.timestamp()))


def _q(**extra: str) -> dict[str, str]:
    return {"measurement": "site_probe", "field": "latency_ms", "start": START, "end": END, **extra}


def test_query_aggregates_and_groups(api: Api) -> None:
    province = api.token("430000")
    r = api.get("/api/v1/query", province, _q(agg="count", group_by="site"))
    assert r.status == 200, r.body
    rows = r.json()["rows"]
    assert {row["site"] for row in rows} == {"P0001", "C0100", "X0102", "C0200", "X0302"}
    assert all(set(row) == {"time", "site", "value"} and row["time"].endswith("Z") for row in rows)
    for agg in ("sum", "avg", "min", "max", "last"):
        r = api.get("/api/v1/query", province, _q(agg=agg, every="1h", **{"tag.site": "P0001"}))
        assert r.status == 200 and r.json()["rows"], (agg, r.body)
    r = api.get("/api/v1/query", province, _q(agg="last", **{"tag.site": "P0001"}))
    assert r.json()["rows"][0]["value"] == 100.0  # the newest probe of P0001
    r = api.get("/api/v1/query", province, [*_q(agg="count", group_by="site").items(), ("tag.site", "P0001"),
                                             ("tag.site", "C0100")])
    assert {row["site"] for row in r.json()["rows"]} == {"P0001", "C0100"}


def test_query_rows_are_bounded(api: Api) -> None:
    r = api.get("/api/v1/query", api.token("430000"), _q(agg="count", every="1h", group_by="site",
                                                         start=(NOW - timedelta(hours=20)).isoformat()))
    assert r.status == 200 and len(r.json()["rows"]) == LIMITS.max_rows and r.json()["truncated"] is True


def test_query_parameters_are_validated(api: Api) -> None:
    token = api.token("430000")
    bad = [({"measurement": ""}, "measurement"), ({"field": ""}, "field"), ({"start": "yesterday"}, "start"),
           ({"start": "2026-11-27T08:00:00"}, "start"), ({"end": "1e400"}, "end"), ({"every": "5x"}, "every"),
           ({"every": "-1s"}, "every"), ({"agg": "median"}, "agg"), ({"end": START}, "end"),
           ({"every": "1ms"}, "every"), ({"group_by": ",".join(f"t{i}" for i in range(20))}, "group_by"),
           ({"bogus": "1"}, "bogus")]
    for change, named in bad:
        params = {**_q(), **change}
        r = api.get("/api/v1/query", token, {k: v for k, v in params.items() if v != "" or k == named})
        assert r.status == 400 and r.json()["code"] == "invalid" and named in r.json()["message"], (change, r.body)
    r = api.get("/api/v1/query", token, {"field": "x", "start": START})
    assert r.status == 400 and "measurement" in r.json()["message"]
    assert api.get("/api/v1/query", None, _q()).status == 401


def test_query_shows_only_the_token_region(api: Api) -> None:
    city, county = api.token("430100"), api.token("430102")
    r = api.get("/api/v1/query", city, _q(agg="count", group_by="site,node"))
    assert {row["site"] for row in r.json()["rows"]} == {"C0100", "X0102"}
    r = api.get("/api/v1/query", county, _q(agg="count", group_by="site"))
    assert {row["site"] for row in r.json()["rows"]} == {"X0102"}
    r = api.get("/api/v1/query", city, _q(agg="count", group_by="site", **{"tag.site": "C0200"}))
    assert r.status == 200 and r.json()["rows"] == []  # another city's site: nothing, not its data
    for token, key, value in ((city, "tag.city", "430200"), (city, "tag.node", "430200"),
                              (county, "tag.node", "430100"), (county, "tag.city", "430200")):
        r = api.get("/api/v1/query", token, _q(**{key: value}))
        assert r.status == 403 and key in r.json()["message"], (key, value, r.body)
    r = api.get("/api/v1/query", city, _q(agg="count", group_by="site", **{"tag.node": "430102"}))
    assert {row["site"] for row in r.json()["rows"]} == {"X0102"}


def test_rest_reads_are_scoped(api: Api) -> None:
    province, city, county = api.token("430000"), api.token("430100"), api.token("430102")
    codes = {t: [s["code"] for s in api.get("/api/v1/sites", t).json()["items"]] for t in (province, city, county)}
    assert codes[province] == ["C0100", "C0200", "C0400", "P0001", "X0102", "X0302"]
    assert codes[city] == ["C0100", "X0102"] and codes[county] == ["X0102"]
    assert api.get("/api/v1/sites/C0100", city).json()["city_code"] == "430100"
    for token, code in ((city, "C0200"), (county, "C0100"), (city, "NOPE")):
        r = api.get(f"/api/v1/sites/{code}", token)
        assert r.status == 404 and r.json()["code"] == "not found"
    hosts = {t: [h["name"] for h in api.get("/api/v1/hosts", t).json()["items"]] for t in (province, city, county)}
    assert hosts[province] == ["cms-cs", "db-01", "retired-01", "web-01"]
    assert hosts[city] == ["cms-cs"] and hosts[county] == ["cms-cs"]
    assert "ssh_key_path" not in api.get("/api/v1/hosts", province).body.decode()
    findings = {t: {f["site_code"] for f in api.get("/api/v1/findings", t).json()["items"]}
                for t in (province, city, county)}
    assert findings[province] and findings[city] <= {"C0100", "X0102"} and findings[county] <= {"X0102"}
    assert findings[province] - findings[city]
    r = api.get("/api/v1/sites", province, {"limit": "2"})
    assert r.json()["count"] == 2 and r.json()["truncated"] is True
    for path, params, named in (("/api/v1/sites", {"limit": "0"}, "limit"), ("/api/v1/alerts", {"state": "x"},
                                "state"), ("/api/v1/hosts", {"x": "1"}, "x")):
        r = api.get(path, province, params)
        assert r.status == 400 and named in r.json()["message"]
    for path in ("/api/v1/sites", "/api/v1/hosts", "/api/v1/alerts", "/api/v1/findings", "/api/openapi.json"):
        assert api.get(path, None).status == 401


def test_alerts_are_scoped(api: Api) -> None:
    from alerts.states import AlertState
    from core.severity import Severity
    from db.models_alerts import Alert
    from db.session import transaction

    rows = [("cs", "430100", {"node": "430100"}), ("fr", "430100", {"node": "430102"}),
            ("zz", "430200", {"node": "430200"}), ("prov", "430000", {})]
    with transaction(api.world.sessions) as s:
        for i, (rule, city, labels) in enumerate(rows):
            s.add(Alert(fingerprint=f"f{i}", rule=rule, rule_file="r.yaml", severity=Severity.MEDIUM,
                        rule_severity=Severity.MEDIUM, state=AlertState.FIRING, labels=labels, summary=rule,
                        city_code=city, started_at=NOW - timedelta(minutes=i)))
    seen = {node: {a["rule"] for a in api.get("/api/v1/alerts", api.token(node)).json()["items"]}
            for node in ("430000", "430100", "430102", "430200")}
    assert seen == {"430000": {"cs", "fr", "zz", "prov"}, "430100": {"cs", "fr"}, "430102": {"fr"},
                    "430200": {"zz"}}


def test_openapi_lists_exactly_the_blueprint_routes(api: Api) -> None:
    doc = api.get("/api/openapi.json", api.token("430100")).json()
    from runtime.webapp import create_app

    app = create_app(api.world.config, store=api.world.store, sessions=api.world.sessions)
    routes = {(openapi_path(r.rule), m.lower()) for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")
              for m in (r.methods or set()) - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routes == documented and len(routes) == 11  # with the three federation endpoints
    assert "/api/v2/write" in doc["paths"] and "/api/v1/sites/{code}" in doc["paths"]
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["summary"] and op["responses"]
