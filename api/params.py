"""Query-string parameters of the read endpoints, validated into values (pure). Every refusal is an
:class:`ApiError` 400 naming the parameter; a region filter outside the token's scope is a 403."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from api.errors import forbidden, invalid
from core.i18n import api as text
from core.region import PROVINCE_CODE, ScopeLevel, city_of, is_division_code, scope_level
from security.scope import Owner, covers
from tsdb.store import AGGS, Agg, Query, QueryError

TAG_PREFIX = "tag."
QUERY_PARAMS = ("measurement", "field", "start", "end", "every", "agg", "group_by")
MAX_NAME = 256
MAX_GROUP_BY = 16
MAX_TAG_VALUES = 100
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)?\Z")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2262, 1, 1, tzinfo=UTC)  # nanoseconds since the epoch fit 64 bits until 2262

Args = Mapping[str, Sequence[str]]  # name -> every value given (werkzeug's MultiDict.to_dict(flat=False))


def check_known(args: Args, known: Iterable[str], *, prefix: str | None = None) -> None:
    """Refuse a parameter not in ``known`` (nor starting with ``prefix``), or one of ``known`` given twice."""
    names = tuple(known)
    for name, values in args.items():
        if prefix is not None and name.startswith(prefix):
            continue
        if name not in names:
            listed = ", ".join([*names, *([prefix + "KEY"] if prefix else [])])
            raise invalid(text.PARAM_UNKNOWN.format(name=name[:60], known=listed))
        if len(values) > 1:
            raise invalid(text.PARAM_REPEATED.format(name=name))


def one(args: Args, name: str, default: str | None = None) -> str | None:
    values = args.get(name)
    return values[0] if values else default


def required(args: Args, name: str) -> str:
    value = one(args, name)
    if value is None or value == "":
        raise invalid(text.PARAM_MISSING.format(name=name))
    return value


def _bad(name: str, value: str, reason: str) -> Exception:
    return invalid(text.PARAM_BAD.format(name=name, value=value[:60], reason=reason))


def parse_time(name: str, value: str) -> datetime:
    """RFC 3339 (an offset or ``Z`` required) or Unix seconds (decimals allowed), as aware UTC."""
    try:
        seconds = float(value)
    except ValueError:
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            raise _bad(name, value, text.REASON_TIME) from None
        if t.tzinfo is None:
            raise _bad(name, value, text.REASON_TIME) from None
        t = t.astimezone(UTC)
    else:
        if not (math.isfinite(seconds) and 0 <= seconds < _LATEST.timestamp()):
            raise _bad(name, value, text.REASON_TIME) from None
        t = datetime.fromtimestamp(seconds, UTC)
    if not _EARLIEST <= t < _LATEST:
        raise _bad(name, value, text.REASON_TIME)
    return t


def parse_duration(name: str, value: str) -> timedelta:
    """``30s``, ``5m``, ``1h``, ``1d``, ``1w``, ``500ms`` or plain seconds; positive."""
    m = _DURATION.match(value.strip())
    seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2)] if m else 0.0
    if not m or not 0 < seconds <= 3660 * 86400:
        raise _bad(name, value, text.REASON_DURATION)
    return timedelta(seconds=seconds)


def parse_limit(args: Args, maximum: int) -> int:
    value = one(args, "limit")
    if value is None:
        return maximum
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise _bad("limit", value, text.REASON_LIMIT.format(limit=maximum))
    return int(value)


def _name(name: str, value: str) -> str:
    if not 0 < len(value) <= MAX_NAME:
        raise _bad(name, value, text.REASON_NAME)
    return value


def scoped_tags(scope: str, tags: dict[str, list[str]]) -> dict[str, list[str]]:
    """``tags`` narrowed to ``scope``'s region: a city's rows carry ``city=<scope>``, a county's
    ``node=<scope>`` (the tags every collector writes; a row without them is the province's alone). A region
    filter the caller gave that reaches outside the scope is a 403 naming it."""
    if scope == PROVINCE_CODE:
        return tags
    county = scope_level(scope) is ScopeLevel.COUNTY
    for value in tags.get("node", []):
        owner = Owner(city_of(value), value) if is_division_code(value) else None
        if not covers(scope, owner):
            raise forbidden(text.FORBIDDEN_PARAM.format(name="tag.node", value=value[:40], scope=scope))
    for value in tags.get("city", []):
        if value != city_of(scope):
            raise forbidden(text.FORBIDDEN_PARAM.format(name="tag.city", value=value[:40], scope=scope))
    return {**tags, ("node" if county else "city"): [scope]}


def parse_query(args: Args, scope: str, now: datetime, max_rows: int) -> Query:
    """The :class:`Query` ``GET /api/v1/query`` asks for, within ``scope``; ``end`` defaults to ``now``.
    Raises :class:`ApiError` 400 naming the parameter at fault, 403 for a region filter outside the scope."""
    check_known(args, QUERY_PARAMS, prefix=TAG_PREFIX)
    measurement = _name("measurement", required(args, "measurement"))
    field = _name("field", required(args, "field"))
    start = parse_time("start", required(args, "start"))
    end_text = one(args, "end")
    end = parse_time("end", end_text) if end_text else now
    if end <= start:
        raise _bad("end", end_text or end.isoformat(), text.REASON_ORDER)
    every_text = one(args, "every")
    every = parse_duration("every", every_text) if every_text else None
    if every is not None and (end - start) / every > max_rows:
        count = math.ceil((end - start) / every)
        raise _bad("every", every_text or "", text.REASON_BUCKETS.format(count=count, limit=max_rows))
    agg_text = one(args, "agg", "avg") or "avg"
    if agg_text not in AGGS:
        raise _bad("agg", agg_text, text.REASON_AGG.format(choices="、".join(AGGS)))
    group_text = one(args, "group_by", "") or ""
    group_by = tuple(g.strip() for g in group_text.split(",") if g.strip())
    if len(group_by) > MAX_GROUP_BY or any(len(g) > MAX_NAME for g in group_by) or len(set(group_by)) < len(group_by):
        raise _bad("group_by", group_text, text.REASON_GROUP_BY.format(limit=MAX_GROUP_BY))
    tags: dict[str, list[str]] = {}
    for name, values in args.items():
        if name.startswith(TAG_PREFIX):
            key = _name(name, name[len(TAG_PREFIX):])
            if len(values) > MAX_TAG_VALUES or any(not v or len(v) > 1024 for v in values):
                raise _bad(name, ",".join(values), text.REASON_VALUES.format(limit=MAX_TAG_VALUES))
            tags[key] = list(values)
    tags = scoped_tags(scope, tags)
    agg: Agg = agg_text  # type: ignore[assignment]  # checked against AGGS above
    try:
        return Query(measurement, field, start, end, every, agg,
                     {k: v[0] if len(v) == 1 else tuple(v) for k, v in tags.items()}, group_by)
    except QueryError as exc:
        raise invalid(str(exc)) from None
