"""Read-only data of the new-media wall (/media): every account the viewer may see, judged at read time.

Two frames (columns documented in layouts/media.py): ``accounts`` (one row per account: its overall verdict,
the soonest breach, the age of its data) and ``issues`` (one row per rule verdict worth a line on the wall:
vetoes, early warnings, rules that cannot be judged, accounts never collected). Verdicts come from
``newmedia.rules`` as of ``now``; how long a veto or warning has held (``since_s``) from its stored finding
(``new_media_finding``, None until one is stored). Nothing is stored by reading.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from core.i18n import media as M
from core.i18n.common import PLATFORM
from core.region import city_of
from db.media_io import list_accounts
from newmedia.findings import open_media_findings
from newmedia.rules import NOT_COLLECTED, NOT_JUDGED, VETO, WARNING, MediaRules, evaluate, overall, soonest
from newmedia.store import observed
from security.scope import can_see

STALE_AFTER = timedelta(hours=48)  # an account's data older than this is greyed with its age (daily exports)
ACCOUNT_COLUMNS = ("key", "platform", "platform_label", "name", "organizer", "node_code", "city_code", "verdict",
                   "days_left", "age_s", "stale")
ISSUE_COLUMNS = ("key", "platform_label", "name", "organizer", "rule", "status", "detail", "days_left", "age_s",
                 "stale", "since_s")


def media_frames(sessions: sessionmaker[Session], now: datetime, rules: MediaRules,
                 scope_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accounts, issues) of the enabled accounts ``scope_code`` covers, as of ``now``."""
    with sessions() as s:
        listed = [a for a in list_accounts(s) if a.enabled and can_see(scope_code, city_of(a.node_code), a.node_code)]
        # Since when each veto / early warning holds: its stored finding's first_seen (newmedia/findings.py).
        held = {(f.account, f.rule, f.veto): f.first_seen for f in open_media_findings(s, [a.id for a in listed])}
    accounts, issues = [], []
    for a in listed:
        verdicts = evaluate(observed(a.state), now, rules)
        age = (now - a.state.collected_at).total_seconds() if a.state is not None else None
        stale = age is not None and age > STALE_AFTER.total_seconds()
        first = soonest(verdicts)
        key = f"{a.platform.value}:{a.account_id}"
        base = {"key": key, "platform_label": PLATFORM[a.platform.value],
                "name": a.name, "organizer": a.organizer or "", "age_s": age, "stale": stale}
        accounts.append({**base, "platform": a.platform.value, "node_code": a.node_code,
                         "city_code": city_of(a.node_code), "verdict": overall(verdicts),
                         "days_left": first.days_left if first is not None else None})
        if all(v.status == NOT_COLLECTED for v in verdicts):
            issues.append({**base, "rule": "", "status": NOT_COLLECTED, "detail": M.VERDICT["not_collected"],
                           "days_left": None, "since_s": None})
            continue
        for v in verdicts:
            if v.status not in (VETO, WARNING, NOT_JUDGED):
                continue
            since = held.get((key, v.rule, v.status == VETO)) if v.status != NOT_JUDGED else None
            issues.append({**base, "rule": v.rule, "status": v.status, "detail": v.detail,
                           "days_left": v.days_left if v.status == WARNING else None,
                           "since_s": max(0.0, (now - since).total_seconds()) if since is not None else None})
    return (pd.DataFrame(accounts, columns=list(ACCOUNT_COLUMNS)), pd.DataFrame(issues, columns=list(ISSUE_COLUMNS)))
