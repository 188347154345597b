"""A bundle the city must refuse changes nothing: not the cache, not the database, not the alert files; the
error (Chinese) names what is wrong and where. Broken files come from a real province on loopback; tampered
bundles (a wrong version, another city's site …) from a small real HTTP server on loopback that answers with
the province's bundle changed."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from core.config import Config
from federation.bundle_check import BundleError
from federation.client import ProvinceClient
from federation.config_bundle import PATH, content_version
from federation.config_pull import cache_dir, pull, pull_or_cache
from tests.federation.config_world import CITY, Province, city_config, dead_url, files, open_db, province, snapshot


@pytest.fixture
def prov(tmp_path: Path) -> Iterator[Province]:
    with province(tmp_path / "province") as p:
        yield p


@pytest.fixture
def city(tmp_path: Path, prov: Province) -> tuple[Config, sessionmaker[Session]]:
    """A city that pulled once already: it has a cache, an applied configuration and pulled alert files."""
    config = city_config(tmp_path / "city", prov.base, prov.token(CITY))
    sessions = open_db(config.database.url)
    assert _pull(prov.base, config, sessions).status == "applied"
    return config, sessions


def _pull(base: str, config: Config, sessions: sessionmaker[Session]) -> Any:
    client = ProvinceClient(base, config.node.token_file and Path(config.node.token_file).read_text().strip(),
                            timeout=5)
    try:
        return pull(client, config, sessions)
    finally:
        client.close()


def _refused(base: str, config: Config, sessions: sessionmaker[Session], *expected: str) -> None:
    """Pulling from ``base`` is refused with a message holding ``expected``, and nothing changed."""
    before_db, before_files = snapshot(sessions), files(cache_dir(config))
    with pytest.raises(BundleError) as caught:
        _pull(base, config, sessions)
    message = str(caught.value)
    assert message.startswith("省级节点下发的配置有误，未作任何改动："), message
    for part in expected:
        assert part in message, message
    assert snapshot(sessions) == before_db and files(cache_dir(config)) == before_files
    assert not list(cache_dir(config).glob(".staging-*"))


def test_a_broken_rule_file_at_the_province_is_refused(prov: Province, city: tuple[Config, Any]) -> None:
    (prov.rules_dir / "zz-broken.yaml").write_text("version: 1\ngroups:\n  - name: x\n    rules: [1, 2\n",
                                                   encoding="utf-8")
    _refused(prov.base, *city, "规则文件有误", "zz-broken.yaml", "第 ")


def test_a_broken_receivers_file_at_the_province_is_refused(prov: Province, city: tuple[Config, Any]) -> None:
    prov.receivers_file.write_text("[receivers.x]\nkind = \"no-such-kind\"\n", encoding="utf-8")
    _refused(prov.base, *city, "接收方文件有误")


class _Serve(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def tampered(prov: Province) -> Iterator[Callable[[Any], str]]:
    """``serve(bundle)``: the base URL of a loopback server answering every GET with ``bundle`` (JSON)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Serve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def serve(bundle: Any) -> str:
        _Serve.body = json.dumps(bundle, ensure_ascii=False).encode("utf-8")
        return f"http://127.0.0.1:{server.server_address[1]}"

    try:
        yield serve
    finally:
        server.shutdown()
        server.server_close()


def _genuine(prov: Province) -> dict[str, Any]:
    r = requests.get(prov.base + PATH, headers={"Authorization": f"Token {prov.token(CITY)}"}, timeout=30)
    assert r.status_code == 200
    return r.json()


def _rehashed(bundle: dict[str, Any]) -> dict[str, Any]:
    bundle["version"] = content_version(bundle)
    return bundle


