"""New-media accounts through their platforms' APIs (newmedia/adapters/): one target per enabled account of
a platform with an adapter and with a credential reference, among the accounts this node serves
(``db.scope.accounts_served``). An account without a credential is fed by the statistics import only.

Each run reads the account's posts back ``[newmedia] lookback_days``, its followers and whether interaction
is open, merges that into the account's state (``new_media_state``, what the national rules judge),
reconciles the account's findings (``new_media_finding``) in the same transaction and writes one
``new_media`` point. Accounts without a credential, or of a platform whose API host is not configured (an
app's ``app_api``), are fed by the statistics import (``app.py media stats``) instead.
A refusal of the platform (expired token, rate limit) raises :class:`newmedia.base.AdapterError` with its
Chinese reason: the scheduler logs and counts it, and the account's earlier state stays
(greyed with its age on the wall).
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any, ClassVar

from sqlalchemy import select

from collectors.base import COLLECTORS, CollectorContext, Target
from core.i18n import media as M
from db.models import NewMediaAccount
from db.scope import accounts_served
from db.session import transaction
from newmedia.base import ADAPTERS, AccountRef
from newmedia.findings import reconcile_account
from newmedia.settings import adapter_settings, load_adapters, media_rules
from newmedia.store import METRICS, merge, points
from tsdb.point import Point


@COLLECTORS.register("new_media")
class NewMediaCollector:
    name: ClassVar[str] = "new_media"
    label_zh: ClassVar[str] = M.COLLECTOR_LABEL
    blocking: ClassVar[bool] = True
    metrics = METRICS
    max_concurrency = 4  # platforms rate-limit per application

    def __init__(self, ctx: CollectorContext) -> None:
        self.ctx = ctx
        self.settings = ctx.config.newmedia
        # Platforms with an adapter and an API host (an app's endpoint is configured, or there is none).
        self.platforms = {p for p in load_adapters() if adapter_settings(ctx.config, p).base_url}
        self.rules = media_rules(ctx.config)
        self._adapters: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def interval(self) -> float:
        return float(self.settings.interval)

    @property
    def timeout(self) -> float:
        return float(self.settings.timeout)

    def targets(self) -> list[Target]:
        with self.ctx.sessions() as s:
            accounts = s.scalars(select(NewMediaAccount).where(
                NewMediaAccount.enabled.is_(True), NewMediaAccount.credential_ref.is_not(None),
                accounts_served(self.ctx.config.node))
                .order_by(NewMediaAccount.platform, NewMediaAccount.account_id)).all()
            return [Target(key=f"{a.platform.value}:{a.account_id}",
                           labels={"account": f"{a.platform.value}:{a.account_id}", "platform": a.platform.value,
                                   "node": a.node_code},
                           params={"id": a.id}) for a in accounts if a.platform.value in self.platforms]

    def _adapter(self, platform: str) -> Any:
        with self._lock:
            if platform not in self._adapters:
                self._adapters[platform] = ADAPTERS.get(platform)(adapter_settings(self.ctx.config, platform))
            return self._adapters[platform]

    def collect(self, target: Target) -> list[Point]:
        now = self.ctx.clock.now()
        with self.ctx.sessions() as s:
            account = s.get(NewMediaAccount, target.params["id"])
            if account is None:
                return []
            ref = AccountRef(account.id, account.platform.value, account.account_id, account.name,
                             account.credential_ref)
        act = self._adapter(ref.platform).fetch(ref, now - timedelta(days=self.settings.lookback_days), now)
        with transaction(self.ctx.sessions) as s:
            account = s.get(NewMediaAccount, ref.id)
            if account is None:
                return []
            st = merge(s, account.id, act)
            s.flush()
            # The account's findings move with its state, in the same transaction (newmedia/findings.py).
            reconcile_account(s, account.id, st, now, self.rules, self.ctx.config.web.tz)
            return points(account, st, now)
