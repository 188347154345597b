"""The province's judgement of a city's link: pure, at the edges of ``unreachable_after``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db.models_federation import FederatedNode
from federation.status import LinkState, judge, links

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
AFTER = timedelta(seconds=60)


def test_judge_at_the_edges() -> None:
    assert judge(None, NOW, AFTER) is LinkState.NEVER
    assert judge(NOW - AFTER, NOW, AFTER) is LinkState.ONLINE
    assert judge(NOW - AFTER - timedelta(milliseconds=1), NOW, AFTER) is LinkState.UNREACHABLE
    assert judge(NOW + timedelta(seconds=5), NOW, AFTER) is LinkState.ONLINE  # a clock a little ahead


def test_links_keeps_order_and_reports_since() -> None:
    seen = NOW - timedelta(minutes=7)
    row = FederatedNode(code="430200", first_seen_at=seen, last_seen_at=seen, last_event_seq=9,
                        last_event_at=seen, events_applied=9)
    out = links(["430100", "430200"], {"430200": "株洲市"}, {"430200": row}, NOW, AFTER)
    assert [(link.code, link.name, link.state) for link in out] == [
        ("430100", "430100", LinkState.NEVER), ("430200", "株洲市", LinkState.UNREACHABLE)]
    assert out[1].last_seen_at == seen and out[1].events_applied == 9 and not out[1].reachable
