"""The shapes layouts accept: dataclasses and the documented DataFrame columns.

dashboard/ (data.py, audit_data.py, rules_data.py …) produces these; layouts/ only reads them, so builders
stay pure and never import the data layer.

DataFrame contracts (column names):

- city health: ``code, name, sites_total, up, down, stale, availability, status``
- availability trend: ``time`` (tz-aware UTC), ``availability`` (0–100), ``partial`` (optional; True on the
  live row of the running bucket, tsdb/series.py — drawn apart as 统计中, never as a finished value)
- worst sites: ``code, name, city_name, status, availability, latency_ms``
- city sites: ``code, name, level, node_name, status, latency_ms, tls_days, availability``
- site history: ``time, latency_ms, availability``, optional ``partial`` as for the trend
- hosts: ``name, address, role, registered, node_code, node_name, city_code, city_name, status, last_seen,
  cpu_percent, mem_percent, mem_used_bytes, mem_total_bytes, swap_percent, load1, load5, load15, procs,
  uptime_s, disk_percent`` (status ``up`` / ``unhealthy`` / ``stale``; percentages 0–100)
- host disks: ``mount, used_percent, free_bytes, total_bytes``
- host history: ``time, cpu_percent, mem_percent, load1, load5, load15, net_rx_bps, net_tx_bps,
  disk_read_bps, disk_write_bps`` (rates in bytes per second), optional ``partial`` as for the trend
- site findings: ``id, site_code, check, kind, severity, location, detail, evidence (dict), first_seen,
  last_seen, deadline (date), days_left, veto, resolved_at, open`` (severity critical/high/medium/low;
  open ones worst first, then resolved ones)
- site veto items: ``site_code, item_code, status, count, threshold, days_to_breach, deadline, provisional,
  have, need, unit`` (status breached / at_risk / ok / insufficient / unknown, in inspection/veto.py's item
  order; ``have``/``need``/``unit`` the item's data sufficiency, None when it has no window of its own)
- city inspection: ``code, name, status, open_findings, vetoed, at_risk, risk_items (item codes), nearest_deadline,
  days_left, insufficient, insufficient_items`` (status = worst open severity, ``clean`` or ``unknown``;
  ``insufficient``: neither vetoed nor at risk, some item short of data), riskiest first
- closest to breach: ``code, name, city_name, state (breached/at_risk/insufficient), item_code, deadline,
  days_left, have, need, unit``
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alerts.coverage import Coverage
from alerts.inhibition import InhibitRule
from alerts.rule_dir import FileVersion
from alerts.rules import Rule, RuleSet


@dataclass(frozen=True)
class OverviewKpis:
    """Province-wide figures at ``as_of``. ``None`` means no fresh data to compute from."""

    as_of: datetime
    sites_total: int
    sites_up: int
    sites_down: int
    sites_stale: int
    availability: float | None  # % of fresh sites that are up
    p95_latency_ms: float | None  # over the latest fresh probes
    hosts_total: int
    hosts_healthy: int
    hosts_stale: int
    freshness_s: float | None  # age of the newest collector data
    sites_unknown: int = 0  # sites of federated cities whose node is cut off: neither up nor down
    hosts_unknown: int = 0


@dataclass(frozen=True)
class LinkRow:
    """One federated city's node link on the province's walls (dashboard/federation_data.py)."""

    code: str
    name: str
    state: str  # online / unreachable / never (federation.status.LinkState values)
    since: datetime | None  # last heard from (None: never)


@dataclass(frozen=True)
class SiteDetail:
    """One site's registry facts and its latest probe."""

    code: str
    name: str
    url: str
    level: str
    node_name: str
    city_code: str
    city_name: str
    status: str
    latency_ms: float | None
    http_status: int | None
    tls_days: float | None
    last_probe: datetime | None
    error: str | None
    availability: float | None  # over the history window
    node_code: str = ""  # the division the site is filed under (its county for a county's site)
    cut: bool = False  # its city's node is cut off from the province: the status is unknown since cut_since
    cut_since: datetime | None = None


