"""``GET /api/v1/federation/config``: the configuration bundle a city node pulls from the province (its sites
and columns, the alert rule files, the receivers file and its duty roster; federation/config_bundle.py).

Only a city's *node token* gets it: a token of a city-level node named ``node-<code>`` (what
``app.py nodes token create --node CODE`` makes by default). The province's or a county's token, and a token
made for an integration (``--name telegraf-长沙``), are a 403: an integration reads data, it does not run a
node. The bundle is always the token's own city: no parameter can ask for another."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, jsonify

from api import params
from api.errors import forbidden
from api.openapi import operation
from api.routes import _args, _holder, _state, bp
from core.config import Config
from core.i18n import federation as text
from db.models import Node, NodeLevel
from federation.config_bundle import build_bundle

EXTENSION_KEY = "govops_api_federation"


@dataclass(frozen=True)
class Sources:
    """Where the province reads what it sends besides the database: its alert rule files and receivers file."""

    rules_dir: Path
    receivers_file: Path


def attach(server: Flask, config: Config) -> None:
    """Record the province's alert files for the endpoint (called by api.init_app)."""
    server.extensions[EXTENSION_KEY] = Sources(config.resolve_path(config.alerts.rules_dir),
                                               config.resolve_path(config.alerts.receivers_file))


@bp.route("/v1/federation/config")
@operation("市级节点拉取本市配置：网站与栏目、告警规则文件、接收方文件、值班表（仅限市级节点的节点令牌）",
           responses={"200": "配置包：version（内容哈希）、generated_at、node、sites、columns、rules、receivers、"
                             "roster", "400": "参数有误", "401": "令牌无效", "403": "不是市级节点的节点令牌"})
def federation_config() -> Any:
    holder = _holder()
    params.check_known(_args(), ())
    if holder.name != f"node-{holder.node_code}":
        raise forbidden(text.NOT_NODE_TOKEN.format(name=holder.name))
    st = _state()
    sources: Sources = current_app.extensions[EXTENSION_KEY]
    with st.sessions() as s:
        node = s.get(Node, holder.node_code)
        if node is None or node.level is not NodeLevel.CITY:
            raise forbidden(text.NOT_A_CITY.format(node=holder.node_code))
        bundle = build_bundle(s, holder.node_code, rules_dir=sources.rules_dir,
                              receivers_file=sources.receivers_file, now=st.clock.now())
    return jsonify(bundle)
