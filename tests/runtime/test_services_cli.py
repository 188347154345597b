"""``app.py services``: register, list, enable, disable and remove platform services, each change audited;
a refused change writes nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.cli import CliError
from db.models_security import AuditEntry
from db.models_services import Service
from db.session import transaction
from runtime.services_cli import add_service, checked_service, list_services, remove_service, set_enabled
from tests.collectors.conftest import sessions  # noqa: F401  (the migrated SQLite registry fixture)
from tests.collectors.support import seed_registry


def _seeded(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        seed_registry(s, {})


def test_add_list_disable_enable_remove_are_audited(sessions: sessionmaker[Session]) -> None:  # noqa: F811
    _seeded(sessions)
    out = io.StringIO()
    svc = checked_service("cms-db", "mysql", "10.0.0.5:3306", "file:cms-db.pass", ["user=monitor"])
    assert add_service(sessions, svc, "430100", out=out) == 0
    assert "已登记服务“cms-db”" in out.getvalue()
    listing = io.StringIO()
    list_services(sessions, out=listing)
    row = listing.getvalue().splitlines()[1].split("\t")
    assert row == ["cms-db", "MySQL/MariaDB 数据库", "10.0.0.5:3306", "430100", "file:cms-db.pass", "启用",
                   '{"user": "monitor"}']
    set_enabled(sessions, "cms-db", False, out=out)
    unchanged = io.StringIO()
    set_enabled(sessions, "cms-db", False, out=unchanged)
    assert "已是停用状态" in unchanged.getvalue()
    set_enabled(sessions, "cms-db", True, out=out)
    remove_service(sessions, "cms-db", out=out)
    with sessions() as s:
        assert s.scalars(select(Service)).all() == []
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.object_id, e.actor) for e in entries] == [
        ("service.add", "cms-db", "cli"), ("service.disable", "cms-db", "cli"), ("service.enable", "cms-db", "cli"),
        ("service.remove", "cms-db", "cli")]
    assert entries[0].detail["credentials_ref"] == "file:cms-db.pass" and entries[0].scope_code == "430100"


@pytest.mark.parametrize(("args", "words"), [
    (("db", "postgresql", "10.0.0.5", "PGPASSWORD=x", []), "不接受明文密码"),
    (("db", "postgresql", "10.0.0.5", None, ["size=1"]), "没有选项“size”"),
    (("db", "postgresql", "10.0.0.5", None, ["long_xact_s"]), "应写成 键=值"),
    (("db", "nginx", "10.0.0.5:80", None, []), "http://"),
    (("my db", "tcp", "10.0.0.5:80", None, []), "--name"),
])
def test_bad_arguments_are_refused_before_anything_is_written(args: tuple, words: str) -> None:
    with pytest.raises(CliError, match=words):
        checked_service(*args)


def test_a_refused_add_writes_nothing(sessions: sessionmaker[Session]) -> None:  # noqa: F811
    _seeded(sessions)
    add_service(sessions, checked_service("es", "tcp", "10.0.0.9:9200", None, []), "430100", out=io.StringIO())
    with pytest.raises(CliError, match="已有名为“es”的服务"):
        add_service(sessions, checked_service("es", "tcp", "10.0.0.9:9300", None, []), "430100", out=io.StringIO())
    with pytest.raises(CliError, match="999999"):
        add_service(sessions, checked_service("mq", "tcp", "10.0.0.9:5672", None, []), "999999", out=io.StringIO())
    with sessions() as s:
        assert [(x.name, x.address) for x in s.scalars(select(Service))] == [("es", "10.0.0.9:9200")]
        assert len(s.scalars(select(AuditEntry)).all()) == 1
    with pytest.raises(CliError, match="未登记名为“ghost”的服务"):
        remove_service(sessions, "ghost", out=io.StringIO())