@dataclass(frozen=True)
class CrawlCoverage:
    """How much of one site the crawl has read within its cycle, counted at ``as_of`` from the site's crawl
    frontier (the pages it knows, reached from the homepage; ``checked``: those fetched within the last
    ``cycle_days``). ``last_crawl``: when the newest crawl ended (None: never); ``last_ok``: whether it
    could read the site; ``last_pages``: the pages it read; ``cut_short``: it ran out of time and stopped
    early. ``known == 0``: no page known yet (never crawled, or no crawl could read the homepage)."""

    as_of: datetime
    known: int
    checked: int
    cycle_days: float
    last_crawl: datetime | None = None
    last_ok: bool = True
    last_pages: int | None = None
    cut_short: bool = False

    @property
    def percent(self) -> float | None:
        """Pages checked within the cycle as a % of those known, one decimal; None with none known."""
        return None if self.known == 0 else round(100.0 * self.checked / self.known, 1)

    @property
    def state(self) -> str:
        """``none`` (no page known), ``stale`` (no crawl within the cycle: every page is due again),
        ``full`` (every known page checked within the cycle) or ``partial`` (the cycle under way)."""
        if self.known == 0:
            return "none"
        if self.last_crawl is None or (self.as_of - self.last_crawl).total_seconds() >= self.cycle_days * 86_400:
            return "stale"
        return "full" if self.checked >= self.known else "partial"


@dataclass(frozen=True)
class HostDetail:
    """One host's registry facts and its newest sample; ``role`` is "" for an unregistered host."""

    name: str
    address: str
    role: str
    registered: bool
    node_name: str
    city_code: str
    city_name: str
    status: str  # up / unhealthy / stale
    last_seen: datetime | None
    cpu_percent: float | None
    mem_percent: float | None
    mem_used_bytes: float | None
    mem_total_bytes: float | None
    swap_percent: float | None
    disk_percent: float | None  # the fullest mount of the newest sample
    load1: float | None
    load5: float | None
    load15: float | None
    procs: float | None
    uptime_s: float | None
    cut: bool = False  # its city's node is cut off from the province: unknown since cut_since
    cut_since: datetime | None = None


@dataclass(frozen=True)
class VetoKpis:
    """Province veto figures: sites with a veto item holding / close to holding (and none holding)."""

    sites_total: int
    sites_judged: int  # sites with at least one successful inspection run
    vetoed: int
    at_risk: int
    provisional: bool  # the at-risk count rests on a provisional rule value (the early-warning window)
    insufficient: int = 0  # sites neither vetoed nor at risk whose verdict on some item waits for data


@dataclass(frozen=True)
class AuditRow:
    """One entry as people read it: times in the display zone, codes replaced by Chinese names."""

    id: int
    at: str
    actor: str
    action: str
    action_code: str  # kept for the hover title, never shown as text
    object_type: str
    object_id: str
    region: str
    remote_addr: str
    summary: str


@dataclass(frozen=True)
class CoverageStats:
    """How many series of a window rule have enough data to be judged, and the furthest along of the rest."""

    sufficient: int
    short: int
    best_short: Coverage | None = None  # the insufficient series with the most data


@dataclass(frozen=True)
class RuleFileView:
    """One rule file as the page shows it.

    ``disk`` is the file as it is now (None once removed from the directory); ``loaded`` the version
    the rules in force were read from (None when none of its rules are in force); ``errors`` the
    ``(line, reason)`` that kept the current content out; ``rules`` the rules in force from this file.
    """

    path: str
    disk: FileVersion | None
    loaded: FileVersion | None
    errors: tuple[tuple[int, str], ...] = ()
    rules: tuple[Rule, ...] = ()
    inhibits: tuple[InhibitRule, ...] = ()  # the file's inhibit rules in force

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def changed(self) -> bool:
        """The content on disk is not the content in force (edited since, or never taken)."""
        return self.loaded is not None and (self.disk is None or self.disk.sha != self.loaded.sha)


@dataclass(frozen=True)
class RulesSnapshot:
    """The rule files and the rules in force, as of the last look at the directory."""

    directory: str
    state: str
    in_force: RuleSet
    files: tuple[RuleFileView, ...] = ()
    errors: tuple[tuple[str, int, str], ...] = ()  # every (file, line, reason) of the rejected set
    checked_at: datetime | None = None

    @property
    def broken(self) -> bool:
        return bool(self.errors)
