"""API inputs as they arrive, under fuzz: whatever a browser (or someone forging a Dash callback) sends — any
JSON value, where the screen would send text, a number, a date — the console's filters and actions, the
duty roster form, the silence form and its matchers end in a Chinese refusal (Outcome, InputError,
MatcherError) or a result; never another exception, and a refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from alerts.matchers import Matcher, MatcherError, parse_matcher_text, parse_matchers
from dashboard import alert_data as ad
from dashboard import oncall_data as od
from dashboard.alert_actions import ACTIONS, Outcome, perform
from dashboard.oncall_actions import (
    InputError,
    parse_matchers_text,
    parse_time,
    perform_add_shift,
    perform_create_silence,
)
from db.models_alerts import Alert, DutyShift, Silence
from db.models_security import Role
from db.session import transaction
from security.auth import Principal
from security.users import create_user
from tests.dashboard.alert_world import build_alert_world
from tests.dashboard.world import NOW, World
from tests.fuzz.support import extreme_float, extreme_int, fuzz, hostile_text

# What a JSON body can carry in a callback's input (Python's json module also reads NaN and Infinity).
json_value = st.one_of(st.none(), st.booleans(), extreme_int, extreme_float, hostile_text(40),
                       st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                            max_size=2))
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=14)),
                         timezone(timedelta(hours=-12))])
time_text = st.one_of(
    st.builds(lambda d, sep: d.strftime(f"%Y-%m-%d{sep}%H:%M"), st.datetimes(), st.sampled_from([" ", "T"])),
    st.builds(lambda d: d.isoformat(), st.datetimes(timezones=ZONES)),
    st.sampled_from(["0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00", "0001-01-01 00:00", "9999-12-31 23:59",
                     "2026-13-01 00:00", "2026-11-27 24:00", "2026-02-29 08:00", "", "   "]),
    hostile_text(25))
matcher_text = st.one_of(
    hostile_text(40),
    st.builds(lambda n, op, v: f"{n}{op}{v}", st.sampled_from(["site", "alertname", "city", "_x", "1a", ""]),
              st.sampled_from(["=", "!=", "=~", "!~", "==", "~"]),
              st.one_of(hostile_text(20), st.sampled_from(['"(a+)+"', "(" * 600 + ")" * 600, "a{99999999999}",
                                                           '"a,b"', '"', "[", "\\", "x" * 2000]))))


@fuzz(400)
@given(matcher_text, st.dictionaries(hostile_text(8), hostile_text(30), max_size=4))
def test_matcher_text(text: str, labels: dict[str, str]) -> None:
    try:
        m = parse_matcher_text(text)
    except MatcherError as exc:
        assert str(exc).startswith("匹配条件：") and len(str(exc)) < 400
        return
    assert isinstance(m, Matcher) and isinstance(m.matches(labels), bool)


@fuzz(200)
@given(st.lists(st.one_of(st.dictionaries(st.sampled_from(["name", "op", "value", "x"]), json_value, max_size=4),
                          json_value), max_size=3))
def test_stored_matchers(raw: list[Any]) -> None:
    try:
        got = parse_matchers(raw)
    except MatcherError:
        return
    assert got and all(isinstance(m, Matcher) for m in got)


@fuzz(400)
@given(st.one_of(time_text, json_value), ZONES)
def test_form_times(value: Any, tz: timezone) -> None:
    try:
        got = parse_time(value, "开始时间", tz)
    except InputError as exc:
        assert "开始时间" in str(exc)
        return
    assert got.tzinfo is not None and got.utcoffset() == timedelta(0)


@fuzz(300)
@given(st.one_of(st.lists(matcher_text, min_size=1, max_size=3).map(", ".join), json_value))
def test_form_matchers(value: Any) -> None:
    try:
        got = parse_matchers_text(value)
    except InputError as exc:
        assert str(exc)
        return
    assert parse_matchers(got)  # what the form accepts, the silence accepts


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, dict[str, int], Principal]]:
    w, alerts = build_alert_world(Path(tmp_path_factory.mktemp("api")))
    with transaction(w.sessions) as s:
        admin = create_user(s, "fuzz_admin", "Fuzz-admin-2026!", Role.PROVINCE_ADMIN, "430000", actor="test",
                            now=NOW)
        create_user(s, "cs_oncall", "Fuzz-oncall-2026!", Role.ONCALL, "430100", actor="test", now=NOW)
        principal = Principal.of_user(admin)
    try:
        yield w, alerts, principal
    finally:
        w.store.close()


def _count(w: World, model: type) -> int:
    with w.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@fuzz(150)
@given(st.one_of(st.sampled_from(["silence", "maintenance"]), json_value),
       st.one_of(st.lists(matcher_text, min_size=1, max_size=2).map(", ".join), st.just("site=X0102"), json_value),
       st.one_of(time_text, json_value), st.one_of(time_text, json_value),
       st.one_of(st.sampled_from(["2", "0.5", "168", "169", "nan", "inf", "1e308", ""]), json_value),
       st.one_of(st.just("计划维护"), json_value))
def test_silence_form(world: tuple, kind: Any, matchers: Any, starts: Any, ends: Any, hours: Any,
                      reason: Any) -> None:
    w, _, admin = world
    before = _count(w, Silence)
    out = perform_create_silence(w.sessions, admin, kind=kind, matchers=matchers, starts_at=starts, ends_at=ends,
                                 hours=hours, reason=reason, now=NOW)
    assert isinstance(out, Outcome) and out.message
    assert _count(w, Silence) == before + (1 if out.ok else 0)


@fuzz(150)
@given(st.one_of(st.sampled_from(["430000", "430100", "439900"]), json_value), st.one_of(st.sampled_from([1, 2, "3"]),
                                                                                       json_value),
       st.one_of(st.sampled_from(["cs_oncall", "fuzz_admin", "nobody"]), json_value),
       st.one_of(time_text, json_value), st.one_of(time_text, json_value))
def test_shift_form(world: tuple, scope: Any, tier: Any, user: Any, starts: Any, ends: Any) -> None:
    w, _, admin = world
    before = _count(w, DutyShift)
    out = perform_add_shift(w.sessions, admin, scope_code=scope, tier=tier, username=user, starts_at=starts,
                            ends_at=ends, now=NOW)
    assert isinstance(out, Outcome) and out.message
    assert _count(w, DutyShift) == before + (1 if out.ok else 0)


@fuzz(150)
@given(st.sampled_from(sorted(ACTIONS)), st.one_of(st.sampled_from(["alert", "gone"]), json_value),
       st.one_of(st.integers(0, 5), json_value), st.one_of(st.just("处理中"), json_value),
       st.one_of(st.sampled_from(["cs_oncall", "fuzz_admin"]), json_value),
       st.one_of(st.sampled_from(["critical", "low", "urgent"]), json_value),
       st.one_of(st.sampled_from([1, 2.5, 168, 169]), json_value))
def test_console_actions(world: tuple, action: str, which: Any, version: Any, note: Any, user: Any, severity: Any,
                         hours: Any) -> None:
    w, alerts, admin = world
    alert_id = next(iter(alerts.values())) if which == "alert" else 10**9 if which == "gone" else which
    out = perform(w.sessions, admin, action, alert_id, version, NOW, note=note, user=user, severity=severity,
                  hours=hours)
    assert isinstance(out, Outcome) and out.message


@fuzz(150)
@given(json_value, json_value, json_value, st.one_of(st.lists(json_value, max_size=2), json_value), json_value)
def test_console_filters_and_silence_states(world: tuple, severity: Any, city: Any, site: Any, states: Any,
                                            state: Any) -> None:
    w, _, _ = world
    with w.sessions() as s:
        flt = ad.AlertFilter(severity=severity, city=city, site=site,
                             states=tuple(states) if isinstance(states, list) else (states,))
        assert isinstance(ad.list_alerts(s, NOW, flt), pd.DataFrame)
        try:  # a clean result, or our own refusal naming the bad value in Chinese
            assert isinstance(od.silences(s, NOW, scope_code="430000", state=state), pd.DataFrame)
        except od.SilenceFilterError as exc:
            assert "无法识别" in str(exc)
        assert s.scalar(select(func.count(Alert.id)))
