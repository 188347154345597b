"""The demo fleet's platform services and which sites they and the local host serve, with one seeded fault.

Three services of the provincial platform, addressed on the fleet's own loopback network:

- 省门户CMS应用 (tcp): the provincial portal's listening port, which the fleet serves — up.
- 站群发布接口 (http): the provincial portal's homepage, expecting 200 — up, with its latency.
- 全文检索服务 (tcp): a fleet address no site listens on — **down** (connection refused), the seeded fault.
  Nothing listens on the fleet's port of that address: every site binds its own address, and a wildcard
  listener on that port would have kept the fleet from binding at all.

The provincial portal depends on the local host and all three services; each city portal on the local host
and 站群发布接口. So the search service's fault shows the provincial portal among the sites it affects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from demo.fleet import FleetSpec, _address

PORTAL_LEVEL = "provincial_portal"
CITY_PORTAL_LEVEL = "city_portal"


@dataclass(frozen=True)
class DemoService:
    name: str
    kind: str  # a db.models_services.SERVICE_KINDS value
    address: str
    options: dict[str, Any]
    up: bool  # what the demo's truth says the collector must find


def demo_services(spec: FleetSpec) -> tuple[DemoService, ...]:
    """The services, addressed on ``spec``'s network (the fleet must have a provincial portal)."""
    portal = next(s for s in spec.sites if s.level == PORTAL_LEVEL)
    prefix = ".".join(portal.address.split(".")[:3])
    used = {s.address for s in spec.sites}
    spare = next(a for a in (_address(prefix, len(spec.sites) + i) for i in range(1, 255)) if a not in used)
    served = spec.reachable(portal.code)  # a fault file may take the portal down too
    return (
        DemoService("省门户CMS应用", "tcp", f"{portal.address}:{spec.port}", {}, served),
        DemoService("站群发布接口", "http", portal.url, {"expect_status": 200}, served),
        DemoService("全文检索服务", "tcp", f"{spare}:{spec.port}", {}, False),
    )


def demo_links(spec: FleetSpec, local_host: str) -> list[tuple[str, str, str]]:
    """(site_code, kind, name) rows of a mapping file (``app.py registry link``)."""
    services = {s.name for s in demo_services(spec)}
    rows: list[tuple[str, str, str]] = []
    for site in spec.sites:
        if site.level == PORTAL_LEVEL:
            rows += [(site.code, "host", local_host)] + [(site.code, "service", n) for n in sorted(services)]
        elif site.level == CITY_PORTAL_LEVEL:
            rows += [(site.code, "host", local_host), (site.code, "service", "站群发布接口")]
    return rows
