"""The open API (docs/api.md): InfluxDB v2-compatible metric ingest, metric queries, REST reads of sites,
hosts, alerts and findings, and its OpenAPI document — all authenticated by per-node or per-integration
tokens (security/api_tokens.py, ``app.py nodes token``) and scoped to the token's region; and the
command center's self-monitoring at ``/metrics`` (api/metrics.py), authenticated by the same tokens."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.config import Config
from security.web import token_routes
from tsdb.store import MetricStore


def init_app(server: Flask, config: Config, *, store: MetricStore, sessions: sessionmaker[Session],
             clock: Clock) -> None:
    """Attach the API blueprint under ``/api`` to ``server`` (after security.web.init_security): its routes
    are token-authenticated, never by a cookie, and exempt from CSRF."""
    from api import federation  # its routes join the API blueprint (and the OpenAPI document) on import
    from api.metrics import bp as metrics_bp
    from api.routes import EXTENSION_KEY, ApiState, bp

    server.extensions[EXTENSION_KEY] = ApiState(config.api, store, sessions, clock)
    federation.attach(server, config)
    server.extensions[federation.EXTENSION_KEY] = federation.FederationState(tuple(config.node.federated_cities))
    for blueprint in (bp, metrics_bp):  # /api/… and the self-monitoring at /metrics
        server.register_blueprint(blueprint)
        token_routes(server, blueprint)
