"""The open API's blueprint: InfluxDB v2-compatible ingest, the query endpoint, REST reads and the OpenAPI
document. Every route authenticates ``Authorization: Token <token>`` (or ``Bearer``) itself — the guard hands
these routes over untouched (security.web.token_routes) — and answers errors as ``{"code", "message"}``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.orm import Session, sessionmaker

from api import ingest, params, reads
from api.errors import NOT_FOUND, UNAUTHORIZED, ApiError, invalid
from api.openapi import operation, param, spec
from core import selfmetrics
from core.clock import Clock, to_ns
from core.config import ApiConfig
from core.i18n import api as text
from db.session import transaction
from security.access import Kind
from security.api_tokens import TokenHolder, authenticate
from security.owners import owner_of, owners_of
from security.scope import Owner
from tsdb.lineprotocol import PRECISION_FACTOR
from tsdb.store import MetricStore

EXTENSION_KEY = "govops_api"
bp = Blueprint("api", __name__, url_prefix="/api")
WRITE_PARAMS = ("bucket", "org", "orgID", "precision")
_LIST = {"200": "列表：items、count、truncated", "400": "参数有误", "401": "令牌无效"}
_LIMIT = param("limit", "最多返回多少行（默认且最多为 [api] max_rows）", schema={"type": "integer", "minimum": 1})


@dataclass
class ApiState:
    config: ApiConfig
    store: MetricStore
    sessions: sessionmaker[Session]
    clock: Clock


def _state() -> ApiState:
    return current_app.extensions[EXTENSION_KEY]


def _holder() -> TokenHolder:
    """The live token of this request, or :class:`ApiError` 401 (the token itself is never echoed)."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() not in ("token", "bearer") or not token.strip():
        raise ApiError(401, UNAUTHORIZED, text.UNAUTHORIZED)
    st = _state()
    with transaction(st.sessions) as s:
        holder = authenticate(s, token.strip(), st.clock.now())
    if holder is None:
        raise ApiError(401, UNAUTHORIZED, text.UNAUTHORIZED)
    return holder


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[Response, int]:
    response = jsonify(exc.body())
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Token realm="govops"'
    return response, exc.status


def _args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)


def _owner_lookup(session: Session) -> Callable[[Kind, str], Owner | None]:
    return lambda kind, code: owner_of(session, kind, code)


