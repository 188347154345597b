"""A module of ours that does not import stops the alerting service loudly instead of being skipped."""

from __future__ import annotations

import importlib
import sys

import pytest

import alerts.service


@pytest.mark.parametrize("module", ["alerts.engine", "alerts.dispatch", "alerts.receivers", "alerts.rules"])
def test_a_broken_step_module_stops_the_import(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    monkeypatch.delitem(sys.modules, "alerts.service")
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError, as a broken file would
    with pytest.raises(ImportError, match=module.replace(".", r"\.")):
        importlib.import_module("alerts.service")
    assert alerts.service.AlertService  # the module imported before is untouched

