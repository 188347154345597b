"""The Check plug-in family: one national inspection check per kind, one file each.

A check looks at one target (a site today; a new-media account soon, see :data:`CheckTarget`) as of a
monitoring reference date (监测时间点) and returns what it found. The runner, not the check, owns
scheduling, timeouts, persistence of findings (new / still present / resolved) and the metric counts.
Everything else about a check — its Chinese label, its schedule group, the targets it reads, the veto
items its findings feed — it declares on its class; ``inspection.catalog`` reads the declarations and
refuses a check that leaves one out, so adding a check is one file in ``inspection/checks/`` (plus its
harness entry in ``tests/contracts/test_check_contract.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from core.plugins import Registry
from core.severity import Severity  # checks read it here with the rest of their vocabulary


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

    kind: ClassVar[str] = "site"
    code: str
    name: str
    url: str
    level: str  # db.models.SiteLevel value
    node_code: str
    city_code: str
    columns: tuple[ColumnTarget, ...] = ()


@dataclass(frozen=True)
class AccountTarget:
    """A registered new-media account (db.models.NewMediaAccount: 微信公众号, 微博, 抖音 …), detached.

    Part of the target union so checks can declare it (``targets = ("account",)``); nothing produces
    account targets yet — the runner inspects sites only until accounts become inspection targets.
    ``code`` is the account's key among targets: ``<platform>:<account_id>``.
    """

    kind: ClassVar[str] = "account"
    code: str
    name: str
    platform: str  # db.models.Platform value
    account_id: str
    node_code: str
    city_code: str
    profile_url: str | None = None
    site_code: str | None = None  # the site the account belongs to, when registered


CheckTarget = SiteTarget | AccountTarget
"""What a check can look at. A check declares the kinds it reads in ``targets``; the runner hands it
only targets of those kinds."""
TARGET_KINDS: tuple[str, ...] = (SiteTarget.kind, AccountTarget.kind)


@dataclass(frozen=True)
class VetoFeed:
    """How a check's findings feed one veto item (单项否决, spec §2; ``inspection.veto`` judges the item).

    ``item`` is a veto item code (core/i18n/inspection.py ``VETO_ITEM``); ``holds``: finding kinds that count
    toward the item now; ``due``: early-warning kinds whose deadlines say when it would hold;
    ``coverage``: kinds saying how much of the item's data window there is. Every kind named here must
    be one of the check's declared ``kinds``.
    """

    item: str
    holds: tuple[str, ...]
    due: tuple[str, ...] = ()
    coverage: tuple[str, ...] = ()

    @property
    def all_kinds(self) -> tuple[str, ...]:
        return (*self.holds, *self.due, *self.coverage)


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
    # Set by a check that found the homepage not answering now (why, in Chinese): the runner then does not
    # run the checks that read pages on this site, and records them as not judged for that one reason.
    unreachable: str = ""
    # The locations this run looked at (pages read, links checked), when it did not look at the whole site:
    # a stored finding the run did not see again is resolved only where the run looked; elsewhere it stays
    # open with its last-seen date (a budget-limited crawl that did not reach a page says nothing about it).
    covered: frozenset[str] | None = None


class CheckError(RuntimeError):
    """A check could not judge the site (e.g. it is unreachable); its previous findings stay open."""


@dataclass(frozen=True)
class CheckContext:
    """What a check is built with. ``settings`` is the check's own frozen ``Settings`` dataclass,
    filled from its section of the inspection rules file (data/inspection/rules.toml)."""

    config: Any  # core.config.Config
    settings: Any
    fetcher: Any  # webread.fetch.Fetcher, shared by all checks of a run
    store: Any = None  # tsdb.store.MetricStore, for checks that judge collected history
    sessions: Any = None  # sqlalchemy sessionmaker, for checks that keep baselines
    clock: Any = None  # core.clock.Clock


@runtime_checkable
class Check(Protocol):
    """One national inspection check. Built as ``Kind(ctx: CheckContext)``; ``run`` is async.

    Declarations (``inspection.catalog.load_checks`` refuses a check that breaks one, at start-up):
    ``name`` (its registered name), ``label_zh`` (its Chinese name wherever a check is named: screens,
    CLI, reports, alert labels), ``group`` (its schedule group: one collector kind ``inspection_<group>``
    per group runs the group's checks), ``order`` (its place in lists on screens, the national spec's
    order), ``targets`` (the target kinds it reads, :data:`TARGET_KINDS`) and ``veto`` (the veto items
    its findings feed, :class:`VetoFeed`; empty for a check that feeds none).

    Each kind declares ``Settings``: a frozen dataclass whose fields all have defaults (the
    rule values; a field with ``metadata={"provisional": True}`` is one the spec could not
    confirm, and the UI says so).

    Raise :class:`CheckError` when the site cannot be judged; any other exception is a bug
    the runner logs and counts. A run must honour ``timeout`` (seconds) for its own I/O.

    ``kinds`` and ``evidence_keys`` declare everything a finding of the check can say: screens label
    each in Chinese (core/i18n/inspection.py ``FINDING_KIND``, ``EVIDENCE_LABEL``; a test enforces it), and
    the runner rejects a result with an undeclared kind or key (:func:`undeclared`).
    """

    name: ClassVar[str]
    label_zh: ClassVar[str]
    group: ClassVar[str]  # schedule group (collector kind inspection_<group>)
    order: ClassVar[int]  # place in lists on screens
    targets: ClassVar[tuple[str, ...]]  # target kinds it reads ("site", "account")
    veto: ClassVar[tuple[VetoFeed, ...]]  # veto items its findings feed
    interval: ClassVar[float]  # default seconds between scheduled runs; rules may override
    Settings: ClassVar[type]
    kinds: ClassVar[tuple[str, ...]]  # every finding kind run() can produce (each has a Chinese label)
    evidence_keys: ClassVar[tuple[str, ...]]  # every top-level evidence key its findings can carry

    async def run(self, target: CheckTarget, as_of: datetime, timeout: float) -> CheckResult: ...


class CheckBase:
    """The constructor every check shares: keep the context, and the settings (defaults when none given).

    Defaults of the optional declarations: a check reads sites, reads their pages (so it is not run when
    the homepage does not answer now) and feeds no veto item.
    """

    Settings: ClassVar[type]
    targets: ClassVar[tuple[str, ...]] = ("site",)
    veto: ClassVar[tuple[VetoFeed, ...]] = ()
    reads_pages: ClassVar[bool] = True

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.settings: Any = ctx.settings if ctx.settings is not None else self.Settings()


def undeclared(check: Any, result: CheckResult) -> list[str]:
    """The finding kinds and evidence keys of ``result`` that ``check`` (class or instance) does not
    declare, as "kind x" / "evidence key y"; empty when all are declared or the check declares nothing."""
    kinds, keys = getattr(check, "kinds", None), getattr(check, "evidence_keys", None)
    out: list[str] = []
    for d in result.findings:
        if kinds is not None and d.kind not in kinds:
            out.append(f"kind {d.kind}")
        if keys is not None:
            out += [f"evidence key {k}" for k in d.evidence if k not in keys]
    return sorted(set(out))


CHECKS: Registry[type] = Registry("check")
