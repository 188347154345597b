"""Shared fixtures: a database URL per backend and a migrated database.

``db_url`` runs each test on a fresh SQLite file and, when ``GOVOPS_TEST_PG_URL`` is set, again on
PostgreSQL. PostgreSQL runs live in one schema per test session (created here, selected through the
libpq ``options=-csearch_path=...`` connect argument carried in the URL, dropped at the end) and the
schema is emptied after each test, so parallel runs and tests never see each other's rows.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from db.migrate import upgrade
from db.session import make_engine, make_session_factory

PG_ENV = "GOVOPS_TEST_PG_URL"


def _reset_schema(engine: Engine, schema: str, create: bool = True) -> None:
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))  # fail loudly rather than hang on a leak
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if create:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[tuple[str, str, Engine]]:
    """(url bound to a fresh schema, schema name, admin engine); skips when PostgreSQL is not configured."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL not configured: set {PG_ENV}, e.g. "
                    f"{PG_ENV}=postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    schema = f"govops_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(base)
    _reset_schema(admin, schema)
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False), schema, admin
    finally:
        _reset_schema(admin, schema, create=False)
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """An empty database: a temporary SQLite file, or the session's PostgreSQL schema (emptied afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{os.path.join(tmp_path, 'govops.db')}"
        return
    url, schema, admin = request.getfixturevalue("pg_schema")
    try:
        yield url
    finally:
        _reset_schema(admin, schema)


@pytest.fixture
def migrated_db(db_url: str) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """(url, session factory) for a database upgraded to the newest revision."""
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        yield db_url, make_session_factory(engine)
    finally:
        engine.dispose()


# In CI nothing may be skipped silently: GOVOPS_REQUIRE_PG / GOVOPS_REQUIRE_BROWSER turn a skip of a
# test marked `postgres` / `browser` into a failure, so a missing service cannot pass as green.
_REQUIRED = {"postgres": "GOVOPS_REQUIRE_PG", "browser": "GOVOPS_REQUIRE_BROWSER"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium (never a downloaded browser), one per test module."""
    from tests.dashboard.browser_support import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (scripts/install-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    for marker, env in _REQUIRED.items():
        if item.get_closest_marker(marker) and os.environ.get(env):
            report.outcome = "failed"
            report.longrepr = f"{env} is set but this {marker} test was skipped: {report.longrepr}"
