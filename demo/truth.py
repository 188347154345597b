"""Ground truth and registry export of a demo fleet.

:func:`ground_truth` is pure and JSON-serialisable: every site with its columns (entry
count, newest date), certificate window, declared faults and what a correct checker must
conclude about each fault: ``expect.probe_ok`` for the site probe and ``expect.findings``
(``[{check, kind, location}]``, semantics in :mod:`demo.expect`) for the inspection checks.
:func:`finding_sets` turns a truth document into the required and allowed finding sets an
acceptance test compares with; clean sites must yield no finding at all.
:func:`write_registry` writes the registry import CSVs.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from db.tabular import escape_csv_cell
from demo import guides
from demo.entries import date_format, dead_links, entries, homepage_newest, page_count, today
from demo.expect import expected_findings, site_expectations
from demo.faults import ACTIVATABLE_KINDS, Fault
from demo.fleet import FleetSpec, SiteSpec
from demo.tls import cert_window

SITE_FIELDS = ("site_code", "name", "url", "level", "node_code", "organizer")
COLUMN_FIELDS = ("site_code", "column_name", "kind", "url")


def expected(spec: FleetSpec, site: SiteSpec, fault: Fault) -> dict[str, Any]:
    """What a correct probe or inspection concludes about ``fault`` (``probe_ok``: homepage loads fine;
    ``findings``/``allowed``: inspection findings, see :mod:`demo.expect`)."""
    return {**_probe_expectation(spec, site, fault), **expected_findings(spec, site, fault)}


def _probe_expectation(spec: FleetSpec, site: SiteSpec, fault: Fault) -> dict[str, Any]:
    p = fault.params
    day = today(spec)
    if fault.kind == "down":
        return {"probe_ok": False, "error": "connection_refused"}
    if fault.kind == "error_status":
        return {"probe_ok": False, "http_status": p["status"]}
    if fault.kind == "slow":
        return {"probe_ok": p["delay_s"] < spec.probe_timeout, "homepage_delay_s": p["delay_s"],
                "probe_timeout_s": spec.probe_timeout}
    if fault.kind in ("tls_expiring", "tls_expired"):
        _, not_after = cert_window(spec, site)
        sign = 1 if fault.kind == "tls_expiring" else -1
        return {"probe_ok": fault.kind == "tls_expiring", "tls_not_after": not_after.isoformat(),
                "tls_days_left": sign * p["days"]}
    if fault.kind in ("stale_column", "blank_column"):
        col = site.column(p["column"])
        items = entries(spec, site, col.kind)
        newest = items[0].day if items else None
        return {"probe_ok": True, "column": col.kind, "column_url": site.abs_url(col.path), "entries": len(items),
                "newest_date": newest.isoformat() if newest else None,
                "days_since_update": (day - newest).days if newest else None}
    if fault.kind == "homepage_stale":
        newest = homepage_newest(spec, site)
        return {"probe_ok": True, "homepage_newest_date": newest.isoformat() if newest else None,
                "days_since_update": (day - newest).days if newest else None}
    if fault.kind == "dead_links":
        return {"probe_ok": True, "dead_links": [{"page": site.abs_url(d.page), "target": d.target,
                                                  "expect": d.expect} for d in dead_links(spec, site)]}
    # The inspection faults leave the homepage loading fine.
    return {"probe_ok": True}


def _site_truth(spec: FleetSpec, site: SiteSpec) -> dict[str, Any]:
    columns = []
    for col in site.columns:
        items = entries(spec, site, col.kind)
        columns.append({"kind": col.kind, "name": col.name, "url": site.abs_url(col.path), "entries": len(items),
                        "pages": page_count(len(items)),
                        "newest_date": items[0].day.isoformat() if items else None,
                        "date_format": date_format(spec, site, col.kind)})
    faults = [{"kind": f.kind, "params": dict(f.params), "expect": expected(spec, site, f)}
              for f in spec.faults_for(site.code)]
    newest = homepage_newest(spec, site)
    doc: dict[str, Any] = {
        "code": site.code, "name": site.name, "url": site.url, "level": site.level, "node_code": site.node_code,
        "organizer": site.organizer, "address": site.address, "https": site.https, "icp": site.icp,
        "psb": site.psb, "homepage_newest_date": newest.isoformat() if newest else None,
        "columns": columns, "faults": faults, "clean": not faults,
        "service_guides": [{"url": site.abs_url(g.path), "matter": g.matter, "missing": list(g.missing),
                            "online_url": site.abs_url(g.online_path), "online_down": g.online_down}
                           for g in guides.guides(spec, site)],
        "expect": site_expectations(spec, site),
    }
    if site.https:
        nb, na = cert_window(spec, site)
        doc["certificate"] = {"not_before": nb.isoformat(), "not_after": na.isoformat()}
    return doc


def ground_truth(spec: FleetSpec) -> dict[str, Any]:
    """The whole fleet's truth; JSON-serialisable."""
    sites = [_site_truth(spec, s) for s in spec.sites]
    return {
        "as_of": spec.as_of.isoformat(), "today": today(spec).isoformat(), "seed": spec.seed,
        "port": spec.port, "https_port": spec.https_port, "ca_file": str(spec.ca_file),
        "probe_timeout_s": spec.probe_timeout,
        "counts": {"sites": len(sites), "by_level": dict(Counter(s["level"] for s in sites)),
                   "faulted_sites": sum(1 for s in sites if not s["clean"]), "faults": len(spec.faults),
                   "by_fault_kind": dict(Counter(f.kind for f in spec.faults))},
        "sites": sites,
        "faults": [{**f.as_dict(), "url": spec.site(f.site_code).url,
                    "expect": expected(spec, spec.site(f.site_code), f)} for f in spec.faults],
        "activatable": [{"site_code": f.site_code, "kind": f.kind, "mode": f.params["activation"]}
                        for f in spec.faults if f.kind in ACTIVATABLE_KINDS],
    }


