"""The province's federation endpoints on the open API (docs/api.md, docs/federation.md), each authenticated
by a city's node token:

- ``GET /api/v1/federation/config``: the configuration bundle a city node pulls (its sites and columns, the
  alert rule files, the receivers file, its duty roster and its platform services;
  federation/config_bundle.py). Only a city's *node
  token* gets it: a token of a city-level node named ``node-<code>`` (what ``app.py nodes token create --node
  CODE`` makes by default); the province's or a county's token, and a token made for an integration, are a
  403. The bundle is always the token's own city: no parameter can ask for another.
- ``POST /api/v1/federation/events`` and ``GET /api/v1/federation/commands``: a federated city sends its
  outbox events and pulls its commands (federation/mirror.py does the work).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, jsonify, request

from api import params
from api.errors import forbidden, invalid, too_large
from api.openapi import operation, param
from api.routes import _args, _holder, _read_body, _state, bp
from core.config import Config
from core.i18n import api as text
from core.i18n import federation as fed_text
from db.models import Node, NodeLevel
from db.session import transaction
from federation.config_bundle import build_bundle
from federation.mirror import BadEvent, OutOfScope, apply_batch, commands_after
from federation.status import touch
from security.api_tokens import TokenHolder

EXTENSION_KEY = "govops_federation"
SOURCES_KEY = "govops_api_federation"
MAX_EVENTS = 5000


@dataclass(frozen=True)
class FederationState:
    cities: tuple[str, ...]  # [node] federated_cities


def _city() -> TokenHolder:
    holder = _holder()
    state: FederationState | None = current_app.extensions.get(EXTENSION_KEY)
    if state is None or holder.node_code not in state.cities:
        raise forbidden(text.FED_NOT_FEDERATED.format(node=holder.node_code))
    return holder


@bp.route("/v1/federation/events", methods=["POST"])
@operation("市级节点上送其发件箱事件（告警、检查发现、巡检记录、主机、指令执行结果），按序号依次应用，重复的只应用一次",
           request_body={"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
           responses={"200": "applied_through：本节点已应用到的最大序号；applied、skipped：本批新应用与跳过的数量；"
                             "unknown_sites：省级未登记、其事件被略过的网站",
                      "400": "请求或某个事件有误（整个批次未写入）", "401": "令牌无效",
                      "403": "不是接入的市级节点，或某个事件超出其范围（整个批次未写入）",
                      "413": "请求体超过 [api] max_body_bytes 或事件过多（整个批次未写入，市级节点减小批次重发）"})
def federation_events() -> Any:
    holder = _city()
    st = _state()
    limit = st.config.max_body_bytes
    raw = _read_body(limit)
    if len(raw) > limit:
        raise too_large(text.BODY_TOO_LARGE.format(limit=limit, what="JSON"))
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise invalid(text.FED_BODY_BAD)
    if len(events) > MAX_EVENTS:
        raise too_large(text.FED_TOO_MANY.format(limit=MAX_EVENTS))
    try:
        with transaction(st.sessions) as s:
            done = apply_batch(s, holder.node_code, events, st.clock.now())
    except OutOfScope as exc:
        _heard(holder.node_code)
        raise forbidden(text.FED_OUT_OF_SCOPE.format(reason=str(exc)[:300])) from None
    except (BadEvent, ValueError, TypeError, KeyError) as exc:
        _heard(holder.node_code)
        raise invalid(text.FED_EVENT_BAD.format(reason=str(exc)[:300])) from None
    return jsonify({"applied_through": done.last_seq, "applied": done.applied, "skipped": done.skipped,
                    "unknown_sites": sorted(set(done.unknown))})


def _heard(node: str) -> None:
    """A refused batch wrote nothing, but the city was heard from (its link is up)."""
    st = _state()
    with transaction(st.sessions) as s:
        touch(s, node, st.clock.now())


@bp.route("/v1/federation/commands")
@operation("市级节点拉取省级节点下发给它的指令（如确认告警），按编号从小到大",
           params=[param("after", "只返回编号大于它的指令（默认 0）", schema={"type": "integer", "minimum": 0})],
           responses={"200": "items：指令列表（id、kind、payload、created_at、created_by）", "400": "参数有误",
                      "401": "令牌无效", "403": "不是接入的市级节点"})
def federation_commands() -> Any:
    holder = _city()
    st = _state()
    args = request.args.to_dict(flat=False)
    params.check_known(args, ("after",))
    raw = params.one(args, "after", "0") or "0"
    if not raw.isdigit() or len(raw) > 12:
        raise invalid(text.PARAM_BAD.format(name="after", value=raw[:20], reason="应为非负整数"))
    with transaction(st.sessions) as s:
        touch(s, holder.node_code, st.clock.now())
        items = commands_after(s, holder.node_code, int(raw))
    return jsonify({"items": items, "count": len(items)})


@dataclass(frozen=True)
class Sources:
    """Where the province reads what it sends besides the database: its alert rule files and receivers file."""

    rules_dir: Path
    receivers_file: Path


def attach(server: Flask, config: Config) -> None:
    """Record the province's alert files for the endpoint (called by api.init_app)."""
    server.extensions[SOURCES_KEY] = Sources(config.resolve_path(config.alerts.rules_dir),
                                               config.resolve_path(config.alerts.receivers_file))


@bp.route("/v1/federation/config")
@operation("市级节点拉取本市配置：网站与栏目、告警规则文件、接收方文件、值班表、平台服务（仅限市级节点的节点令牌）",
           responses={"200": "配置包：version（内容哈希）、generated_at、node、sites、columns、rules、receivers、"
                             "roster、services", "400": "参数有误", "401": "令牌无效", "403": "不是市级节点的节点令牌"})
def federation_config() -> Any:
    holder = _holder()
    params.check_known(_args(), ())
    if holder.name != f"node-{holder.node_code}":
        raise forbidden(fed_text.NOT_NODE_TOKEN.format(name=holder.name))
    st = _state()
    sources: Sources = current_app.extensions[SOURCES_KEY]
    with st.sessions() as s:
        node = s.get(Node, holder.node_code)
        if node is None or node.level is not NodeLevel.CITY:
            raise forbidden(fed_text.NOT_A_CITY.format(node=holder.node_code))
        bundle = build_bundle(s, holder.node_code, rules_dir=sources.rules_dir,
                              receivers_file=sources.receivers_file, now=st.clock.now())
    state: FederationState | None = current_app.extensions.get(EXTENSION_KEY)
    if state is not None and holder.node_code in state.cities:  # a federated city's pull is a sign of life
        with transaction(st.sessions) as s:
            touch(s, holder.node_code, st.clock.now())
    return jsonify(bundle)
