"""Pure stages of the suppression pipeline: each stage on its own, with plain snapshots and a fixed now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alerts import pipeline as P
from alerts.inhibition import InhibitRule, inhibit, problems
from alerts.matchers import MatcherError, make_matcher, matches_all, parse_matcher_text, parse_matchers
from alerts.rules import load_rule_files
from alerts.silences import ActiveSilence, SilenceState, silence_state
from alerts.states import SilenceKind
from core.config import PROJECT_ROOT

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SHIPPED_INHIBIT = load_rule_files([PROJECT_ROOT / "data" / "alerts" / "rules"]).inhibit_rules


def snap(id: int, rule: str = "r", state: str = "firing", severity: str = "high", city: str = "430100",
         group: str = "", tier: int = 1, fired_min_ago: float = 0, escalated_min_ago: float | None = None,
         **labels: str) -> P.AlertSnap:
    return P.AlertSnap(id=id, rule=rule, state=state, severity=severity, labels=labels, city_code=city,
                       group_key=group or f"city={city}", fired_at=NOW - timedelta(minutes=fired_min_ago),
                       escalation_tier=tier,
                       escalated_at=None if escalated_min_ago is None else NOW - timedelta(minutes=escalated_min_ago))


# ---- matchers

def test_matchers_ops_and_anchoring() -> None:
    lab = {"site": "430100001", "rule": "tls_expiry"}
    assert make_matcher("site", "=", "430100001").matches(lab)
    assert not make_matcher("site", "!=", "430100001").matches(lab)
    assert make_matcher("rule", "=~", "tls_.*").matches(lab)
    assert not make_matcher("site", "=~", "4301").matches(lab)  # anchored: whole value
    assert make_matcher("host", "=", "").matches(lab)  # absent label is the empty string
    assert make_matcher("rule", "!~", "dead_.*").matches(lab)
    assert parse_matcher_text('rule=~"tls_.*"') == make_matcher("rule", "=~", "tls_.*")
    assert not matches_all([], lab)


def test_bad_matchers_name_the_matcher() -> None:
    with pytest.raises(MatcherError, match=r"^静默第 2 项：site=~\"\(\"：正则表达式无效：缺少右括号"):
        parse_matchers([{"name": "rule", "op": "=", "value": "x"}, {"name": "site", "op": "=~", "value": "("}],
                       where="静默")
    with pytest.raises(MatcherError, match="site 的运算符 '==' 无效"):
        parse_matchers([{"name": "site", "op": "==", "value": "x"}])
    with pytest.raises(MatcherError, match=r"第 1 项：缺少 value"):
        parse_matchers([{"name": "site", "op": "="}])
    with pytest.raises(MatcherError, match="至少需要一个匹配条件"):
        parse_matchers([])
    with pytest.raises(MatcherError, match="应写作 名称=值"):
        parse_matcher_text("site")


# ---- silence state

def test_silence_state_from_now() -> None:
    start, end = NOW, NOW + timedelta(hours=2)
    assert silence_state(start, end, None, NOW - timedelta(seconds=1)) is SilenceState.PENDING
    assert silence_state(start, end, None, NOW) is SilenceState.ACTIVE
    assert silence_state(start, end, None, end - timedelta(seconds=1)) is SilenceState.ACTIVE
    assert silence_state(start, end, None, end) is SilenceState.EXPIRED
    early = NOW + timedelta(minutes=30)
    assert silence_state(start, end, early, NOW + timedelta(minutes=29)) is SilenceState.ACTIVE
    assert silence_state(start, end, early, early) is SilenceState.EXPIRED


# ---- inhibit

def test_site_down_inhibits_that_sites_other_alerts_only() -> None:
    down = snap(1, "site_down", site="s1", inhibits="site")
    dead = snap(2, "dead_link", site="s1")
    tls = snap(3, "tls_expiry", site="s1")
    other = snap(4, "dead_link", site="s2")
    out = P.inhibit([down, dead, tls, other], SHIPPED_INHIBIT)
    assert set(out) == {2, 3}
    assert out[2].stage == "inhibited" and out[2].by == 1 and "#1" in out[2].reason


def test_pending_source_inhibits_nothing_and_sources_do_not_mute_each_other() -> None:
    pending = snap(1, "site_down", state="pending", site="s1", inhibits="site")
    dead = snap(2, "dead_link", site="s1")
    assert P.inhibit([pending, dead], SHIPPED_INHIBIT) == {}
    a = snap(3, "site_down", site="s1", inhibits="site", node="n1")
    b = snap(4, "site_down", site="s1", inhibits="site", node="n2")
    assert P.inhibit([a, b], SHIPPED_INHIBIT) == {}


def test_unreachable_node_inhibits_its_hosts() -> None:
    node = snap(1, "collector_absent", node="430100", inhibits="node")
    host = snap(2, "cpu_high", node="430100", host="web1")
    elsewhere = snap(3, "cpu_high", node="430200", host="web9")
    assert set(P.inhibit([node, host, elsewhere], SHIPPED_INHIBIT)) == {2}


def test_shipped_rule_names_are_sources_too() -> None:
    down = snap(1, "site_down", site="s1")
    tls = snap(2, "tls_expiring", site="s1")
    ratio = snap(3, "availability_ratio_veto", site="s1")
    silent = snap(4, "collector_silent", node="430100", collector="host")
    host = snap(5, "host_silent", node="430100", host="web1")
    inspection = snap(6, "collector_silent", node="430200", collector="inspection_columns")
    host2 = snap(7, "host_silent", node="430200", host="web2")
    # The ratio alerts of a down site are its dependants too; an inspection collector explains no host.
    assert set(P.inhibit([down, tls, ratio, silent, host, inspection, host2], SHIPPED_INHIBIT)) == {2, 3, 5}


def test_one_down_site_is_one_problem_with_its_ratios_under_it() -> None:
    down = snap(1, "site_down", site="s1", node="430102")
    warn = snap(2, "availability_ratio_warning", site="s1", node="430102")
    veto = snap(3, "availability_ratio_veto", site="s1", node="430102")
    other_warn = snap(4, "availability_ratio_warning", site="s2")
    got = problems([down, warn, veto, other_warn], SHIPPED_INHIBIT)
    assert [a for a in (1, 2, 3, 4) if got.is_top(a)] == [1, 4]
    assert got.dependants(1) == (2, 3) and got.source_of(2) == 1 and got.source_of(1) is None
    # Recovered from the outage, the veto stays (its 7 days still hold the failures) and its warning under it.
    after = problems([warn, veto], SHIPPED_INHIBIT)
    assert after.source_of(2) == 3 and after.dependants(3) == (2,) and after.is_top(3)
    assert after.inhibited[2].reason == "被告警 #3 抑制"  # by number, never the rule's code
    assert after.inhibited[2].rule == "veto_explains_its_warning"
    # A pending site_down explains nothing yet.
    assert problems([snap(1, "site_down", state="pending", site="s1"), warn], SHIPPED_INHIBIT).is_top(2)


def test_chains_list_under_the_top_and_cycles_leave_one_on_top() -> None:
    a_mutes_b = InhibitRule("ab", (make_matcher("rule", "=", "a"),), (make_matcher("rule", "=", "b"),), ("site",))
    b_mutes_c = InhibitRule("bc", (make_matcher("rule", "=", "b"),), (make_matcher("rule", "=", "c"),), ("site",))
    c_mutes_a = InhibitRule("ca", (make_matcher("rule", "=", "c"),), (make_matcher("rule", "=", "a"),), ("site",))
    a, b, c = snap(1, "a", site="s"), snap(2, "b", site="s"), snap(3, "c", site="s")
    chain = inhibit([a, b, c], [a_mutes_b, b_mutes_c])
    assert {k: v.by for k, v in chain.items()} == {2: 1, 3: 1}  # c hangs under the top, a, not under b
    cycle = inhibit([a, b, c], [a_mutes_b, b_mutes_c, c_mutes_a])
    assert 1 not in cycle and {k: v.by for k, v in cycle.items()} == {2: 1, 3: 1}
    assert inhibit([a, snap(4, "b", site="")], [a_mutes_b]) == {}  # equal on an absent label ties nothing


# ---- silence / maintenance

def test_silence_and_maintenance_are_separate_stages() -> None:
    sil = ActiveSilence(7, SilenceKind.SILENCE, (make_matcher("rule", "=", "tls_expiry"),), "证书更换中", "ops1")
    mnt = ActiveSilence(8, SilenceKind.MAINTENANCE, (make_matcher("site", "=", "s2"),), "机房搬迁", "ops2")
    alerts = [snap(1, "tls_expiry", site="s1"), snap(2, "dead_link", site="s2"), snap(3, "dead_link", site="s3")]
    s = P.silence(alerts, [sil, mnt])
    m = P.maintenance(alerts, [sil, mnt])
    assert set(s) == {1} and s[1].stage == "silenced" and "证书更换中" in s[1].reason
    assert set(m) == {2} and m[2].stage == "maintenance" and m[2].by == 8


def test_silence_matches_derived_labels() -> None:
    sil = ActiveSilence(1, SilenceKind.SILENCE, (make_matcher("city", "=", "430200"),
                                                 make_matcher("severity", "=~", "medium|low")), "r", "u")
    alerts = [snap(1, severity="low", city="430200"), snap(2, severity="high", city="430200"),
              snap(3, severity="low", city="430100")]
    assert set(P.silence(alerts, [sil])) == {1}


# ---- dedup

def test_dedup_announces_changes_once() -> None:
    a, b = snap(1), snap(2)
    first = P.dedup("g", [a], None, {})
    assert first is not None and first.generation == 1 and [x.id for x in first.alerts] == [1]
    prev = P.PreviousPlan(first.signature, first.generation)
    assert P.dedup("g", [a], prev, {}) is None  # nothing changed
    second = P.dedup("g", [a, b], prev, {})
    assert second is not None and second.generation == 2
    acked = P.dedup("g", [snap(1, state="acknowledged")], prev, {})
    assert acked is not None  # a state change is news
    assert P.dedup("g", [snap(1, severity="critical")], prev, {}) is not None


def test_dedup_resolved_is_news_but_muted_is_not() -> None:
    a, b = snap(1), snap(2)
    prev = P.PreviousPlan(P.signature([a, b]), 3)
    # b dropped out because it was silenced: nothing to say
    assert P.dedup("g", [a], prev, {1: a, 2: b}) is None
    # b resolved: announce with b under "resolved"
    change = P.dedup("g", [a], prev, {1: a, 2: snap(2, state="resolved")})
    assert change is not None and [x.id for x in change.resolved] == [2] and change.generation == 4
    # the whole group resolved
    allgone = P.dedup("g", [], prev, {1: snap(1, state="resolved"), 2: snap(2, state="resolved")})
    assert allgone is not None and allgone.alerts == () and len(allgone.resolved) == 2


# ---- escalate

def test_escalation_timing_per_severity() -> None:
    policy = P.EscalationPolicy()
    alerts = [snap(1, severity="critical", fired_min_ago=9.9), snap(2, severity="critical", fired_min_ago=10),
              snap(3, severity="high", fired_min_ago=29), snap(4, severity="high", fired_min_ago=31),
              snap(5, severity="medium", fired_min_ago=600), snap(6, severity="critical", state="acknowledged",
                                                                  fired_min_ago=60)]
    assert [(e.alert_id, e.to_tier) for e in P.escalate(alerts, NOW, policy)] == [(2, 2), (4, 2)]


def test_escalation_waits_a_full_interval_per_tier_and_stops_at_max() -> None:
    policy = P.EscalationPolicy(max_tier=3)
    assert P.escalate([snap(1, severity="critical", tier=2, fired_min_ago=60, escalated_min_ago=5)], NOW, policy) == []
    out = P.escalate([snap(1, severity="critical", tier=2, fired_min_ago=60, escalated_min_ago=10)], NOW, policy)
    assert [(e.from_tier, e.to_tier) for e in out] == [(2, 3)]
    assert P.escalate([snap(1, severity="critical", tier=3, fired_min_ago=99, escalated_min_ago=99)], NOW,
                      policy) == []


# ---- fan-out

def test_fan_out_per_receiver_and_per_on_duty_person() -> None:
    change = P.dedup("g", [snap(1, tier=2, site="s1")], None, {})
    assert change is not None
    routes = [P.Route("dingtalk-city", "dingtalk"), P.Route("sms", "sms", on_duty=True),
              P.Route("tls-only", "webhook", (make_matcher("rule", "=", "tls_expiry"),))]
    roster = {("430100", 1): ["zhang"], ("430100", 2): ["li", "zhang"]}
    intents = P.fan_out(change, routes, lambda city, tier: roster.get((city, tier), []))
    got = sorted((i.receiver, i.recipient) for i in intents)
    assert got == [("dingtalk-city", None), ("sms", "li"), ("sms", "zhang")]
    assert len({i.idem_key for i in intents}) == 3
    assert intents[0].payload["title"].startswith("【严重】") and intents[0].payload["alerts"][0]["id"] == 1


def test_fan_out_with_nobody_to_tell_is_recorded_as_suppressed() -> None:
    change = P.dedup("g", [snap(1)], None, {})
    assert change is not None
    intents = P.fan_out(change, [P.Route("sms", "sms", on_duty=True)], lambda c, t: [])
    assert len(intents) == 1 and intents[0].suppressed and "无人值班" in intents[0].detail
