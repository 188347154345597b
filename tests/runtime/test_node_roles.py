"""A node's role is the list of processes `app.py run` starts, and the configuration refuses a role whose
code does not fit it."""

from __future__ import annotations

import pytest

from core.config import ConfigError, load_config
from runtime.roles import NODE_LABELS, NODE_PROCESSES, node_processes


@pytest.mark.parametrize("role", sorted(NODE_PROCESSES))
def test_every_role_runs_collection_and_the_web_and_alerting_when_on(role: str) -> None:
    code = "430100" if role == "city" else "430000"
    on = load_config(env={"GOVOPS_NODE__ROLE": role, "GOVOPS_NODE__CODE": code})
    assert on.node.role == role and NODE_LABELS[role]
    assert node_processes(on, demo=True) == ["fleet", "collect", "alert", "web"]
    assert node_processes(on, demo=False) == ["collect", "alert", "web"]
    off = load_config(env={"GOVOPS_NODE__ROLE": role, "GOVOPS_NODE__CODE": code, "GOVOPS_ALERTS__ENABLED": "false"})
    assert node_processes(off, demo=False) == ["collect", "web"]


@pytest.mark.parametrize(("role", "code", "says"), [
    ("city", "430000", "市级节点"), ("city", "430102", "市级节点"), ("province", "430100", "省级节点"),
    ("all-in-one", "430100", "单机部署"), ("county", "430102", "node.role"), ("city", "43010", "6 位"),
])
def test_a_code_that_does_not_fit_the_role_is_refused(role: str, code: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_config(env={"GOVOPS_NODE__ROLE": role, "GOVOPS_NODE__CODE": code})
