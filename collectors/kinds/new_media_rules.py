"""The national new-media rules judged on a clock: one target (this node), every ``[newmedia] rules_interval``.

Time alone moves verdicts — an account fed by a daily statistics export comes within ``warn_days`` of its
two-week breach without any new data — so the findings of every enabled account this node serves
(``db.scope.accounts_served``) are reconciled as of now, all in one transaction (newmedia/findings.py).
Each run writes one ``new_media_findings`` point per collected account: its open vetoes and warnings, and how
many rules could not be judged (数据不足) — without which "0 vetoes" would read as "no veto".
An account never collected gets no point (nothing is known of it; 未采集 on the wall).
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import func, select

from collectors.base import COLLECTORS, CollectorContext, Target
from core.clock import to_ns
from core.i18n import media as M
from core.region import city_of
from db.models import NewMediaAccount
from db.models_media import NewMediaFinding, NewMediaState
from db.scope import accounts_served
from db.session import transaction
from newmedia.findings import reconcile_all
from newmedia.rules import NOT_JUDGED, evaluate
from newmedia.settings import media_rules
from newmedia.store import observed
from tsdb.catalogue import MetricSpec, declare, declare_measurement
from tsdb.point import Point, points_for

MEASUREMENT = "new_media_findings"
declare_measurement(MEASUREMENT, "政务新媒体问题")
METRICS = declare(
    MetricSpec(MEASUREMENT, "vetoes", "项", "单项否决数", "open veto findings of the account"),
    MetricSpec(MEASUREMENT, "warnings", "项", "否决预警数", "open early-warning findings of the account"),
    MetricSpec(MEASUREMENT, "not_judged", "项", "数据不足未判定项数",
               "rules that could not be judged now (0 vetoes is only 'no veto' when this is 0)"),
)


@COLLECTORS.register("new_media_rules")
class NewMediaRulesCollector:
    name: ClassVar[str] = "new_media_rules"
    label_zh: ClassVar[str] = M.RULES_COLLECTOR_LABEL
    blocking: ClassVar[bool] = True
    metrics = METRICS

    def __init__(self, ctx: CollectorContext) -> None:
        self.ctx = ctx
        self.settings = ctx.config.newmedia

    @property
    def interval(self) -> float:
        return float(self.settings.rules_interval)

    @property
    def timeout(self) -> float:
        return float(self.settings.timeout)

    def targets(self) -> list[Target]:
        node = self.ctx.config.node.code
        return [Target(key=node, labels={"node": node}, params={})]

    def collect(self, target: Target) -> list[Point]:
        now = self.ctx.clock.now()
        where = accounts_served(self.ctx.config.node)
        with transaction(self.ctx.sessions) as s:
            rules = media_rules(self.ctx.config)
            reconcile_all(s, now, rules, self.ctx.config.web.tz, where)
            s.flush()
            counts = {(aid, veto): n for aid, veto, n in s.execute(
                select(NewMediaFinding.account_id, NewMediaFinding.veto, func.count())
                .where(NewMediaFinding.resolved_at.is_(None))
                .group_by(NewMediaFinding.account_id, NewMediaFinding.veto)).all()}
            accounts = s.execute(select(NewMediaAccount, NewMediaState).join(
                NewMediaState, NewMediaState.account_id == NewMediaAccount.id).where(
                NewMediaAccount.enabled.is_(True), where)).all()
            out: list[Point] = []
            for a, st in accounts:
                unjudged = sum(v.status == NOT_JUDGED for v in evaluate(observed(st), now, rules))
                tags = {"account": f"{a.platform.value}:{a.account_id}", "platform": a.platform.value,
                        "node": a.node_code, "city": city_of(a.node_code)}
                out += points_for(MEASUREMENT, tags, to_ns(now), [
                    ("vetoes", float(counts.get((a.id, True), 0))),
                    ("warnings", float(counts.get((a.id, False), 0))), ("not_judged", float(unjudged))])
            return out