FindingKey = tuple[str, str, str, str]  # (site code, check, kind, location)


def finding_sets(truth: dict[str, Any]) -> tuple[set[FindingKey], set[FindingKey]]:
    """(required, allowed) findings of a ground-truth document; ``allowed`` includes ``required``.

    A checker is right when it reports every required finding and nothing outside ``allowed``
    (so nothing at all on clean sites). Manual activatable faults count as activated.
    """
    required: set[FindingKey] = set()
    allowed: set[FindingKey] = set()
    for site in truth["sites"]:  # what holds of a site apart from its faults (e.g. a search that finds nothing)
        exp = site.get("expect", {})
        allowed |= {(site["code"], x["check"], x["kind"], x["location"]) for x in exp.get("allowed", [])}
        keys = {(site["code"], x["check"], x["kind"], x["location"]) for x in exp.get("findings", [])}
        required |= keys
        allowed |= keys
    for f in truth["faults"]:
        exp = f["expect"]
        keys = {(f["site_code"], x["check"], x["kind"], x["location"]) for x in exp.get("findings", [])}
        allowed |= keys | {(f["site_code"], x["check"], x["kind"], x["location"]) for x in exp.get("allowed", [])}
        if exp.get("findings_required", True):
            required |= keys
    return required, allowed


def _write_csv(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Write atomically: a reader sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows([escape_csv_cell(c) for c in row] for row in rows)  # read back by db.tabular
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the registry file is meant to be read by others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_registry(spec: FleetSpec, sites_csv: Path, columns_csv: Path) -> None:
    """Write the registry import CSVs (sites: site_code,name,url,level,node_code,organizer;
    columns: site_code,column_name,kind,url)."""
    _write_csv(sites_csv, SITE_FIELDS,
               [(s.code, s.name, s.url, s.level, s.node_code, s.organizer) for s in spec.sites])
    service = guides.service_column()
    _write_csv(columns_csv, COLUMN_FIELDS,
               [(s.code, c.name, c.kind, s.abs_url(c.path)) for s in spec.sites for c in (*s.columns, service)])
