"""``GET /metrics``: the command center's self-monitoring in Prometheus text format (core/selfmetrics.py).

Authenticated like the rest of the open API (``Authorization: Bearer <token>``, any live API token: the
exposition names collector kinds, receiver kinds and counts, never a region, site or host), so a Prometheus
scraper that cannot log in uses a token made with ``app.py nodes token``. The notification queue is measured
here at scrape time, from the database every process shares, so it stays true while the alert process is down.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from alerts.delivery import DUE
from api.errors import ApiError
from api.routes import _api_error, _holder, _state
from core import selfmetrics
from db.models_alerts import Notification

bp = Blueprint("selfmetrics", __name__)
bp.register_error_handler(ApiError, _api_error)  # a refused token: 401 as JSON, like every API route


class NotificationQueue(Collector):
    """``govops_notifications_due{status}``: notifications waiting to be sent (pending) or sent again
    (retrying), counted when scraped."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as s:
            counts = dict(s.execute(select(Notification.status, func.count()).where(Notification.status.in_(DUE))
                                    .group_by(Notification.status)).all())
        g = GaugeMetricFamily("govops_notifications_due", "Notifications due to be sent, by status (the "
                              "dispatch queue; measured from the database when scraped).", labels=["status"])
        for status in DUE:
            g.add_metric([status.value], float(counts.get(status, 0)))
        yield g


@bp.route("/metrics")
def metrics() -> Response:
    _holder()
    body = selfmetrics.exposition([NotificationQueue(_state().sessions)])
    return Response(body, mimetype=None, content_type=selfmetrics.CONTENT_TYPE)
