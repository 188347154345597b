"""GET /api/v1/federation/config over real HTTP: a city's node token gets its own city's bundle (sites and
columns of the city and its counties, the rule files, the receivers file, the roster of its regions) and
nothing of another city; every other token is refused (401/403, Chinese message)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from core.i18n import federation as text
from federation.config_bundle import content_version
from tests.federation.config_world import Province, province, shipped_rule_files

PATH = "/api/v1/federation/config"


@pytest.fixture(scope="module")
def prov(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    with province(tmp_path_factory.mktemp("province")) as p:
        yield p


def _get(prov: Province, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Token {token}"} if token is not None else {}
    return requests.get(prov.base + PATH, headers=headers, timeout=30)


def _bundle(prov: Province, city: str) -> dict[str, Any]:
    r = _get(prov, prov.token(city))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_city_token_gets_its_own_bundle(prov: Province) -> None:
    b = _bundle(prov, "430100")
    assert b["node"] == "430100" and b["format"] == 1 and b["generated_at"] == "2026-11-27T08:00:00Z"
    assert b["version"] == content_version(b) and len(b["version"]) == 64
    assert [r[0] for r in b["sites"]["rows"]] == ["4301000001", "4301020001"]  # the city and its county
    assert b["sites"]["header"][:5] == ["site_code", "name", "url", "level", "node_code"]
    assert sorted((r[0], r[1]) for r in b["columns"]["rows"]) == [
        ("4301000001", "政策文件"), ("4301000001", "通知公告"), ("4301020001", "要闻动态")]
    assert [r["name"] for r in b["rules"]] == shipped_rule_files()
    sites = next(r for r in b["rules"] if r["name"] == "sites.yaml")
    assert sites["text"] == (prov.rules_dir / "sites.yaml").read_text(encoding="utf-8")
    assert b["receivers"] == prov.receivers_file.read_text(encoding="utf-8")
    assert {(r["scope_code"], r["username"]) for r in b["roster"]} == {
        ("430100", "cs-zhang"), ("430100", "cs-li"), ("430102", "fr-wang")}
    assert _bundle(prov, "430100")["version"] == b["version"]  # the same content, the same version


def test_a_city_bundle_holds_nothing_of_another_city(prov: Province) -> None:
    cs, zz = _bundle(prov, "430100"), _bundle(prov, "430200")
    assert [r[0] for r in zz["sites"]["rows"]] == ["4302000001"]
    assert {r[0] for r in zz["columns"]["rows"]} == {"4302000001"}
    assert [r["username"] for r in zz["roster"]] == ["zz-zhao"]
    raw = json.dumps(zz, ensure_ascii=False)
    for foreign in ("4301000001", "4301020001", "4300000001", "cs-zhang", "prov-sun", "长沙", "芙蓉"):
        assert foreign not in raw
    assert cs["version"] != zz["version"]


@pytest.mark.parametrize(("node", "name", "message"), [
    ("430000", None, text.NOT_A_CITY.format(node="430000")),  # the province's own token
    ("430102", None, text.NOT_A_CITY.format(node="430102")),  # a county
    ("430100", "telegraf-长沙", text.NOT_NODE_TOKEN.format(name="telegraf-长沙")),  # an integration's token
])
def test_other_tokens_are_forbidden(prov: Province, node: str, name: str | None, message: str) -> None:
    r = _get(prov, prov.token(node, name))
    assert r.status_code == 403 and r.json() == {"code": "forbidden", "message": message}


def test_no_valid_token_is_unauthorized(prov: Province) -> None:
    for token in (None, "govops_999_nope", "garbage"):
        r = _get(prov, token)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized" and "令牌" in r.json()["message"]
    assert _get(prov, prov.token("430100")).status_code == 200
    r = requests.get(prov.base + PATH, params={"node": "430200"},
                     headers={"Authorization": f"Token {prov.token('430100')}"}, timeout=30)
    assert r.status_code == 400 and "node" in r.json()["message"]  # no parameter asks for another city


def test_the_endpoint_is_in_the_openapi_document(prov: Province) -> None:
    doc = requests.get(prov.base + "/api/openapi.json", headers={"Authorization": f"Token {prov.token('430100')}"},
                       timeout=30).json()
    op = doc["paths"][PATH]["get"]
    assert set(op["responses"]) == {"200", "400", "401", "403"} and "市级节点" in op["summary"]


def test_a_missing_receivers_file_is_null(tmp_path: Path) -> None:
    with province(tmp_path) as p:
        p.receivers_file.unlink()
        assert _bundle(p, "430100")["receivers"] is None
