"""A simulated fleet of Hunan government websites on loopback, with declared faults and exact ground truth.

Modules: ``fleet`` (sites, addresses, :func:`demo.fleet.build_fleet`), ``faults`` (declarations,
TOML fault files, seeded default mix), ``entries`` (dated column content), ``inject`` (where the
inspection faults put their evidence), ``html`` / ``routes`` / ``assets`` (pages and files),
``tls`` (demo CA and certificates), ``server`` (aiohttp :class:`demo.server.FleetServer`, thread
:class:`demo.server.FleetHandle` with ``activate(site_code, "defacement")``), ``expect`` (the
inspection findings each fault must produce), ``truth`` (ground truth, :func:`demo.truth.finding_sets`
and registry CSVs). CLI: ``python -m demo export --out DIR`` and ``python -m demo serve``.
Example fault file: ``data/demo/faults.example.toml``.
"""