def _changes() -> list[tuple[str, Callable[[dict[str, Any]], Any], tuple[str, ...]]]:
    def name_without_rehash(b: dict[str, Any]) -> Any:
        b["sites"]["rows"][0][1] = "被篡改"
        return b

    def other_city(b: dict[str, Any]) -> Any:
        b["node"] = "430200"
        return _rehashed(b)

    def foreign_site(b: dict[str, Any]) -> Any:
        b["sites"]["rows"].append(["4302000001", "株洲市人民政府", "https://zz.example.gov.cn/", "city_portal",
                                   "430200", "", "true"])
        return _rehashed(b)

    def bad_column_kind(b: dict[str, Any]) -> Any:
        b["columns"]["rows"][1][2] = "gossip"
        return _rehashed(b)

    def orphan_column(b: dict[str, Any]) -> Any:
        b["columns"]["rows"].append(["4301020009", "孤儿栏目", "news", "https://x.example.gov.cn/", "", "", "true"])
        return _rehashed(b)

    def backwards_shift(b: dict[str, Any]) -> Any:
        b["roster"][0]["ends_at"] = "2020-01-01T00:00:00Z"
        return _rehashed(b)

    def foreign_shift(b: dict[str, Any]) -> Any:
        b["roster"].append({**b["roster"][0], "scope_code": "430200"})
        return _rehashed(b)

    def escaping_rule_name(b: dict[str, Any]) -> Any:
        b["rules"][0]["name"] = "../../etc/evil.yaml"
        return _rehashed(b)

    def sites_not_a_table(b: dict[str, Any]) -> Any:
        b["sites"] = ["4301000001"]
        return _rehashed(b)

    return [
        ("version", name_without_rehash, ("version 与内容不符",)),
        ("node", other_city, ("430200", "本节点是 430100")),
        ("foreign site", foreign_site, ("4302000001", "不在本市（430100）范围内")),
        ("column kind", bad_column_kind, ("栏目（columns）", "第 3 行", "gossip")),
        ("orphan column", orphan_column, ("栏目（columns）", "4301020009")),
        ("shift", backwards_shift, ("值班表第 1 条", "ends_at")),
        ("foreign shift", foreign_shift, ("值班表第 4 条", "430200")),
        ("rule name", escaping_rule_name, ("规则文件名", "../../etc/evil.yaml")),
        ("sites shape", sites_not_a_table, ("键 sites",)),
        ("not an object", lambda b: [b], ("应为 JSON 对象",)),
        ("format", lambda b: _rehashed({**b, "format": 2}), ("格式版本 2",)),
    ]


@pytest.mark.parametrize(("what", "change", "expected"), _changes(), ids=[c[0] for c in _changes()])
def test_a_tampered_bundle_changes_nothing(prov: Province, city: tuple[Config, Any],
                                           tampered: Callable[[Any], str], what: str,
                                           change: Callable[[dict[str, Any]], Any], expected: tuple[str, ...]) -> None:
    base = tampered(change(copy.deepcopy(_genuine(prov))))
    _refused(base, *city, *expected)


def test_a_corrupt_cache_is_refused_and_changes_nothing(tmp_path: Path, prov: Province,
                                                        city: tuple[Config, Any]) -> None:
    config, sessions = city
    cache = cache_dir(config) / "config.json"
    bundle = json.loads(cache.read_text(encoding="utf-8"))
    bundle["sites"]["rows"][0][2] = "ftp://not-a-site"
    cache.write_text(json.dumps(_rehashed(bundle), ensure_ascii=False), encoding="utf-8")
    (cache_dir(config) / "applied.json").unlink()  # so the start must apply the cache, not trust the record
    before_db, before_files = snapshot(sessions), files(cache_dir(config))
    down = city_config(tmp_path / "city", dead_url(), "govops_1_x")
    with pytest.raises(BundleError) as caught:
        pull_or_cache(down, sessions)
    assert "本地缓存的配置" in str(caught.value) and "ftp://not-a-site" in str(caught.value)
    assert snapshot(sessions) == before_db and files(cache_dir(config)) == before_files
