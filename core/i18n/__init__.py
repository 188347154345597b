"""Every user-facing word of the platform, in Simplified Chinese: one home, one module per area.

Code, comments and logs are English; what an operator reads (screens, notifications, CLI output, audit
summaries, error messages) is worded here, so the same thing is called the same everywhere. Like the rest
of ``core``, these modules import nothing of ours outside ``core``: a table keyed by an enum of an upper
floor is keyed by the enum's string values (a ``StrEnum`` member finds its value's entry), and a table
composed from plug-in declarations (each check's ``label_zh``: ``inspection.catalog.CHECK_LABEL``, each
collector's label) stays where the plug-ins are registered, reading the fixed words from here.

Areas:

- :mod:`core.i18n.common` — shared vocabulary: the title, site levels, column kinds, platforms, host
  roles, health states, probe failure classes, severities;
- :mod:`core.i18n.cli` — the command line: argparse's own messages, zone names after a time, OS error
  reasons by errno (``core/cli.py``);
- :mod:`core.i18n.files` — reading operator-edited text and TOML files with bounded size and depth, and
  their errors in Chinese with the line (configuration, receivers, inspection rules, dictionary);
- :mod:`core.i18n.web` — web reading (``webread``): refused bodies and addresses, sizes, certificate
  problems, HTTP status reasons;
- :mod:`core.i18n.store` — the metric store (``tsdb``): line-protocol errors;
- :mod:`core.i18n.registry` — the site/column registry (``db``): import, export and validation;
- :mod:`core.i18n.alerts` — alerting: summaries, durations, silences, alert states, audit summaries,
  notification titles, the alert service, label keys and fixed label values, matcher (RE2) errors;
- :mod:`core.i18n.notifiers` — notification texts and the delivery log;
- :mod:`core.i18n.demo` — the demonstration fleet's pages and injected faults;
- :mod:`core.i18n.security` — roles, authorization actions, audit action/object/actor names, login,
  kiosk, user CLI, the error page;
- :mod:`core.i18n.inspection` — inspection: finding kinds, veto items, evidence labels, CLI, fetch errors;
- :mod:`core.i18n.walls` — the wall screens (overview, city, site, hosts, inspection panels);
- :mod:`core.i18n.screens_alerts` — the alert screens: wall ticker and the on-call console (告警处置);
- :mod:`core.i18n.screens_oncall` — the duty screen (值班与静默, /oncall);
- :mod:`core.i18n.screens_rules` — the alert rules page (告警规则, /rules);
- :mod:`core.i18n.screens_audit` — the audit log page (审计日志);
- :mod:`core.i18n.services` — platform services (平台服务): poll failures, ``app.py services``, the wall.
"""
