"""The duty screen's state changes (/oncall): add and remove shifts, hand over, create and expire
silences and maintenance windows; one ``perform_*`` function per action between a Dash callback and
alerts/roster.py / alerts/silences.py.

Each checks the principal's permission and region (security.auth.require), validates the form values
(times typed in the wall's zone, people from :func:`security.users.users_who_may`, matchers as text),
runs the domain function in its own session (which audits), commits, and returns an
:class:`~dashboard.alert_actions.Outcome` with a Chinese message. Expected refusals never raise and
write nothing: no login, a kiosk wall, another city, bad input, a stale row.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy.orm import Session, sessionmaker

from alerts import roster, silences
from alerts.errors import ScopeError
from alerts.matchers import MatcherError, parse_matcher_text
from alerts.states import SilenceKind
from core.i18n.screens_oncall import SILENCE_KIND, TO
from dashboard import inputs
from dashboard import oncall_data as od
from dashboard.alert_actions import MAX_SILENCE_HOURS, Outcome
from db.models_alerts import DutyShift, Silence
from security.auth import Action, PermissionDenied, Principal, require

MAX_SHIFT_HOURS = 24 * 7  # a week-long on-call rotation is the longest shift we accept
TIME_FORMAT = "%Y-%m-%d %H:%M"

__all__ = ["MAX_SHIFT_HOURS", "InputError", "Outcome", "parse_matchers_text", "parse_time", "perform_add_shift",
           "perform_create_silence", "perform_expire_silence", "perform_handover", "perform_remove_shift"]


class InputError(ValueError):
    """A form value is unusable; the message is Chinese and names the field or the matcher."""


def parse_time(text: object, field: str, tz: tzinfo | None) -> datetime:
    """A form time (``2026-11-27 08:00``, ``2026-11-27T08:00`` from a datetime input, seconds optional) read
    in ``tz`` (the wall's zone) unless it carries an offset; returned in UTC. Anything else the browser
    sends (not text, not a time, a time UTC cannot hold such as ``0001-01-01T00:00+14:00``) raises
    :class:`InputError`. Pure."""
    value = inputs.text(text, limit=64).strip()
    if not value:
        raise InputError(TO.ERR_TIME_EMPTY.format(field=field))
    try:
        dt = datetime.fromisoformat(value)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz or UTC)
        return dt.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InputError(TO.ERR_TIME_FORMAT.format(field=field, value=value)) from None


def _split(text: str) -> list[str]:
    """Comma-separated pieces; a comma inside double quotes stays (``site=~"a{1,3}"``)."""
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch in ",，" and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    if quoted:
        raise InputError(TO.ERR_MATCHER_QUOTE)
    pieces.append("".join(current))
    return [p.strip() for p in pieces if p.strip()]


_FORM = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|=)")


def _matcher_detail(piece: str, exc: MatcherError) -> str:
    if not _FORM.match(piece):
        return "应写作 名称=值、名称!=值、名称=~正则 或 名称!~正则，名称由字母、数字和下划线组成"
    return exc.detail


def parse_matchers_text(text: object) -> list[dict[str, str]]:
    """Matchers typed as ``name=value, name!=value, name=~regex, name!~regex`` (values optionally in double
    quotes; a comma inside a regex needs the quotes) in their stored form. Raises :class:`InputError`
    naming the bad matcher by position and text. Pure."""
    pieces = _split(inputs.text(text))
    if not pieces:
        raise InputError(TO.ERR_NEED_MATCHERS)
    out = []
    for n, piece in enumerate(pieces, start=1):
        try:
            out.append(parse_matcher_text(piece, where=f"matcher {n}").as_dict())
        except MatcherError as exc:
            raise InputError(TO.ERR_MATCHER.format(n=n, text=piece, detail=_matcher_detail(piece, exc))) from None
    return out


def _show(dt: datetime, tz: tzinfo | None) -> str:
    return dt.astimezone(tz or UTC).strftime(TIME_FORMAT)


def _allowed(principal: Principal | None, action: Action, city_code: str) -> Principal | Outcome:
    try:
        return require(principal, action, city_code)
    except PermissionDenied as exc:
        return Outcome(False, str(exc) if principal is not None else TO.ERR_LOGIN)


def _scope_name(session: Session, code: str) -> str:
    return dict(od.scopes(session, od.PROVINCE_CODE)).get(code, code)


def perform_add_shift(sessions: sessionmaker[Session], principal: Principal | None, *, scope_code: str,
                      tier: int | str | None, username: str, starts_at: str, ends_at: str, now: datetime,
                      remote_addr: str | None = None) -> Outcome:
    """Put ``username`` on the ``scope_code`` roster at ``tier`` (needs 管理值班表 in that region)."""
    scope_code = inputs.text(scope_code, limit=16)
    if not scope_code:
        return Outcome(False, TO.ERR_NEED_SCOPE)
    p = _allowed(principal, Action.MANAGE_ROSTER, scope_code)
    if isinstance(p, Outcome):
        return p
    level = inputs.integer(tier) or 0
    if level not in od.TIERS:
        return Outcome(False, TO.ERR_NEED_TIER.format(max=od.TIERS[-1]))
    username = inputs.text(username, limit=128).strip()
    if not username:
        return Outcome(False, TO.ERR_NEED_USER)
    tz = now.tzinfo
    try:
        start, end = parse_time(starts_at, TO.F_START, tz), parse_time(ends_at, TO.F_END, tz)
    except InputError as exc:
        return Outcome(False, str(exc))
    if end <= start:
        return Outcome(False, TO.ERR_END_BEFORE_START.format(end=_show(end, tz), start=_show(start, tz)))
    if end - start > timedelta(hours=MAX_SHIFT_HOURS):
        return Outcome(False, TO.ERR_SHIFT_TOO_LONG.format(hours=MAX_SHIFT_HOURS))
    if end <= now:
        return Outcome(False, TO.ERR_SHIFT_ENDED.format(end=_show(end, tz)))
    with sessions() as s:
        scope_name = _scope_name(s, scope_code)
        if username not in {u for u, _ in od.people(s, scope_code)}:
            return Outcome(False, TO.ERR_USER_NOT_ALLOWED.format(user=username, scope=scope_name))
        try:
            shift = roster.add_shift(s, scope_code, level, username, start, end, actor=p.actor,
                                     actor_scope=p.scope_code, now=now, remote_addr=remote_addr)
        except roster.ShiftOverlapError as exc:
            s.rollback()
            return Outcome(False, TO.ERR_SHIFT_OVERLAP.format(user=username, id=exc.shift_id))
        except ScopeError:
            s.rollback()
            return Outcome(False, TO.ERR_SCOPE)
        s.commit()
        return Outcome(True, TO.OK_ADD.format(id=shift.id, user=username, scope=scope_name, tier=level))


def perform_remove_shift(sessions: sessionmaker[Session], principal: Principal | None,
                         shift_id: int | str | None, now: datetime, remote_addr: str | None = None) -> Outcome:
    """Remove a current or future shift (needs 管理值班表 in the shift's region); ``shift_id`` as the browser
    sent it, checked here."""
    ident = inputs.integer(shift_id)
    if ident is None:
        return Outcome(False, TO.ERR_SHIFT_GONE.format(id=inputs.text(shift_id, 20)))
    shift_id = ident
    with sessions() as s:
        shift = s.get(DutyShift, shift_id)
        if shift is None:
            return Outcome(False, TO.ERR_SHIFT_GONE.format(id=shift_id))
        p = _allowed(principal, Action.MANAGE_ROSTER, shift.scope_code)
        if isinstance(p, Outcome):
            return p
        try:
            gone = roster.remove_shift(s, shift_id, actor=p.actor, actor_scope=p.scope_code, now=now,
                                       remote_addr=remote_addr)
        except roster.ShiftOverError:
            s.rollback()
            return Outcome(False, TO.ERR_SHIFT_PAST.format(id=shift_id))
        except roster.ShiftNotFoundError:
            s.rollback()
            return Outcome(False, TO.ERR_SHIFT_GONE.format(id=shift_id))
        except ScopeError:
            s.rollback()
            return Outcome(False, TO.ERR_SCOPE)
        s.commit()
        return Outcome(True, TO.OK_REMOVE.format(id=shift_id, user=gone.username))


def perform_handover(sessions: sessionmaker[Session], principal: Principal | None, *, to_user: str, note: str,
                     now: datetime, remote_addr: str | None = None) -> Outcome:
    """Hand the logged-in user's shift (their region) over to ``to_user`` with the open alerts (needs 交接班)."""
    scope = principal.scope_code if principal is not None else od.PROVINCE_CODE
    p = _allowed(principal, Action.HANDOVER, scope)
    if isinstance(p, Outcome):
        return p
    to_user = inputs.text(to_user, limit=128).strip()
    note = inputs.text(note)
    if not to_user:
        return Outcome(False, TO.ERR_NEED_RECIPIENT)
    if to_user == p.actor:
        return Outcome(False, TO.ERR_SELF_HANDOVER)
    with sessions() as s:
        if to_user not in {u for u, _ in od.people(s, p.scope_code)}:
            return Outcome(False, TO.ERR_RECIPIENT_NOT_ALLOWED.format(user=to_user))
        try:
            h = roster.handover(s, p.scope_code, p.actor, to_user, (note or "").strip(), actor=p.actor,
                                actor_scope=p.scope_code, now=now, remote_addr=remote_addr)
        except ScopeError:
            s.rollback()
            return Outcome(False, TO.ERR_SCOPE)
        s.commit()
        return Outcome(True, TO.OK_HANDOVER.format(user=to_user, count=len(h.open_alert_ids or [])))


def perform_create_silence(sessions: sessionmaker[Session], principal: Principal | None, *, kind: str,
                           matchers: str, starts_at: str, ends_at: str, hours: float | str | None, reason: str,
                           now: datetime, remote_addr: str | None = None) -> Outcome:
    """Create a silence or maintenance window in the principal's region (needs 静默告警).

    An empty start means now; the end is ``ends_at`` when given, else start + ``hours``. A city user's
    silence is confined to that city (alerts/silences.py adds ``city=<code>``).
    """
    scope = principal.scope_code if principal is not None else od.PROVINCE_CODE
    p = _allowed(principal, Action.SILENCE, scope)
    if isinstance(p, Outcome):
        return p
    kind, reason = inputs.text(kind, limit=32), inputs.text(reason)
    if kind not in SILENCE_KIND:
        return Outcome(False, TO.ERR_KIND)
    tz = now.tzinfo
    try:
        raw = parse_matchers_text(matchers)
        typed_start, typed_end = inputs.text(starts_at, 64).strip(), inputs.text(ends_at, 64).strip()
        start = parse_time(typed_start, TO.F_START, tz) if typed_start else now.astimezone(UTC)
        end = parse_time(typed_end, TO.F_END, tz) if typed_end else _plus_hours(start, _hours(hours))
    except InputError as exc:
        return Outcome(False, str(exc))
    if end <= start:
        return Outcome(False, TO.ERR_END_BEFORE_START.format(end=_show(end, tz), start=_show(start, tz)))
    if end <= now:
        return Outcome(False, TO.ERR_SILENCE_PAST.format(end=_show(end, tz)))
    if end - start > timedelta(hours=MAX_SILENCE_HOURS):
        return Outcome(False, TO.ERR_SILENCE_TOO_LONG.format(hours=MAX_SILENCE_HOURS))
    if not (reason or "").strip():
        return Outcome(False, TO.ERR_NEED_REASON)
    with sessions() as s:
        try:
            sil = silences.create(s, raw, start, end, p.actor, reason, kind=SilenceKind(kind),
                                  scope_code=p.scope_code, now=now, remote_addr=remote_addr)
        except (silences.SilenceError, MatcherError) as exc:
            s.rollback()
            return Outcome(False, TO.ERR_INPUT.format(detail=exc))
        s.commit()
        return Outcome(True, TO.OK_SILENCE.format(kind=SILENCE_KIND[kind], id=sil.id))


def _hours(hours: object) -> float:
    if hours is None or (isinstance(hours, str) and not hours.strip()):
        raise InputError(TO.ERR_NEED_END)
    value = inputs.number(hours)
    if value is None or not 0 < value <= MAX_SILENCE_HOURS:
        raise InputError(TO.ERR_DURATION.format(max=MAX_SILENCE_HOURS))
    return value


def _plus_hours(start: datetime, hours: float) -> datetime:
    try:
        return start + timedelta(hours=hours)
    except OverflowError:  # a start in year 9999
        raise InputError(TO.ERR_DURATION.format(max=MAX_SILENCE_HOURS)) from None


def perform_expire_silence(sessions: sessionmaker[Session], principal: Principal | None,
                           silence_id: int | str | None, now: datetime, remote_addr: str | None = None) -> Outcome:
    """End a pending or active silence now (needs 静默告警 in the silence's region); ``silence_id`` as the
    browser sent it, checked here."""
    ident = inputs.integer(silence_id)
    if ident is None:
        return Outcome(False, TO.ERR_SILENCE_GONE.format(id=inputs.text(silence_id, 20)))
    silence_id = ident
    with sessions() as s:
        sil = s.get(Silence, silence_id)
        if sil is None:
            return Outcome(False, TO.ERR_SILENCE_GONE.format(id=silence_id))
        p = _allowed(principal, Action.SILENCE, sil.scope_code)
        if isinstance(p, Outcome):
            return p
        if silences.state_of(sil, now) is silences.SilenceState.EXPIRED:
            return Outcome(False, TO.ERR_SILENCE_EXPIRED.format(id=silence_id))
        kind = SILENCE_KIND[sil.kind.value]
        try:
            silences.expire(s, silence_id, p.actor, p.scope_code, now, remote_addr=remote_addr)
        except ScopeError:
            s.rollback()
            return Outcome(False, TO.ERR_SCOPE)
        except silences.SilenceError:
            s.rollback()
            return Outcome(False, TO.ERR_SILENCE_EXPIRED.format(id=silence_id))
        s.commit()
        return Outcome(True, TO.OK_EXPIRE.format(kind=kind, id=silence_id))