def _read_body(limit: int) -> bytes:
    """The raw body, never more than ``limit + 1`` bytes read (a declared length past the limit is not read)."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise ingest.too_large(text.BODY_TOO_LARGE.format(limit=limit, what=text.WHAT_COMPRESSED))
    return request.stream.read(limit + 1)


@bp.route("/v2/write", methods=["POST"])
@operation("写入指标（InfluxDB v2 写入接口兼容，行协议，可 gzip 压缩）", params=[
    param("bucket", "桶名（必填以兼容客户端；所有桶写入同一指标存储）", required=True),
    param("org", "组织（忽略）"), param("orgID", "组织编号（忽略）"),
    param("precision", "时间戳精度 ns|us|ms|s（默认 ns）", schema={"enum": list(PRECISION_FACTOR)})],
    request_body={"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}},
    responses={"204": "全部写入", "400": "某一行有误（整个请求未写入）", "401": "令牌无效",
               "403": "某一行的地区标签超出令牌范围（整个请求未写入）", "413": "请求体或数据点过多"})
def write() -> Any:
    holder = _holder()
    st = _state()
    args = _args()
    params.check_known(args, WRITE_PARAMS)
    params.required(args, "bucket")
    precision = params.one(args, "precision", "ns") or "ns"
    if precision not in PRECISION_FACTOR:
        raise invalid(text.PARAM_BAD.format(name="precision", value=precision[:20], reason=text.REASON_PRECISION))
    limit = st.config.max_body_bytes
    body = ingest.decode_body(_read_body(limit), request.headers.get("Content-Encoding", ""), limit)
    with st.sessions() as s:
        points = ingest.points_of(body, precision, to_ns(st.clock.now()), holder.node_code, _owner_lookup(s),
                                  st.config.max_lines, lambda kind, codes: owners_of(s, kind, codes))
    try:
        st.store.write(points)  # atomic: all or none
    except ValueError as exc:
        raise invalid(text.STORE_REFUSED.format(reason=str(exc)[:300])) from None
    selfmetrics.points_written("api", len(points))
    return Response(status=204)


def _cell(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value.item() if hasattr(value, "item") else value


@bp.route("/v1/query")
@operation("查询指标：按时间桶聚合一个字段，可按标签分组、过滤", params=[
    param("measurement", "测量名称", required=True), param("field", "字段名", required=True),
    param("start", "开始时间：RFC 3339 或 Unix 秒", required=True), param("end", "结束时间（默认现在）"),
    param("every", "时间桶长度，如 30s、5m、1h（默认整个范围一个桶）"),
    param("agg", "聚合：count、sum、avg、min、max、last（默认 avg）", schema={"enum": ["count", "sum", "avg", "min",
                                                                                "max", "last"]}),
    param("group_by", "逗号分隔的分组标签"), param("tag.KEY", "按标签过滤，可重复（任一值匹配）")],
    responses={"200": "rows：time、value 和分组标签；truncated 表示超过上限被截断", "400": "参数有误",
               "401": "令牌无效", "403": "过滤条件超出令牌范围"})
def query() -> Any:
    holder = _holder()
    st = _state()
    q = params.parse_query(_args(), holder.node_code, st.clock.now(), st.config.max_rows)
    frame = st.store.query(q)
    limit = st.config.max_rows
    rows = [{k: _cell(v) for k, v in rec.items()} for rec in frame.head(limit).to_dict("records")]
    return jsonify({"rows": rows, "truncated": len(frame) > limit})


def _listing(items: list[dict[str, Any]], truncated: bool) -> Any:
    return jsonify({"items": items, "count": len(items), "truncated": truncated})


@bp.route("/v1/sites")
@operation("本令牌地区内登记的网站", params=[_LIMIT], responses=_LIST)
def list_sites() -> Any:
    holder = _holder()
    args = _args()
    params.check_known(args, ("limit",))
    with _state().sessions() as s:
        return _listing(*reads.sites(s, holder.node_code, params.parse_limit(args, _state().config.max_rows)))


@bp.route("/v1/sites/<code>")
@operation("一个网站", params=[param("code", "网站标识码", where="path")],
           responses={"200": "网站", "401": "令牌无效", "404": "不存在或不在本令牌地区内"})
def get_site(code: str) -> Any:
    holder = _holder()
    params.check_known(_args(), ())
    with _state().sessions() as s:
        found = reads.site(s, holder.node_code, code)
    if found is None:
        raise ApiError(404, NOT_FOUND, text.NOT_FOUND.format(what=f"网站 {code[:40]}"))
    return jsonify(found)


@bp.route("/v1/hosts")
@operation("本令牌地区内登记的主机", params=[_LIMIT], responses=_LIST)
def list_hosts() -> Any:
    holder = _holder()
    args = _args()
    params.check_known(args, ("limit",))
    with _state().sessions() as s:
        return _listing(*reads.hosts(s, holder.node_code, params.parse_limit(args, _state().config.max_rows)))


@bp.route("/v1/alerts")
@operation("本令牌地区内的告警，最新的在前", params=[
    param("state", "open（默认：未结束的）或 all", schema={"enum": ["open", "all"]}), _LIMIT], responses=_LIST)
def list_alerts() -> Any:
    holder = _holder()
    args = _args()
    params.check_known(args, ("state", "limit"))
    state = params.one(args, "state", "open") or "open"
    if state not in ("open", "all"):
        raise invalid(text.PARAM_BAD.format(name="state", value=state[:20], reason=text.REASON_STATE))
    limit = params.parse_limit(args, _state().config.max_rows)
    with _state().sessions() as s:
        return _listing(*reads.alerts(s, holder.node_code, state == "open", limit))


@bp.route("/v1/findings")
@operation("本令牌地区内网站的未整改问题（检查发现），最严重的在前", params=[
    param("site", "只看这个网站"), param("check", "只看这项检查"), _LIMIT], responses=_LIST)
def list_findings() -> Any:
    holder = _holder()
    args = _args()
    params.check_known(args, ("site", "check", "limit"))
    limit = params.parse_limit(args, _state().config.max_rows)
    with _state().sessions() as s:
        return _listing(*reads.findings(s, holder.node_code, params.one(args, "site"), params.one(args, "check"),
                                        limit))


@bp.route("/openapi.json")
@operation("本接口的 OpenAPI 文档", responses={"200": "OpenAPI 3.1 文档", "401": "令牌无效"})
def openapi() -> Any:
    _holder()
    return jsonify(spec(current_app, bp.name, "GovOps Command Center Open API", "1"))
