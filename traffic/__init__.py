"""Web traffic of the sites (PV/UV) from their access logs, for the yearly website report (docs/traffic.md)."""
