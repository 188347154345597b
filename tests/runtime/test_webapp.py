"""The composition root's web app: one Flask app from the configuration alone, security attached before
the screens, so every page the screens add is behind the guard."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from core.config import load_config
from dashboard.app import dash_app
from runtime.bootstrap import prepare_database
from runtime.webapp import create_app


def test_create_app_from_config_alone(tmp_path: Path) -> None:
    config = load_config(env={
        "GOVOPS_DATABASE__URL": f"sqlite:///{tmp_path / 'govops.db'}",
        "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp_path / "metrics.db"),
        "GOVOPS_SECURITY__SECRET_KEY_FILE": str(tmp_path / "secret.key"),
    })
    prepare_database(config)
    server = create_app(config)  # the store and the database come from the configuration
    assert isinstance(server, Flask)
    assert dash_app(server).server is server
    client = server.test_client()
    assert client.get("/healthz").status_code == 200
    # Login is on by default: the screens attached after security are refused to an anonymous visitor.
    for path in ("/", "/city/430100", "/alerts", "/_dash-layout"):
        reply = client.get(path, headers={"Accept": "text/html"})
        assert reply.status_code in (302, 401), (path, reply.status_code)
    assert client.get("/login").status_code == 200
