"""A rule file for on-call tests, shared by the alerting test modules."""

from __future__ import annotations

RULES = """\
version: 1
groups:
  - name: test
    rules:
      - name: site_down
        kind: threshold
        severity: critical
        measurement: site_probe
        field: up
        agg: last
        window: 5m
        op: "=="
        value: 0
        for: 3m
        group_by: [site, node, city]
        summary: "网站 {labels[site]} 无法访问，{duration}"
"""
