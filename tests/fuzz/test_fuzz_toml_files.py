"""The TOML files under fuzz — receivers, configuration, inspection rules, the content-error dictionary:
any document (real TOML carrying every value TOML can: nan, inf, huge integers, control characters, nested
tables) and any bytes end in a loaded result or the loader's own error naming the file, never another
exception. Keys are drawn from the real ones so the validation behind the parser is reached."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from alerts.notifiers import NOTIFIERS
from alerts.receivers import ReceiversError, load_receivers
from core.config import Config, ConfigError, load_config
from inspection.catalog import load_checks
from inspection.dictionary import DictionaryError, load_dictionary
from inspection.rules import RulesError, VetoRules, load_rules
from tests.fuzz.support import edits, fuzz, hostile_text, mutate, nested, scalar, toml_document

RECEIVER_KEYS = sorted({"kind", "enabled", "on_duty", "max_per_minute", "max_per_hour",
                        *(f.name for kind in NOTIFIERS.names()
                          for f in dataclasses.fields(NOTIFIERS.get(kind).config_class))})
KINDS = st.sampled_from([*NOTIFIERS.names(), "nope", ""])
value = st.one_of(scalar, nested(max_leaves=6))


def _write(tmp: Path, name: str, content: str | bytes) -> Path:
    f = tmp / name
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    f.write_bytes(content)
    return f


# Sound values for the usual keys, so that generated receivers often get past the first check.
SOUND = {"url": st.sampled_from(["http://127.0.0.1:9/hook", "https://oapi.dingtalk.com/robot/send?access_token=x"]),
         "timeout": st.sampled_from([5, 5.0, 600]), "secret": st.just("SECx"), "phones": st.just(["13800000000"]),
         "to": st.just(["ops@example.cn"]), "host": st.just("127.0.0.1"), "port": st.just(25),
         "sender": st.just("alerts@example.cn"), "template": st.just({"m": "{phone}", "c": "{text}"}),
         "success_field": st.just("code"), "success_value": st.just("0"), "enabled": st.booleans(),
         "max_per_minute": st.integers(0, 100)}
receiver = st.fixed_dictionaries({"kind": KINDS}, optional={
    k: st.one_of(SOUND[k], SOUND[k], value) if k in SOUND else value for k in RECEIVER_KEYS if k != "kind"})
route = st.fixed_dictionaries({}, optional={"receivers": st.one_of(st.lists(st.sampled_from(["a", "b", "zz"])),
                                                                    value),
                                            "severities": st.one_of(st.lists(st.sampled_from(
                                                ["critical", "high", "bogus"])), value),
                                            "cities": st.one_of(st.lists(st.sampled_from(["430100", "4301"])),
                                                                value)})
receivers_doc = st.fixed_dictionaries({"receivers": st.dictionaries(st.sampled_from(["a", "b", "c"]), receiver,
                                                                    max_size=3)},
                                      optional={"routes": st.lists(route, max_size=3), "extra": value})


@fuzz(200)
@given(receivers_doc)
def test_receivers_documents(tmp_path_factory, doc: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    f = _write(tmp_path_factory.mktemp("rcv"), "receivers.toml", toml_document(doc))
    try:
        got = load_receivers(f)
    except ReceiversError as exc:
        assert str(f) in str(exc)
        return
    for r in got.receivers.values():
        r.build()  # every accepted receiver can be built, and holds finite numbers only
        assert all(_finite(getattr(r.config, f.name)) for f in dataclasses.fields(r.config))


def _finite(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, list | tuple):
        return all(_finite(x) for x in v)
    if isinstance(v, dict):
        return all(_finite(x) for x in v.values())
    return True


@fuzz(100)
@given(st.one_of(st.binary(max_size=200), hostile_text(200)))
def test_receivers_any_content(tmp_path_factory, content: str | bytes) -> None:  # type: ignore[no-untyped-def]
    f = _write(tmp_path_factory.mktemp("rcv"), "receivers.toml", content)
    try:
        load_receivers(f)
    except ReceiversError as exc:
        assert str(f) in str(exc)


def _config_keys() -> list[tuple[str, str]]:
    cfg = Config()
    return [(sec.name, f.name) for sec in dataclasses.fields(cfg) for f in dataclasses.fields(getattr(cfg, sec.name))]


CONFIG_KEYS = _config_keys()
config_doc = st.dictionaries(st.sampled_from(CONFIG_KEYS), value, max_size=4).map(
    lambda d: {sec: {k: v for (s2, k), v in d.items() if s2 == sec} for (sec, _) in d})
env = st.dictionaries(st.sampled_from([f"GOVOPS_{s.upper()}__{k.upper()}" for s, k in CONFIG_KEYS] +
                                      ["GOVOPS_NOPE__X", "GOVOPS_WEB__NOPE", "GOVOPS_X"]),
                      hostile_text(30), max_size=3)


@fuzz(250)
@given(config_doc, env)
def test_config_files_and_environment(tmp_path_factory, doc: dict[str, Any], environ: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    f = _write(tmp_path_factory.mktemp("cfg"), "govops.toml", toml_document(doc))
    try:
        cfg = load_config(f, env=environ)
    except ConfigError as exc:
        assert str(exc)
        return
    for section in dataclasses.fields(cfg):  # whatever was accepted is a finite, ranged number or a string
        for fld in dataclasses.fields(getattr(cfg, section.name)):
            v = getattr(getattr(cfg, section.name), fld.name)
            assert not isinstance(v, float) or (v == v and abs(v) != float("inf"))


@fuzz(100)
@given(st.one_of(st.binary(max_size=200), hostile_text(200)))
def test_config_any_content(tmp_path_factory, content: str | bytes) -> None:  # type: ignore[no-untyped-def]
    f = _write(tmp_path_factory.mktemp("cfg"), "govops.toml", content)
    try:
        load_config(f, env={})
    except ConfigError as exc:
        assert str(f) in str(exc) or "." in str(exc)


CHECKS = load_checks()
VETO_KEYS = [f.name for f in dataclasses.fields(VetoRules)]
rules_doc = st.dictionaries(
    st.sampled_from(["veto", *CHECKS, "nope"]),
    st.one_of(st.dictionaries(st.sampled_from([*VETO_KEYS, "interval", "timeout", "max_pages", "warn_days",
                                               "concurrency", "max_page_bytes", "nope"]), value, max_size=4),
              value), max_size=3)


@fuzz(200)
@given(rules_doc)
def test_inspection_rules_documents(tmp_path_factory, doc: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    f = _write(tmp_path_factory.mktemp("ins"), "rules.toml", toml_document(doc))
    try:
        rules = load_rules(f)
    except RulesError as exc:
        assert str(f) in str(exc)
        return
    for check in CHECKS:
        settings = rules.settings_for(check)
        assert math.isfinite(rules.interval_for(check)) and rules.interval_for(check) > 0
        if settings is not None:
            assert all(_finite(getattr(settings, f.name)) for f in dataclasses.fields(settings))


SHIPPED_DICT = Path(__file__).resolve().parents[2] / "data" / "inspection" / "dictionary.toml"
entry = st.fixed_dictionaries({}, optional={"kind": st.one_of(st.sampled_from(["wrong_name", "banned_word",
                                                                               "wrong_formulation"]), value),
                                            "wrong": st.one_of(hostile_text(12), value),
                                            "correct": st.one_of(hostile_text(12), value),
                                            "severity": st.one_of(st.sampled_from(["critical", "low"]), value),
                                            "note": value})
allow = st.fixed_dictionaries({}, optional={"phrase": st.one_of(hostile_text(12), value),
                                            "url": st.one_of(st.sampled_from(["*", "https://*.gov.cn/*", "[", "**"]),
                                                             value), "note": value})
dictionary_doc = st.fixed_dictionaries(
    {"dictionary": st.one_of(st.fixed_dictionaries({"version": st.one_of(st.sampled_from(["2026.1", "1"]), value)}),
                             value)},
    optional={"entry": st.lists(entry, max_size=4), "allow": st.lists(allow, max_size=3)})


@fuzz(200)
@given(dictionary_doc, hostile_text(80), st.sampled_from(["", "https://www.hunan.gov.cn/a", "[x]"]))
def test_dictionary_documents_and_scans(tmp_path_factory, doc: dict[str, Any], page: str, url: str) -> None:  # type: ignore[no-untyped-def]
    f = _write(tmp_path_factory.mktemp("dict"), "dictionary.toml", toml_document(doc))
    try:
        d = load_dictionary(f)
    except DictionaryError as exc:
        assert str(f) in str(exc)
        return
    for hit in d.scan(page, url):  # an accepted dictionary scans any page; hits point into it
        assert 0 <= hit.start < hit.end <= len(page) and page[hit.start:hit.end] == hit.matched


@fuzz(100)
@given(edits)
def test_dictionary_edits_of_the_shipped_file(tmp_path_factory, changes: list) -> None:  # type: ignore[no-untyped-def]
    f = _write(tmp_path_factory.mktemp("dict"), "dictionary.toml",
               mutate(SHIPPED_DICT.read_text(encoding="utf-8"), changes))
    try:
        load_dictionary(f)
    except DictionaryError as exc:
        assert str(f) in str(exc)
