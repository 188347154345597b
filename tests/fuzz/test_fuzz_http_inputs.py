"""API inputs as they arrive over HTTP, under fuzz: the alert console's and the duty screen's callbacks
posted to ``/_dash-update-component`` by a signed-in province admin with whatever JSON a forged request can
carry in each input. Every answer is a page update or a refusal — never HTTP 500 (an unknown silence-state
filter value was one, issue 9 item 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock import FixedClock
from db.models_security import Role
from db.session import transaction
from layouts.oncall import EXPIRE, REMOVE
from security.users import create_user
from tests.dashboard.alert_world import build_alert_world
from tests.dashboard.world import NOW
from tests.fuzz.support import extreme_float, extreme_int, fuzz, hostile_text
from tests.security.dash_client import DashClient, pattern_prop
from tests.support.web import wall_app

PASSWORD = "Fuzz-http-2026!"
json_value = st.one_of(st.none(), st.booleans(), extreme_int, extreme_float, hostile_text(30),
                       st.lists(st.one_of(st.integers(), hostile_text(5)), max_size=2),
                       st.dictionaries(st.sampled_from(["id", "version", "x"]), st.one_of(extreme_int, hostile_text(5)),
                                       max_size=3))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DashClient, dict[str, int]]]:
    world, alerts = build_alert_world(Path(tmp_path_factory.mktemp("http")))
    try:
        with transaction(world.sessions) as s:
            create_user(s, "root", PASSWORD, Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
        app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
        yield DashClient(app).login("root", PASSWORD), alerts
    finally:
        world.store.close()


def _answered(status: int) -> None:
    assert status in (200, 204), status  # 204: the callback chose not to update


@fuzz(60)
@given(json_value, json_value, json_value, json_value, json_value)
def test_console_filters(client: tuple[DashClient, dict[str, int]], severity: Any, city: Any, site: Any,
                         state: Any, selected: Any) -> None:
    c, _ = client
    status, _ = c.call("alerts-body.children", {"alerts-f-severity.value": severity, "alerts-f-city.value": city,
                                                "alerts-f-site.value": site, "alerts-f-state.value": state,
                                                "alerts-selected.data": selected}, "alerts-f-severity.value")
    _answered(status)


@fuzz(60)
@given(json_value, st.sampled_from(["alerts-facts.children", "alerts-user.options", "alerts-history-body.children"]))
def test_console_selection_and_history(client: tuple[DashClient, dict[str, int]], value: Any, output: str) -> None:
    c, _ = client
    status, _ = c.call(output, {"alerts-selected.data": value, "alerts-days.value": value,
                                "alerts-user.value": value}, "alerts-selected.data")
    _answered(status)


@fuzz(80)
@given(st.sampled_from(["ack", "unack", "assign", "severity", "close", "silence", "note"]),
       st.one_of(st.just("real"), json_value), json_value, json_value, json_value, json_value, json_value)
def test_console_actions(client: tuple[DashClient, dict[str, int]], button: str, version: Any, note: Any, user: Any,
                         severity: Any, hours: Any, changed: Any) -> None:
    c, alerts = client
    if version == "real":
        version = {"id": next(iter(alerts.values())), "version": 1}
    status, _ = c.call("alerts-message.children", {f"alerts-btn-{button}.n_clicks": 1, "alerts-version.data": version,
                                                   "alerts-note.value": note, "alerts-user.value": user,
                                                   "alerts-severity.value": severity, "alerts-hours.value": hours,
                                                   "alerts-changed.data": changed}, f"alerts-btn-{button}.n_clicks")
    _answered(status)


@fuzz(60)
@given(json_value, json_value)
def test_duty_screen_filters_and_pickers(client: tuple[DashClient, dict[str, int]], state: Any, scope: Any) -> None:
    c, _ = client
    status, _ = c.call("oncall-silences-body.children", {"oncall-silence-state.value": state},
                       "oncall-silence-state.value")
    _answered(status)
    status, _ = c.call("oncall-shift-user.options", {"oncall-shift-scope.value": scope,
                                                     "oncall-shift-user.value": state}, "oncall-shift-scope.value")
    _answered(status)


@fuzz(80)
@given(json_value, json_value, json_value, json_value, json_value, json_value, st.booleans())
def test_duty_screen_forms(client: tuple[DashClient, dict[str, int]], a: Any, b: Any, start: Any, end: Any,
                           hours: Any, changed: Any, remove: bool) -> None:
    c, _ = client
    if remove:  # a row button with a forged id
        values = {f"{REMOVE}.n_clicks": [(a if isinstance(a, int | str) else 1, 1)],
                  f"{EXPIRE}.n_clicks": [(b if isinstance(b, int | str) else 1, 1)]}
    else:
        values = {"oncall-shift-add.n_clicks": 1, "oncall-silence-add.n_clicks": 1}
    values.update({"oncall-shift-scope.value": a, "oncall-shift-tier.value": b, "oncall-shift-user.value": a,
                   "oncall-shift-start.value": start, "oncall-shift-end.value": end,
                   "oncall-roster-changed.data": changed, "oncall-silence-kind.value": a,
                   "oncall-silence-matchers.value": b, "oncall-silence-start.value": start,
                   "oncall-silence-end.value": end, "oncall-silence-hours.value": hours,
                   "oncall-silence-reason.value": a, "oncall-silence-changed.data": changed})
    roster_trigger = pattern_prop(REMOVE, values[f"{REMOVE}.n_clicks"][0][0]) if remove else "oncall-shift-add.n_clicks"
    silence_trigger = (pattern_prop(EXPIRE, values[f"{EXPIRE}.n_clicks"][0][0]) if remove
                       else "oncall-silence-add.n_clicks")
    status, _ = c.call("oncall-roster-msg.children", values, roster_trigger)
    _answered(status)
    status, _ = c.call("oncall-silence-msg.children", values, silence_trigger)
    _answered(status)
