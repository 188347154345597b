"""Rule files under fuzz: any bytes, any YAML structure in a rule's place, any edit of the shipped files —
``check_rule_file`` returns ``(rules, errors)`` with every error a (file, line, reason) inside the file, and
the rule directory the service and /rules read never raises and keeps the rules in force."""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from alerts.rule_dir import RuleDirectory
from alerts.rules import check_rule_file, load_rule_files
from core.config import PROJECT_ROOT
from tests.fuzz.support import edits, fuzz, hostile_text, mutate, nested

SHIPPED = sorted((PROJECT_ROOT / "data" / "alerts" / "rules").glob("*.yaml"))
RULE = {"name": "fuzzed", "kind": "threshold", "severity": "high", "measurement": "site_probe", "field": "up",
        "agg": "last", "window": "5m", "op": "==", "value": 0, "for": "3m", "group_by": ["site", "city"],
        "summary": "网站 {labels[site]} 无法访问，{duration}"}
KEYS = sorted({*RULE, "keep_firing_for", "notify_by", "labels", "absent_for", "invert", "check", "kinds",
               "min_severity", "deadline_within_days", "min_samples", "min_samples_per", "interval_field",
               "interval_of", "absent_intervals"})
YAML_SCALARS = st.sampled_from(["2026-02-30", "1" * 5000, ".inf", ".nan", "-.inf", "0x7fffffffffffffffff", "1e400",
                                "9999999999d", "~", "&a [*a]", "!!python/object:os.system", "{value:1000000000}",
                                "'{value:.1%}'", "<<: *x", "? [a]\n: b", "!!binary AAAA", "0o777", "1_000"])


def _assert_sound(path: Path, rules: list, errors: list[tuple[str, int, str]], lines: int) -> None:
    assert isinstance(rules, list) and isinstance(errors, list)
    if errors:
        assert rules == []
    for f, line, reason in errors:
        assert f == str(path) and isinstance(line, int) and 0 <= line <= lines + 1, (line, lines, reason)
        assert isinstance(reason, str) and reason and len(reason) < 2000
        assert "Traceback" not in reason
    for r in rules:
        assert math.isfinite(r.value) and r.name


@fuzz(300)
@given(st.one_of(st.binary(max_size=300), hostile_text(300).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_bytes(tmp_path_factory, content: bytes) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path_factory.mktemp("r") / "r.yaml"
    f.write_bytes(content)
    rules, errors = check_rule_file(f)
    _assert_sound(f, rules, errors, content.count(b"\n"))


@fuzz(300)
@given(st.dictionaries(st.sampled_from(KEYS), st.one_of(nested(), YAML_SCALARS), min_size=1, max_size=4),
       st.booleans())
def test_any_structure_in_a_rules_place(tmp_path_factory, changes: dict, inhibit: bool) -> None:  # type: ignore[no-untyped-def]
    doc: dict = {"version": 1, "groups": [{"name": "g", "rules": [{**RULE, **changes}]}]}
    if inhibit:
        doc["inhibit_rules"] = [{"name": "i", **{k: v for k, v in changes.items() if k in ("name", "labels")},
                                 "source_matchers": changes.get("check", ['alertname="a"']),
                                 "target_matchers": changes.get("kinds", ['site=~".+"']), "equal": ["site"]}]
    try:
        text = yaml.safe_dump(doc, allow_unicode=True)
    except yaml.YAMLError:
        return  # PyYAML cannot write it either (e.g. a control character); nothing to feed
    for k, v in changes.items():  # scalars YAML would quote: inject them raw as the text an operator might type
        if isinstance(v, str) and v in YAML_SCALARS.elements:  # type: ignore[attr-defined]
            text = text.replace(f"  {k}: {yaml.safe_dump(v).split(chr(10))[0]}", f"  {k}: {v}", 1)
    f = tmp_path_factory.mktemp("r") / "r.yaml"
    f.write_text(text, encoding="utf-8")
    rules, errors = check_rule_file(f)
    _assert_sound(f, rules, errors, text.count("\n"))


@fuzz(150)
@given(st.sampled_from(SHIPPED), edits)
def test_any_edit_of_the_shipped_files(tmp_path_factory, source: Path, changes: list) -> None:  # type: ignore[no-untyped-def]
    text = mutate(source.read_text(encoding="utf-8"), changes)
    f = tmp_path_factory.mktemp("r") / source.name
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    rules, errors = check_rule_file(f)
    _assert_sound(f, rules, errors, text.count("\n"))


@fuzz(60)
@given(st.sampled_from(SHIPPED), edits)
def test_the_rule_directory_keeps_the_rules_in_force(tmp_path_factory, source: Path, changes: list) -> None:  # type: ignore[no-untyped-def]
    d = tmp_path_factory.mktemp("dir")
    for f in SHIPPED:
        (d / f.name).write_bytes(f.read_bytes())
    directory = RuleDirectory(d)
    before = directory.refresh()
    assert before.taken and not before.errors
    (d / source.name).write_text(mutate(source.read_text(encoding="utf-8"), changes) + "\n# edited\n",
                                 encoding="utf-8", errors="surrogatepass")
    after = directory.refresh()  # never raises
    if after.errors:
        assert after.in_force == before.in_force and not after.taken
    else:
        assert after.in_force == load_rule_files([d])
