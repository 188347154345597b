"""The new-media verdicts kept as findings: opened, kept, escalated, resolved, reopened; never opened or
resolved from missing data (SQLite and PostgreSQL, time passed in)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.severity import Severity
from db.hunan import seed_nodes
from db.models import NewMediaAccount, Platform
from db.models_media import NewMediaFinding, NewMediaState
from newmedia.findings import (
    Draft,
    drafts,
    fingerprint,
    media_finding_history,
    open_media_findings,
    plan,
    reconcile_account,
    reconcile_all,
)
from newmedia.rules import MediaRules, Observed, Verdict, evaluate

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
D = timedelta(days=1)
RULES = MediaRules()
BJ = ZoneInfo("Asia/Shanghai")


def test_drafts_cover_judged_rules_only() -> None:
    never = drafts(evaluate(None, NOW, RULES), BJ)
    assert never == ([], frozenset())  # 未采集: nothing opened, nothing covered
    obs = Observed(collected_at=NOW, last_post_at=NOW - 10 * D, interaction_open=None)
    holding, covered = drafts(evaluate(obs, NOW, RULES), BJ)
    assert covered == {"no_update"}  # interaction and messages unknown: 数据不足, not covered
    (warn,) = holding
    assert (warn.rule, warn.status, warn.evidence["days_left"]) == ("no_update", "warning", 4)
    assert warn.deadline == (NOW + 4 * D).astimezone(BJ).date()


def test_plan_resolves_only_covered_rules() -> None:
    class Row:
        def __init__(self, rule: str, status: str, resolved: datetime | None = None) -> None:
            self.rule, self.fingerprint, self.resolved_at = rule, fingerprint(rule, status), resolved

    open_warn, open_unanswered, old_veto = Row("no_update", "warning"), Row("unanswered", "veto"), \
        Row("no_update", "veto", NOW - 30 * D)
    p = plan([open_warn, open_unanswered, old_veto], [Draft("no_update", "veto", "x")], frozenset({"no_update"}))
    assert p.reopened == [(old_veto, Draft("no_update", "veto", "x"))]
    assert p.resolved == [open_warn]  # the warning became a veto; unanswered was not judged: stays open
    assert not p.created and not p.updated


def _account(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as s:
        seed_nodes(s)
        a = NewMediaAccount(platform=Platform.WEIBO, account_id="5900000101", name="长沙发布", node_code="430100",
                            enabled=True)
        s.add(a)
        s.flush()
        return a.id


def _state(s: Session, account_id: int, seen: datetime, last_post: datetime) -> NewMediaState:
    st = s.get(NewMediaState, account_id) or NewMediaState(account_id=account_id, source="api", collected_at=seen)
    st.collected_at, st.last_post_at = seen, last_post
    st.interaction_open, st.interaction_at = True, seen
    st.unanswered, st.messages_at = 0, seen
    s.add(st)
    s.flush()
    return st


def test_lifecycle_warning_veto_resolve_reopen(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    aid = _account(sessions)
    last_post = NOW - 10 * D
    with sessions.begin() as s:  # never collected: nothing
        assert not reconcile_account(s, aid, None, NOW, RULES, BJ).created
    with sessions.begin() as s:  # 10 days silent: an early warning, 4 days left
        st = _state(s, aid, NOW, last_post)
        assert [d.status for d in reconcile_account(s, aid, st, NOW, RULES, BJ).created] == ["warning"]
    t1 = NOW + 5 * D  # not observed since: the breach is past but unproven → nothing changes
    with sessions.begin() as s:
        p = reconcile_account(s, aid, s.get(NewMediaState, aid), t1, RULES, BJ)
        assert not (p.created or p.resolved or p.reopened)
    with sessions.begin() as s:  # observed 15 days silent: the veto opens, the warning resolves
        st = _state(s, aid, t1, last_post)
        p = reconcile_account(s, aid, st, t1, RULES, BJ)
        assert [d.status for d in p.created] == ["veto"] and len(p.resolved) == 1
    with sessions() as s:
        (veto,) = open_media_findings(s)
        assert veto.veto and veto.severity == Severity.CRITICAL and veto.first_seen == t1
        assert (veto.account, veto.kind, veto.check, veto.city_code) == ("weibo:5900000101", "media_no_update_veto",
                                                                         "new_media", "430100")
        assert veto.deadline == date(2026, 12, 11) and "单项否决" in veto.detail
    t2 = t1 + D  # a post came: resolved
    with sessions.begin() as s:
        st = _state(s, aid, t2, t2 - timedelta(hours=1))
        assert len(reconcile_account(s, aid, st, t2, RULES, BJ).resolved) == 1
    with sessions() as s:
        assert open_media_findings(s) == []
    t3 = t2 + 16 * D  # silent again and observed: the same veto reopens
    with sessions.begin() as s:
        st = _state(s, aid, t3, t2 - timedelta(hours=1))
        assert len(reconcile_account(s, aid, st, t3, RULES, BJ).reopened) == 1
    with sessions() as s:
        (veto,) = open_media_findings(s)
        assert veto.reopen_count == 1 and veto.first_seen == t1 and veto.last_seen == t3
        assert len(media_finding_history(s, aid)) == 2  # the veto and the resolved warning


def test_sweep_skips_disabled_accounts(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, sessions = migrated_db
    aid = _account(sessions)
    with sessions.begin() as s:
        _state(s, aid, NOW, NOW - 20 * D)
        s.get(NewMediaAccount, aid).enabled = False  # type: ignore[union-attr]
        assert reconcile_all(s, NOW, RULES, BJ)["created"] == 0
        s.get(NewMediaAccount, aid).enabled = True  # type: ignore[union-attr]
        assert reconcile_all(s, NOW, RULES, BJ)["created"] == 1
    with sessions() as s:
        rows = s.scalars(select(NewMediaFinding)).all()
        assert [(r.rule, r.veto, r.resolved_at) for r in rows] == [("no_update", True, None)]


def test_verdict_without_deadline_has_no_deadline() -> None:
    holding, covered = drafts([Verdict("no_interaction", "veto", "评论、留言等互动功能均未开放")], BJ)
    assert covered == {"no_interaction"} and holding[0].deadline is None
