"""Alert labels as people read them: every label key and, where one exists, its value in Chinese.

An alert's labels are codes (``site=4301020001``, ``check=defacement``, ``kind=hidden_link``,
``collector=inspection_columns``); screens and alert texts name them instead: 网站 芙蓉区人民政府门户网站,
检查项 网页篡改与暗链, 问题类型 隐藏链接（暗链）, 采集器 栏目更新巡检. Host names, mount points and
locations are data and stay as they are; a label no vocabulary knows keeps its own key and value (an
operator's static label). :class:`LabelNames` is pure; :func:`label_names` reads the registry's names of
sites, divisions and new-media accounts.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.base import collector_label
from core.i18n.alerts import LABEL_NAME, LABEL_VALUE, PROVINCE_LEVEL
from core.i18n.common import SITE_LEVEL
from core.i18n.inspection import FINDING_KIND
from core.i18n.media import CHECK_LABEL as MEDIA_CHECK_LABEL
from core.i18n.media import FINDING_KIND as MEDIA_FINDING_KIND
from core.i18n.verification import ALERT_CHECK_LABEL as NOTICE_CHECK_LABEL
from core.i18n.verification import ALERT_FINDING_KIND as NOTICE_FINDING_KIND
from core.region import PROVINCE_CODE
from inspection.catalog import CHECK_LABEL

HIDDEN = frozenset({"alertname"})  # the rule itself: screens show its title instead
VALUE_NAME: dict[str, Mapping[str, str]] = {
    "check": ChainMap(dict(MEDIA_CHECK_LABEL), dict(NOTICE_CHECK_LABEL), CHECK_LABEL),  # type: ignore[arg-type]
    "kind": {**FINDING_KIND, **MEDIA_FINDING_KIND, **NOTICE_FINDING_KIND},
    "level": SITE_LEVEL,
    **LABEL_VALUE,
}


@dataclass(frozen=True)
class LabelNames:
    """Chinese names of label keys and values. ``places`` holds the registry's names by key
    (``site``, ``node``, ``city``: code → name), :func:`label_names` reads them."""

    places: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def key(self, key: str) -> str:
        return LABEL_NAME.get(key, key)

    def value(self, key: str, value: str) -> str:
        """The value's Chinese name where one is known, else the value as it is."""
        if key == "collector":
            return collector_label(value)
        table = self.places.get(key) or VALUE_NAME.get(key) or {}
        return str(table.get(value, value))

    def for_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        """Every shown label's value by name (what ``{names[KEY]}`` in a summary reads)."""
        return {k: self.value(k, str(v)) for k, v in labels.items() if k not in HIDDEN}

    def items(self, labels: Mapping[str, str]) -> list[tuple[str, str]]:
        """(Chinese key, Chinese value) of every shown label, known keys first in :data:`LABEL_NAME` order."""
        order = {k: i for i, k in enumerate(LABEL_NAME)}
        keys = sorted((k for k in labels if k not in HIDDEN), key=lambda k: (order.get(k, len(order)), k))
        return [(self.key(k), self.value(k, str(labels[k]))) for k in keys]


def label_names(session: Session) -> LabelNames:
    """The registry's names: sites, divisions (nodes) and cities (430000 as 省本级); every collector kind is
    registered first, so each collector reads by its label (collectors.loader.load_kinds)."""
    from collectors.loader import load_kinds
    from db.models import NewMediaAccount, Node, Site

    load_kinds()
    nodes = {c: n for c, n in session.execute(select(Node.code, Node.name))}
    sites = {c: n for c, n in session.execute(select(Site.code, Site.name))}
    accounts = {f"{p.value}:{a}": n for p, a, n in session.execute(
        select(NewMediaAccount.platform, NewMediaAccount.account_id, NewMediaAccount.name))}
    return LabelNames({"site": sites, "node": nodes, "city": {**nodes, PROVINCE_CODE: PROVINCE_LEVEL},
                       "account": accounts})


__all__ = ["HIDDEN", "VALUE_NAME", "LabelNames", "label_names"]
