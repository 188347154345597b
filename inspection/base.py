"""The Check plug-in family: one national inspection check per kind, one file each.

A check looks at one site as of a monitoring reference date (监测时间点) and returns
what it found. The runner, not the check, owns scheduling, timeouts, persistence of
findings (new / still present / resolved) and the metric counts.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from core.plugins import Registry


class Severity(enum.StrEnum):
    """Ordered from worst; labels in core.text.SEVERITY."""

    CRITICAL = "critical"  # 紧急: a veto item holds, or a security incident
    HIGH = "high"  # 严重: deducts points, or a veto is close
    MEDIUM = "medium"  # 一般
    LOW = "low"  # 提示: early warning, information

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True)
class ColumnTarget:
    """A registered 栏目 as a check sees it."""

    name: str
    kind: str  # db.models.ColumnKind value
    url: str
    first_level: bool = True
    item_selector: str | None = None
    date_selector: str | None = None


@dataclass(frozen=True)
class SiteTarget:
    """A registered site with everything checks need, detached from the database session."""

    code: str
    name: str
    url: str
    level: str  # db.models.SiteLevel value
    node_code: str
    city_code: str
    columns: tuple[ColumnTarget, ...] = ()


@dataclass(frozen=True)
class FindingDraft:
    """One problem a check found. ``location`` is where (a URL); ``detail`` is Chinese, for people.

    Identity of a finding across runs is (site, check, kind, location): the same triple seen again
    is the same finding (last_seen moves), one no longer seen is resolved.
    ``deadline`` is the date the problem breaches its rule (early warnings); ``veto`` marks a
    finding that on its own, or counted with others, feeds a veto item.
    """

    check: str
    kind: str
    location: str
    severity: Severity
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    deadline: date | None = None
    veto: bool = False


@dataclass(frozen=True)
class CheckResult:
    """What one check run on one site produced; ``stats`` are counts for the metric store,
    ``facts`` values read from the site that reports need (e.g. the footer's 备案号), JSON-serialisable."""

    check: str
    site_code: str
    as_of: datetime
    findings: tuple[FindingDraft, ...] = ()
    stats: Mapping[str, float] = field(default_factory=dict)
    facts: Mapping[str, Any] = field(default_factory=dict)


class CheckError(RuntimeError):
    """A check could not judge the site (e.g. it is unreachable); its previous findings stay open."""


@dataclass(frozen=True)
class CheckContext:
    """What a check is built with. ``settings`` is the check's own frozen ``Settings`` dataclass,
    filled from its section of the inspection rules file (data/inspection/rules.toml)."""

    config: Any  # core.config.Config
    settings: Any
    fetcher: Any  # inspection.fetch.Fetcher, shared by all checks of a run
    store: Any = None  # tsdb.store.MetricStore, for checks that judge collected history
    sessions: Any = None  # sqlalchemy sessionmaker, for checks that keep baselines
    clock: Any = None  # core.clock.Clock


@runtime_checkable
class Check(Protocol):
    """One national inspection check. Built as ``Kind(ctx: CheckContext)``; ``run`` is async.

    Each kind declares ``Settings``: a frozen dataclass whose fields all have defaults (the
    rule values; a field with ``metadata={"provisional": True}`` is one the spec could not
    confirm, and the UI says so).

    Raise :class:`CheckError` when the site cannot be judged; any other exception is a bug
    the runner logs and counts. A run must honour ``timeout`` (seconds) for its own I/O.
    """

    name: ClassVar[str]
    label_zh: ClassVar[str]
    interval: ClassVar[float]  # default seconds between scheduled runs; rules may override
    Settings: ClassVar[type]

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult: ...


class CheckBase:
    """The constructor every check shares: keep the context, and the settings (defaults when none given)."""

    Settings: ClassVar[type]

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.settings: Any = ctx.settings if ctx.settings is not None else self.Settings()


CHECKS: Registry[type] = Registry("check")
