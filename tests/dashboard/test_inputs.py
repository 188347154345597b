"""Browser values made safe (dashboard.inputs) and the callbacks that take them: a forged value is a refusal
or an empty result, never HTTP 500 (an unknown silence-state filter value was one, issue 9 item 12; a form
time UTC cannot hold, an id of 2^63 or a list where a name was expected were others, found by tests/fuzz)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.clock import FixedClock
from dashboard import inputs
from dashboard.oncall_actions import InputError, parse_time
from db.models_security import Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.world import NOW, build_world
from tests.security.dash_client import DashClient
from tests.support.web import wall_app


@pytest.mark.parametrize(("value", "text", "integer", "number"), [
    ("abc", "abc", None, None),
    (" 42 ", " 42 ", 42, 42.0),
    (7, "7", 7, 7.0),
    (7.0, "7.0", 7, 7.0),
    (7.5, "7.5", None, 7.5),
    (True, "", None, None),
    (None, "", None, None),
    (float("nan"), "", None, None),
    (float("inf"), "", None, None),
    (2**63, "", None, 9.223372036854776e18),
    (10**400, "", None, None),
    ("1e308", "1e308", None, 1e308),
    ("1e400", "1e400", None, None),
    ([1], "", None, None),
    ({"a": 1}, "", None, None),
    ("x" * 20_000, "", None, None),
])
def test_conversions(value: object, text: str, integer: int | None, number: float | None) -> None:
    assert inputs.text(value) == text
    assert inputs.integer(value) == integer
    assert inputs.number(value) == number


def test_record_ref() -> None:
    assert inputs.record_ref({"id": 3, "version": "2"}) == (3, 2)
    for bad in ({"id": 3}, {"id": "x", "version": 1}, {"id": 2**40, "version": 1}, [3, 2], "3", None):
        assert inputs.record_ref(bad) is None


@pytest.mark.parametrize("value", ["0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00", "0001-01-01 00:00",
                                   ["2026-11-27 08:00"], 10**400, "2026-11-27 08:00" + " " * 100])
def test_form_times_utc_cannot_hold_are_input_errors(value: object) -> None:
    with pytest.raises(InputError, match="开始时间"):
        parse_time(value, "开始时间", timezone(timedelta(hours=8)))
    assert parse_time("2026-11-27 08:00", "开始时间", timezone(timedelta(hours=8))) == datetime(2026, 11, 27, 0, 0,
                                                                                            tzinfo=UTC)


def test_forged_callback_values_are_answered_not_500(tmp_path: Path) -> None:
    world = build_world(tmp_path)
    try:
        with transaction(world.sessions) as s:
            create_user(s, "root", "Inputs-page-2026!", Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
        app = wall_app(world.config, store=world.store, sessions=world.sessions, clock=FixedClock(NOW))
        c = DashClient(app).login("root", "Inputs-page-2026!")
        calls = [
            ("oncall-silences-body.children", {"oncall-silence-state.value": "bogus"}, "oncall-silence-state.value"),
            ("alerts-body.children", {"alerts-f-severity.value": "urgent", "alerts-f-state.value": ["open"]},
             "alerts-f-severity.value"),
            ("alerts-facts.children", {"alerts-selected.data": "abc"}, "alerts-selected.data"),
            ("alerts-facts.children", {"alerts-selected.data": 2**63}, "alerts-selected.data"),
            ("alerts-history-body.children", {"alerts-days.value": 10**9}, "alerts-days.value"),
            ("oncall-shift-user.options", {"oncall-shift-scope.value": ["430100"], "oncall-shift-user.value": [1]},
             "oncall-shift-scope.value"),
            ("alerts-message.children", {"alerts-btn-ack.n_clicks": 1, "alerts-version.data": {"id": "x"},
                                         "alerts-changed.data": "many"}, "alerts-btn-ack.n_clicks"),
        ]
        for output, values, changed in calls:
            status, _ = c.call(output, values, changed)
            assert status == 200, (output, values, status)
    finally:
        world.store.close()
