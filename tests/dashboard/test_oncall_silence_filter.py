"""Issue 9 item 12 (on-call): a silence-state filter value no radio button sends — posted straight to
the callback — gets a Chinese message in the table, never an HTTP 500 (real HTTP on waitress)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard import oncall_data as od
from db.models_security import Role
from db.session import transaction
from security.users import create_user
from tests.dashboard.world import NOW, World, build_world
from tests.support.web import Browser, serve


def _refresh(state: Any) -> dict[str, Any]:
    """The silence list's refresh callback as dash-renderer posts it when the filter changes."""
    def dep(cid: str, prop: str, value: Any) -> dict[str, Any]:
        return {"id": cid, "property": prop, "value": value}

    return {"output": "oncall-silences-body.children", "outputs": {"id": "oncall-silences-body",
                                                                    "property": "children"},
            "inputs": [dep("oncall-tick", "n_intervals", 1), dep("oncall-silence-changed", "data", 0),
                       dep("oncall-silence-state", "value", state)],
            "state": [], "changedPropIds": ["oncall-silence-state.value"]}


@pytest.mark.parametrize("value", ["", None, "active", "pending", "expired"])
def test_known_values_are_states(value: str | None) -> None:
    assert od.silence_state(value) == (value or None)


@pytest.mark.parametrize("value", ["bogus", "ACTIVE", " active", 7, ["active"], {"x": 1}, "x" * 5000])
def test_unknown_values_are_a_chinese_refusal(value: Any) -> None:
    with pytest.raises(od.SilenceFilterError, match=r"状态筛选“.*”无法识别，可选：全部、待生效、生效中、已失效"):
        od.silence_state(value)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = build_world(tmp_path)
    with transaction(w.sessions) as s:
        create_user(s, "root", "root-password", Role.PROVINCE_ADMIN, "430000", actor="test", now=NOW)
    try:
        yield w
    finally:
        w.store.close()


def test_the_callback_answers_an_unknown_filter_in_chinese(world: World) -> None:
    with serve(world) as base:
        b = Browser(base)
        assert b.login("root", "root-password", "/oncall").status == 302
        assert b.get("/oncall").status == 200  # the CSRF cookie comes with the page
        ok = b.dash_callback(_refresh("active"))
        assert ok.status == 200 and "没有符合条件的静默或维护窗口" in _text(ok.body)
        for value in ("bogus", 7, ["active"]):
            r = b.dash_callback(_refresh(value))
            assert r.status == 200, (value, r.status, r.body[:200])
            assert "无法识别，可选：全部、待生效、生效中、已失效" in _text(r.body)


def _text(body: str) -> str:
    return json.dumps(json.loads(body), ensure_ascii=False)
