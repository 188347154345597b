"""The demo fleet definition: which sites exist, where they listen, which faults they carry.

:func:`build_fleet` is the public constructor. It is pure and seeded (apart from reading
the division list and an optional fault file): the same config, divisions and ``as_of``
give the same :class:`FleetSpec`, whose ground truth is exact.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.config import Config
from core.i18n import demo as text
from demo.faults import UNREACHABLE_KINDS, Fault, check_unique, default_faults, load_fault_file

DEFAULT_CA_FILE = "var/demo/ca.pem"
HTTPS_SHARE = 0.15  # share of departments and counties that also serve HTTPS


class FleetError(ValueError):
    """The fleet cannot be built: bad division data or too many sites for the address space."""


@dataclass(frozen=True)
class ColumnSpec:
    kind: str  # a db.models.ColumnKind value
    name: str
    slug: str

    @property
    def path(self) -> str:
        return f"/{self.slug}/index.html"


@dataclass(frozen=True)
class SiteSpec:
    code: str  # 10-digit 政府网站标识码
    name: str
    level: str  # a db.models.SiteLevel value
    node_code: str
    organizer: str
    place: str  # place or body named in generated titles
    doc_prefix: str  # document-number prefix, e.g. 湘政办发
    address: str  # loopback IPv4 the site listens on
    https: bool
    url: str  # the homepage URL the registry holds
    icp: str
    psb: str
    columns: tuple[ColumnSpec, ...]

    def column(self, kind: str) -> ColumnSpec:
        for c in self.columns:
            if c.kind == kind:
                return c
        raise KeyError(f"site {self.code} has no column of kind {kind!r}")

    def abs_url(self, path: str) -> str:
        return self.url.rstrip("/") + path


@dataclass(frozen=True, eq=False)
class FleetSpec:
    """Every site, its address and faults, as of one instant (the fleet's clock)."""

    as_of: datetime
    seed: int
    port: int
    https_port: int
    ca_file: Path
    probe_timeout: float
    sites: tuple[SiteSpec, ...]
    faults: tuple[Fault, ...]
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def site(self, code: str) -> SiteSpec:
        for s in self.sites:
            if s.code == code:
                return s
        raise KeyError(f"no demo site with code {code!r}")

    def site_at(self, address: str) -> SiteSpec | None:
        index = self._cache.get("by_address")
        if index is None:
            index = self._cache["by_address"] = {s.address: s for s in self.sites}
        return index.get(address)

    def faults_for(self, code: str) -> list[Fault]:
        return [f for f in self.faults if f.site_code == code]

    def fault(self, code: str, kind: str, column: str | None = None) -> Fault | None:
        for f in self.faults:
            if f.site_code == code and f.kind == kind and (column is None or f.params.get("column") == column):
                return f
        return None

    def reachable(self, code: str) -> bool:
        """False when a visitor following a link to this site would fail (down, errors, slow, bad TLS)."""
        return not any(f.kind in UNREACHABLE_KINDS for f in self.faults_for(code))

    def ground_truth(self) -> dict[str, Any]:
        from demo.truth import ground_truth
        return ground_truth(self)

    def write_registry(self, sites_csv: Path, columns_csv: Path) -> None:
        from demo.truth import write_registry
        write_registry(self, sites_csv, columns_csv)


def load_divisions() -> list[tuple[str, str]]:
    """(code, name) of Hunan's province, cities and counties, from the registry's division list."""
    from db.hunan import load_divisions as registry_divisions

    return [(str(r["code"]), str(r["name"])) for r in registry_divisions()]


def _address(prefix: str, index: int) -> str:
    a, b, c = (int(p) for p in prefix.split("."))
    c += index // 254
    if c > 255:
        raise FleetError(f"demo.bind_prefix {prefix}: not enough /24 blocks for {index + 1} sites")
    return f"{a}.{b}.{c}.{index % 254 + 1}"


def _filings(rng: random.Random, node_code: str) -> tuple[str, str]:
    icp = f"湘ICP备{rng.randint(10_000_000, 99_999_999)}号"
    psb = f"湘公网安备 {node_code}{rng.randint(0, 99_999_999):08d}号"
    return icp, psb


def _columns() -> tuple[ColumnSpec, ...]:
    return tuple(ColumnSpec(k, text.COLUMN_NAMES[k], text.COLUMN_SLUGS[k]) for k in text.COLUMN_NAMES)


def _site_rows(divisions: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Site identities in address order: portal, departments, city portals, county portals."""
    names = dict(divisions)
    bad = [c for c in names if not (len(c) == 6 and c.isdigit() and c.startswith("43"))]
    if bad:
        raise FleetError(f"division list: code {bad[0]!r} is not a 6-digit Hunan code")
    cities = sorted(c for c in names if c.endswith("00") and c != "430000")
    counties = sorted(c for c in names if not c.endswith("00"))
    if not cities or not counties:
        raise FleetError("division list: no cities or no counties found")
    rows = [dict(code="4300000001", name=text.PROVINCIAL_PORTAL, level="provincial_portal", node="430000",
                 organizer=text.PROVINCIAL_ORGANIZER, place=text.PROVINCE_NAME, doc="湘政办发")]
    for i, (name, org, short) in enumerate(text.DEPARTMENTS, 2):
        rows.append(dict(code=f"430000{i:04d}", name=name, level="provincial_department", node="430000",
                         organizer=org, place=name, doc=f"{short}发"))
    for c in cities:
        rows.append(dict(code=f"{c}0001", name=f"{names[c]}人民政府", level="city_portal", node=c,
                         organizer=f"{names[c]}人民政府办公室", place=names[c], doc=f"{names[c][:2]}政办发"))
    county_names = [names[c] for c in counties]
    for c in counties:
        nm = names[c]
        if county_names.count(nm) > 1:  # same county name in two cities: qualify with the city
            nm = names.get(c[:4] + "00", "") + nm
        rows.append(dict(code=f"{c}0001", name=f"{nm}人民政府", level="county_portal", node=c,
                         organizer=f"{nm}人民政府办公室", place=nm, doc=f"{nm[:2]}政办发"))
    return rows


def build_fleet(config: Config, as_of: datetime, divisions: Sequence[tuple[str, str]] | None = None) -> FleetSpec:
    """The demo fleet for ``config.demo`` as of the aware datetime ``as_of``.

    ``divisions`` ((code, name) pairs) defaults to :func:`load_divisions`. Faults come from
    ``config.demo.fault_file`` when set, else the seeded default mix. Raises
    :class:`FleetError` or :class:`demo.faults.FaultError` with a message naming the source.
    """
    if as_of.tzinfo is None:
        raise FleetError(f"as_of {as_of!r}: pass an aware datetime")
    demo = config.demo
    rng = random.Random(f"demo-fleet:{demo.seed}")
    rows = _site_rows(load_divisions() if divisions is None else divisions)
    sites: list[SiteSpec] = []
    for i, row in enumerate(rows):
        https = row["level"] in ("provincial_portal", "city_portal") or rng.random() < HTTPS_SHARE
        address = _address(demo.bind_prefix, i)
        url = f"https://{address}:{demo.https_port}/" if https else f"http://{address}:{demo.port}/"
        icp, psb = _filings(rng, row["node"])
        sites.append(SiteSpec(code=row["code"], name=row["name"], level=row["level"], node_code=row["node"],
                              organizer=row["organizer"], place=row["place"], doc_prefix=row["doc"],
                              address=address, https=https, url=url, icp=icp, psb=psb, columns=_columns()))
    timeout = config.collectors.probe_timeout
    if demo.fault_file:
        faults = load_fault_file(config.resolve_path(demo.fault_file), {s.code for s in sites}, timeout)
        tls_sites = {f.site_code for f in faults if f.kind.startswith("tls_")}
        # A declared TLS fault needs a certificate, so that site serves HTTPS.
        sites = [_with_https(s, demo.https_port) if s.code in tls_sites and not s.https else s for s in sites]
    else:
        # The provincial portal stays clean: every other site links to it.
        candidates = [(s.code, s.https) for s in sites if s.level != "provincial_portal"]
        faults = default_faults(demo.seed, candidates, timeout)
    check_unique(faults)
    ca_file = config.resolve_path(config.collectors.probe_ca_file or DEFAULT_CA_FILE)
    return FleetSpec(as_of=as_of, seed=demo.seed, port=demo.port, https_port=demo.https_port, ca_file=ca_file,
                     probe_timeout=timeout, sites=tuple(sites), faults=tuple(faults))


def __getattr__(name: str) -> Any:
    # app.py imports FleetServer from here; the server module imports this one, so load it lazily.
    if name in ("FleetServer", "FleetHandle"):
        from demo import server
        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _with_https(site: SiteSpec, https_port: int) -> SiteSpec:
    from dataclasses import replace
    return replace(site, https=True, url=f"https://{site.address}:{https_port}/")
