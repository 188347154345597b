"""An overdue rectification notice on a city node: its alert goes up through the outbox like every other alert
(nothing of its own), with its notice, site and city labels, and its raised severity after the 2nd escalation.
City on SQLite, province on SQLite and PostgreSQL, over real HTTP on loopback."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from alerts.engine import AlertEngine
from alerts.rules import load_rule_files
from alerts.states import AlertState
from core.severity import Severity
from db.models import Finding, Site
from db.models_alerts import Alert
from federation.relay import RelayService
from operations import notice_store as ns
from operations.access import Actor
from tests.federation.relational import CITY, SITE, T0, City, Province, mirrored, rows, unsent

RULE_FILE = Path(__file__).resolve().parents[2] / "data" / "alerts" / "rules" / "rectification.yaml"
D = timedelta(days=1)
CITY_ACTOR = Actor("changsha", CITY)


def _overdue_notice(city: City) -> int:
    with city.sessions() as s:
        site = s.scalar(select(Site).where(Site.code == SITE))
        assert site is not None
        site.organizer = "芙蓉区人民政府办公室"
        f = Finding(site_id=site.id, check="column_freshness", kind="column_stale", location="http://127.0.0.1:9/a",
                    fingerprint="f" * 40, severity=Severity.MEDIUM, detail="栏目超期未更新", evidence={}, veto=False,
                    first_seen=T0, last_seen=T0, reopen_count=0)
        s.add(f)
        s.commit()
        n = ns.create_notice(s, CITY_ACTOR, T0, SITE, [f.id], date(2026, 11, 30))
        ns.issue_notice(s, CITY_ACTOR, T0, n.id)
        return n.id


def test_a_city_nodes_notice_alert_reaches_the_province(nodes: tuple[City, Province, str]) -> None:
    city, province, token = nodes
    notice_id = _overdue_notice(city)
    engine = AlertEngine(city.sessions, city.store, load_rule_files([RULE_FILE]), city.clock)
    late = T0 + 5 * D  # 12-02: two days past the deadline
    engine.evaluate(late)
    with city.sessions() as s:
        ns.escalate_overdue(s, late, ns.SYSTEM_ACTOR)
        ns.escalate_overdue(s, late + 7 * D, ns.SYSTEM_ACTOR)
    engine.evaluate(late + 7 * D)
    (at_city,) = rows(city.sessions, Alert)
    assert at_city.severity is Severity.CRITICAL
    with province.serve():
        RelayService(city.relay(province.url, token), interval=1.0, retry_max=8.0).step()
    assert unsent(city) == 0
    (got,) = mirrored(province)
    assert (got.rule, got.state, got.severity, got.city_code) == (
        "notice_overdue", AlertState.FIRING, Severity.CRITICAL, CITY)
    assert {k: got.labels[k] for k in ("notice", "site", "city")} == {"notice": str(notice_id), "site": SITE,
                                                                      "city": CITY}
    assert got.summary == at_city.summary and "已逾期" in got.summary
