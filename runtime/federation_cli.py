"""``app.py federation pull``: a city node pulls its configuration from the province now
(federation/config_pull.py) and says in Chinese what changed. Exit 0 when the configuration in force is the
province's or the cache's; 1 when the province cannot be reached and there is no cache, or the bundle was
refused (nothing changed); 2 when this node has no province link."""

from __future__ import annotations

import argparse
import sys

from core.cli import CliError
from core.config import Config
from core.i18n import federation as text
from core.i18n.cli import COMMAND_HELP


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``federation pull`` on the top-level parser."""
    f = sub.add_parser("federation", help=COMMAND_HELP["federation"])
    fsub = f.add_subparsers(dest="federation_cmd", required=True, metavar="操作")
    fsub.add_parser("pull", help="立即从省级节点拉取本市配置（网站与栏目、告警规则、接收方、值班表）并应用；"
                                 "省级节点不可达时应用本地缓存")


def run(config: Config, args: argparse.Namespace) -> int:
    from federation.bundle_check import BundleError
    from federation.config_pull import linked, pull_or_cache
    from runtime.bootstrap import prepare_database

    if not linked(config):
        raise CliError(text.NOT_LINKED)
    sessions = prepare_database(config)
    try:
        outcome = pull_or_cache(config, sessions)
    except BundleError as exc:
        raise CliError(text.PULL_FAILED.format(reason=exc), code=1) from None
    if outcome.status == "no_config":
        print(outcome.text(), file=sys.stderr, flush=True)
        return 1
    print(outcome.text(), flush=True)
    return 0
