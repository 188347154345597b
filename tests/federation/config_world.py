"""A province node serving the open API on loopback (the real app on waitress, its own SQLite registry, its
alert rule files and receivers file) and city nodes with databases of their own, for the configuration pull
(federation/config_pull.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.clock import FixedClock
from core.config import Config, load_config
from db.hunan import seed_nodes
from db.migrate import upgrade
from db.models import Column, ColumnKind, Site, SiteLevel
from db.models_alerts import DutyShift
from db.session import make_engine, make_session_factory, transaction
from security.api_tokens import create_token
from tests.dashboard.world import World
from tests.support.web import serve
from tsdb.sqlite_store import SQLiteMetricStore

NOW = datetime(2026, 11, 27, 8, 0, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
CITY = "430100"  # 长沙市; 430102 芙蓉区 is one of its counties
# code, name, level, node
SITES = [
    ("4300000001", "湖南省人民政府", SiteLevel.PROVINCIAL_PORTAL, "430000"),
    ("4301000001", "长沙市人民政府", SiteLevel.CITY_PORTAL, "430100"),
    ("4301020001", "芙蓉区人民政府", SiteLevel.COUNTY_PORTAL, "430102"),
    ("4302000001", "株洲市人民政府", SiteLevel.CITY_PORTAL, "430200"),
]
# site, column, kind
COLUMNS = [("4301000001", "通知公告", ColumnKind.NOTICE), ("4301000001", "政策文件", ColumnKind.POLICY),
           ("4301020001", "要闻动态", ColumnKind.NEWS), ("4302000001", "通知公告", ColumnKind.NOTICE),
           ("4300000001", "要闻动态", ColumnKind.NEWS)]
# scope, tier, user, starts (hours from NOW), hours long
ROSTER = [("430100", 1, "cs-zhang", -4, 12), ("430100", 2, "cs-li", -4, 12), ("430102", 1, "fr-wang", 0, 8),
          ("430200", 1, "zz-zhao", -4, 12), ("430000", 1, "prov-sun", -4, 12)]


def shipped_rule_files() -> list[str]:
    """The names of the rule files the product ships (the province world serves copies of them)."""
    return sorted(p.name for p in (REPO / "data" / "alerts" / "rules").glob("*.yaml"))


def site_url(code: str) -> str:
    return f"https://s{code}.example.gov.cn/"


def open_db(url: str) -> sessionmaker[Session]:
    """A migrated registry at ``url`` with Hunan's division nodes."""
    upgrade(url)
    sessions = make_session_factory(make_engine(url))
    with transaction(sessions) as s:
        seed_nodes(s)
    return sessions


@dataclass
class Province:
    base: str
    sessions: sessionmaker[Session]
    rules_dir: Path
    receivers_file: Path

    def token(self, node: str, name: str | None = None) -> str:
        with transaction(self.sessions) as s:
            return create_token(s, node, name=name, actor="test", now=NOW)[1]


@contextmanager
def province(tmp: Path) -> Iterator[Province]:
    """The province: its registry (SITES, COLUMNS, ROSTER), the shipped rule files and receivers file copied
    into ``tmp``, and its web app answering on 127.0.0.1."""
    tmp.mkdir(parents=True, exist_ok=True)
    sessions = open_db(f"sqlite:///{tmp / 'province.db'}")
    with transaction(sessions) as s:
        for code, name, level, node in SITES:
            s.add(Site(code=code, name=name, url=site_url(code), level=level, node_code=node, organizer=name))
        s.flush()
        ids = {code: id_ for code, id_ in s.execute(select(Site.code, Site.id))}
        for code, name, kind in COLUMNS:
            s.add(Column(site_id=ids[code], name=name, kind=kind, url=site_url(code) + f"{kind.value}/"))
        for scope, tier, user, start, hours in ROSTER:
            starts = NOW + timedelta(hours=start)
            s.add(DutyShift(scope_code=scope, tier=tier, username=user, starts_at=starts,
                            ends_at=starts + timedelta(hours=hours)))
    rules_dir = tmp / "rules"
    shutil.copytree(REPO / "data" / "alerts" / "rules", rules_dir)
    receivers = tmp / "receivers.toml"
    shutil.copy(REPO / "data" / "alerts" / "receivers.toml", receivers)
    config = load_config(env={"GOVOPS_NODE__ROLE": "province", "GOVOPS_ALERTS__RULES_DIR": str(rules_dir),
                              "GOVOPS_ALERTS__RECEIVERS_FILE": str(receivers),
                              "GOVOPS_SECURITY__SECRET_KEY_FILE": str(tmp / "secret_key")})
    store = SQLiteMetricStore(tmp / "metrics.db")
    world = World(config, sessions, store)
    try:
        with serve(world, config, clock=FixedClock(NOW), threads=2) as base:
            yield Province(base, sessions, rules_dir, receivers)
    finally:
        world.close()


def city_config(tmp: Path, province_url: str, token: str, *, code: str = CITY, db_url: str = "") -> Config:
    """A city node linked to ``province_url`` with ``token`` in its token file; its cache under ``tmp``."""
    tmp.mkdir(parents=True, exist_ok=True)
    token_file = tmp / "province.token"
    token_file.write_text(token + "\n", encoding="utf-8")
    return load_config(env={
        "GOVOPS_NODE__ROLE": "city", "GOVOPS_NODE__CODE": code, "GOVOPS_NODE__PROVINCE_URL": province_url,
        "GOVOPS_NODE__TOKEN_FILE": str(token_file), "GOVOPS_FEDERATION__CACHE_DIR": str(tmp / "federation"),
        "GOVOPS_FEDERATION__REQUEST_TIMEOUT": "5", "GOVOPS_FEDERATION__CONFIG_INTERVAL": "0.05",
        "GOVOPS_DATABASE__URL": db_url or f"sqlite:///{tmp / 'city.db'}"})


def dead_url() -> str:
    """A loopback address nobody listens on (a port bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def snapshot(sessions: sessionmaker[Session]) -> dict[str, object]:
    """What a city's database holds of the pulled configuration, comparable between two moments."""
    with sessions() as s:
        sites = sorted((x.code, x.name, x.url, x.level.value, x.node_code, x.organizer, x.enabled)
                       for x in s.scalars(select(Site)))
        columns = sorted((code, c.name, c.kind.value, c.url)
                         for c, code in s.execute(select(Column, Site.code).join(Site)))
        roster = sorted((r.id, r.scope_code, r.tier, r.username, r.starts_at.isoformat())
                        for r in s.scalars(select(DutyShift)))
    return {"sites": sites, "columns": columns, "roster": roster}


def files(base: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``base`` (through the rules link): path → (mtime ns, bytes)."""
    out: dict[str, tuple[int, bytes]] = {}
    for p in sorted(base.rglob("*")):
        if p.is_file() and p.name != ".lock":
            out[str(p.relative_to(base))] = (p.stat().st_mtime_ns, p.read_bytes())
    link = base / "rules"
    if link.is_symlink():
        out["rules ->"] = (0, str(link.readlink()).encode())
        for p in sorted(link.iterdir()):
            out[f"rules/{p.name}"] = (p.stat().st_mtime_ns, p.read_bytes())
    return out
