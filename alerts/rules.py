"""Alert rules: the versioned YAML rule files, validated with file and line for every error.

A rule file looks like Prometheus' (``version: 1`` and ``groups:`` of ``rules:``); each rule has a
``kind`` — ``threshold``, ``absence``, ``ratio`` or ``finding`` — with its own keys (see
docs/alerts.md). :func:`load_rule_files` returns a :class:`RuleSet` or raises :class:`RuleFileError`
listing *every* error as ``(file, line, reason)``; a file with any error is rejected as a whole.
Reasons are Chinese: operators read them from ``python app.py rules check``.

Nothing in a file can end in anything but such an error: a file over :data:`MAX_FILE_BYTES` is refused
unread, YAML nested deeper than :data:`MAX_DEPTH` is refused while it is composed (PyYAML's composer
recurses), a byte that is not UTF-8, a value YAML cannot construct (``2026-02-30``), a number that is
not finite or a duration beyond :data:`MAX_DURATION` each name their line, and anything unforeseen
while checking a rule becomes an error at that rule's line (logged with its traceback). The work is
bounded too: YAML aliases let a 100 KB file name the same 200 rules 2,000 times over, so a file may hold
at most :data:`MAX_RULES` rules counted with their repetitions, lists and labels :data:`MAX_ITEMS`
items, and checking stops after :data:`MAX_ERRORS` errors.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from alerts import summary
from alerts.forecast import DIRECTIONS
from alerts.inhibition import InhibitRule
from alerts.matchers import MatcherError, parse_matcher_text
from alerts.rule_model import (  # the model, re-exported: callers import it from here
    COMMON_KEYS,
    DETAIL_KEY,
    FINDING_LABELS,
    KIND_KEYS,
    KINDS,
    MAX_DEPTH,
    MAX_DURATION,
    MAX_ERRORS,
    MAX_FILE_BYTES,
    MAX_FORECAST_BUCKETS,
    MAX_ITEMS,
    MAX_RULES,
    MAX_SLICES,
    MAX_SUMMARY,
    OPS,
    REGION_LABELS,
    SUPPORTED_VERSIONS,
    Rule,
    RuleFileError,
    RuleSet,
    parse_duration,
)
from core.i18n.files import TextFileError, decode_utf8, line_of
from core.logging import get_logger
from core.severity import Severity
from tsdb.store import AGGS

__all__ = ["FINDING_LABELS", "KINDS", "MAX_DEPTH", "MAX_DURATION", "MAX_FILE_BYTES", "MAX_RULES", "MAX_SLICES", "OPS",
           "REGION_LABELS", "SUPPORTED_VERSIONS", "Rule", "RuleFileError", "RuleSet", "check_rule_file",
           "expand_paths", "load_rule_files", "parse_duration"]

log = get_logger(__name__)
UNFORESEEN = "此处无法检查（程序未预料的写法，已记入日志），请对照 docs/alerts.md 的格式修改"
_SPEC_NUMBER = re.compile(r"\d+")
MAX_SPEC_NUMBER = 64  # widths and precisions in summary format specs: "{value:1000000000}" allocates 1 GB


class _Bad(Exception):
    def __init__(self, line: int, reason: str) -> None:
        self.line, self.reason = line, reason


class _Stop(Exception):
    """Checking this file stops here (too many rules or errors); the reason is already recorded."""


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, so a huge value never floods an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose (recursive) composer refuses nesting deeper than :data:`MAX_DEPTH`."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _FileChecker:
    """Walks one composed YAML document, collecting errors instead of stopping at the first."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.path, self.loader = path, loader
        self.errors: list[tuple[str, int, str]] = []
        self.inhibits: list[InhibitRule] = []
        self.seen = 0  # rules and inhibit rules checked, aliases counted each time

    def err(self, node_or_line: yaml.Node | int, reason: str) -> None:
        line = node_or_line if isinstance(node_or_line, int) else _line(node_or_line)
        self.errors.append((self.path, line, reason))
        if len(self.errors) >= MAX_ERRORS:
            self.errors.append((self.path, line, f"错误已达 {MAX_ERRORS} 处，其余内容未检查"))
            raise _Stop

    def count(self, node: yaml.Node) -> None:
        self.seen += 1
        if self.seen > MAX_RULES:
            self.errors.append((self.path, _line(node),
                                f"规则过多：一个文件最多 {MAX_RULES} 条（YAML 别名每引用一次计一次），其余内容未检查"))
            raise _Stop

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise _Bad(_line(node), f"{what}应为键值映射")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise _Bad(_line(k), f"{what}的键应为单个名称，不能是列表或映射")
            key = str(k.value)
            if key in out:
                self.err(k, f"{what}中的键 {key!r} 重复")
            out[key] = (k, v)
        return out

    def scalar(self, node: yaml.Node, what: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise _Bad(_line(node), f"{what} 应为单个值")
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception:  # e.g. 2026-02-30 looks like a date to YAML; 5000 digits exceed int()'s limit
            raise _Bad(_line(node), f"{what} 的值 {_short(node.value)} 无法解析") from None

    def string(self, node: yaml.Node, what: str) -> str:
        v = self.scalar(node, what)
        if not isinstance(v, str) or not v.strip():
            raise _Bad(_line(node), f"{what} 应为非空字符串，实际为 {_short(v)}")
        return v

    def strings(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):
            return (self.string(node, what),)
        if not isinstance(node, yaml.SequenceNode):
            raise _Bad(_line(node), f"{what} 应为字符串列表")
        if len(node.value) > MAX_ITEMS:
            raise _Bad(_line(node), f"{what} 最多 {MAX_ITEMS} 项")
        return tuple(self.string(n, what) for n in node.value)

    def number(self, node: yaml.Node, what: str, most: float = math.inf) -> float:
        """A finite number, at most ``most`` in magnitude."""
        v = self.scalar(node, what)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _Bad(_line(node), f"{what} 应为数值，实际为 {_short(v)}")
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f) or abs(f) > most:
            limit = "" if most == math.inf else f"（绝对值不超过 {most:g}）"
            raise _Bad(_line(node), f"{what} 应为有限的数值{limit}，实际为 {_short(v)}")
        return f

    def duration(self, node: yaml.Node, what: str) -> timedelta:
        v = self.scalar(node, what)
        try:
            d = parse_duration(str(v))
        except ValueError:
            raise _Bad(_line(node), f"{what} 不是有效的时长：{_short(v)}（示例：30s、3m、1h、7d）") from None
        if d > MAX_DURATION:
            raise _Bad(_line(node), f"{what} 过长：{_short(v)}（最长 {MAX_DURATION.days} 天）")
        return d

    def choice(self, node: yaml.Node, what: str, choices: Iterable[str]) -> str:
        v = self.scalar(node, what)
        allowed = tuple(choices)
        if v not in allowed:
            raise _Bad(_line(node), f"{what} 的取值 {_short(v)} 无效，应为 {'、'.join(allowed)} 之一")
        return str(v)

    def check(self, root: yaml.Node) -> list[Rule]:
        try:
            top = self.mapping(root, "规则文件顶层")
        except _Bad as b:
            self.err(b.line, b.reason)
            return []
        for key, (k, _) in top.items():
            if key not in ("version", "groups", "inhibit_rules"):
                self.err(k, f"未知的顶层键 {key!r}（应为 version、groups、inhibit_rules）")
        if "version" not in top:
            self.err(root, "缺少 version（规则文件格式版本）")
        else:
            vnode = top["version"][1]
            v = self.scalar(vnode, "version") if isinstance(vnode, yaml.ScalarNode) else None
            if v not in SUPPORTED_VERSIONS:
                self.err(vnode, f"不支持的规则文件版本 {v!r}，支持：{SUPPORTED_VERSIONS}")
        if "inhibit_rules" in top:
            self.inhibit_rules(top["inhibit_rules"][1])
        if "groups" not in top:
            if "inhibit_rules" not in top:
                self.err(root, "缺少 groups（规则组列表）")
            return []
        gnode = top["groups"][1]
        if not isinstance(gnode, yaml.SequenceNode):
            self.err(gnode, "groups 应为规则组列表")
            return []
        rules: list[Rule] = []
        for g in gnode.value:
            try:
                gmap = self.mapping(g, "规则组")
                for key, (k, _) in gmap.items():
                    if key not in ("name", "rules"):
                        self.err(k, f"规则组中未知的键 {key!r}（应为 name、rules）")
                if "name" not in gmap:
                    self.err(g, "规则组缺少 name")
                if "rules" not in gmap or not isinstance(gmap["rules"][1], yaml.SequenceNode):
                    raise _Bad(_line(g), "规则组缺少 rules 列表")
            except _Bad as b:
                self.err(b.line, b.reason)
                continue
            for rnode in gmap["rules"][1].value:
                self.count(rnode)
                try:
                    rule = self.rule(rnode)
                except _Stop:
                    raise
                except Exception:
                    self.unforeseen(rnode)
                    continue
                if rule is not None:
                    rules.append(rule)
        return rules

    def inhibit_rules(self, node: yaml.Node) -> None:
        """``inhibit_rules:`` — each ``{name, source_matchers, target_matchers, equal}``, matchers as text."""
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, "inhibit_rules 应为抑制规则列表")
            return
        for item in node.value:
            self.count(item)
            try:
                got = self.inhibit_rule(item)
            except _Bad as b:
                self.err(b.line, b.reason)
                continue
            except _Stop:
                raise
            except Exception:
                self.unforeseen(item)
                continue
            if got is not None:
                self.inhibits.append(got)

    def unforeseen(self, node: yaml.Node) -> None:
        """An error this checker did not foresee, at ``node``: reported there, the traceback logged."""
        log.warning("alerts.rule_check_unforeseen", file=self.path, line=_line(node), exc_info=True)
        self.err(node, UNFORESEEN)

    def inhibit_rule(self, node: yaml.Node) -> InhibitRule | None:
        m = self.mapping(node, "抑制规则")
        name = self.string(m["name"][1], "name") if "name" in m else None
        if name is None:
            raise _Bad(_line(node), "抑制规则缺少 name")
        if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,128}", name):
            raise _Bad(_line(m["name"][1]), f"抑制规则名 {name!r} 只能由字母、数字、_ . - 组成（最长 128）")
        n_before = len(self.errors)
        for key, (k, _) in m.items():
            if key not in ("name", "source_matchers", "target_matchers", "equal"):
                self.err(k, f"抑制规则 {name}：未知的键 {key!r}（应为 name、source_matchers、target_matchers、equal）")
        parts: dict[str, Any] = {}
        for key in ("source_matchers", "target_matchers", "equal"):
            if key not in m:
                self.err(node, f"抑制规则 {name}：缺少 {key}")
                continue
            v = m[key][1]
            try:
                items = self.strings(v, key)
                if not items:
                    raise _Bad(_line(v), f"{key} 至少需要一项")
                if key == "equal":
                    parts[key] = items
                    continue
                nodes = v.value if isinstance(v, yaml.SequenceNode) else [v]
                matchers = []
                for text, mnode in zip(items, nodes, strict=True):
                    try:
                        matchers.append(parse_matcher_text(text, where=key))
                    except MatcherError as exc:
                        raise _Bad(_line(mnode), f"{key} 中的匹配条件 {text!r} 无效：{exc.detail}") from None
                parts[key] = tuple(matchers)
            except _Bad as b:
                self.err(b.line, f"抑制规则 {name}：{b.reason}")
        if len(self.errors) > n_before:
            return None
        return InhibitRule(name, parts["source_matchers"], parts["target_matchers"], parts["equal"], self.path,
                           _line(node))

    def rule(self, node: yaml.Node) -> Rule | None:
        n_before = len(self.errors)
        try:
            m = self.mapping(node, "规则")
            name = self.string(m["name"][1], "name") if "name" in m else None
            if name is None:
                raise _Bad(_line(node), "规则缺少 name")
            if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,128}", name):
                raise _Bad(_line(m["name"][1]), f"规则名 {name!r} 只能由字母、数字、_ . - 组成（最长 128）")
            if "kind" not in m:
                raise _Bad(_line(node), f"规则 {name} 缺少 kind")
            kind = self.choice(m["kind"][1], "kind", KINDS)
        except _Bad as b:
            self.err(b.line, b.reason)
            return None
        required, optional = KIND_KEYS[kind]
        for key, (k, _) in m.items():
            if key not in COMMON_KEYS | required | optional:
                self.err(k, f"规则 {name}：{kind} 类规则不支持键 {key!r}")
        for key in sorted(required | {"severity", "summary"}):
            if key not in m:
                self.err(node, f"规则 {name}：缺少 {key}")
        kw: dict[str, Any] = {"name": name, "kind": kind, "file": self.path, "line": _line(node)}
        # detail_fields first: the summary may use them as placeholders.
        for key, (_, v) in sorted(m.items(), key=lambda kv: kv[0] != DETAIL_KEY):
            try:
                self.field(kind, key, v, kw)
            except _Bad as b:
                self.err(b.line, f"规则 {name}：{b.reason}")
        if len(self.errors) > n_before:
            return None
        self.cross_check(node, m, kw)
        if len(self.errors) > n_before:
            return None
        return Rule(**kw)

    def cross_check(self, node: yaml.Node, m: dict[str, tuple[yaml.Node, yaml.Node]], kw: dict[str, Any]) -> None:
        """Keys that only make sense together, and placeholders that need a kind's facts."""
        name = kw["name"]

        def line(key: str) -> int:
            return _line(m[key][0]) if key in m else _line(node)

        if "interval_field" in kw and "interval_of" in kw:
            self.err(line("interval_of"), f"规则 {name}：interval_field 与 interval_of 只能设置其一")
        has_source = "interval_field" in kw or "interval_of" in kw
        if "absent_intervals" in kw and not has_source:
            self.err(line("absent_intervals"),
                     f"规则 {name}：absent_intervals 需要 interval_field（同一序列的间隔字段）"
                     "或 interval_of（采集器名）")
        if has_source and "absent_intervals" not in kw:
            self.err(line("interval_field" if "interval_field" in kw else "interval_of"),
                     f"规则 {name}：设置了采集间隔来源，还需 absent_intervals（允许中断的间隔数）")
        if "min_samples_per" in kw and "min_samples" not in kw:
            self.err(line("min_samples_per"), f"规则 {name}：min_samples_per 需要 min_samples（每段至少的样本数）")
        per, window = kw.get("min_samples_per"), kw.get("window")
        if per is not None and window is not None:
            n = window / per
            if n != int(n) or n < 1:
                self.err(line("min_samples_per"), f"规则 {name}：window 应为 min_samples_per 的整数倍")
            elif n > MAX_SLICES:
                self.err(line("min_samples_per"), f"规则 {name}：window 最多分为 {MAX_SLICES} 段（现为 {int(n)} 段）")
        if kw["kind"] == "forecast":
            self.forecast_check(node, m, kw)
        used = summary.placeholders(kw.get("summary", ""))
        if "samples" in used and "min_samples" not in kw and kw["kind"] != "forecast":
            self.err(line("summary"), f"规则 {name}：占位符 samples 需要 min_samples（数据充足性要求）")
        absence_only = sorted(used & {"limit", "interval", "silence"})
        if absence_only and kw["kind"] != "absence":
            self.err(line("summary"), f"规则 {name}：占位符 {'、'.join(absence_only)} 只适用于 absence 类规则")
        forecast_only = sorted(used & {"days", "target"})
        if forecast_only and kw["kind"] != "forecast":
            self.err(line("summary"), f"规则 {name}：占位符 {'、'.join(forecast_only)} 只适用于 forecast 类规则")
        finding_only = sorted(used & {"kinds", "overdue"})
        if finding_only and kw["kind"] != "finding":
            self.err(line("summary"), f"规则 {name}：占位符 {'、'.join(finding_only)} 只适用于 finding 类规则")
        if "threshold" in used and kw["kind"] not in ("threshold", "ratio"):
            self.err(line("summary"), f"规则 {name}：占位符 threshold 只适用于 threshold 与 ratio 类规则")
        if "interval" in used and not has_source:
            self.err(line("summary"), f"规则 {name}：占位符 interval 需要 interval_field 或 interval_of")

    def forecast_check(self, node: yaml.Node, m: dict[str, tuple[yaml.Node, yaml.Node]], kw: dict[str, Any]) -> None:
        """A forecast rule: one limit, a data minimum within the window, a window of at most so many buckets."""
        name = kw["name"]

        def line(key: str) -> int:
            return _line(m[key][0]) if key in m else _line(node)

        if ("limit" in kw) == ("limit_field" in kw):
            self.err(line("limit_field" if "limit_field" in kw else "limit"),
                     f"规则 {name}：forecast 类规则需要 limit（固定上限/下限）或 limit_field"
                     "（同一序列中保存上限的字段），且只能设置其一")
        window = kw.get("window")
        if window is None:
            return
        if kw.get("min_span") is not None and kw["min_span"] > window:
            self.err(line("min_span"), f"规则 {name}：min_span 不能超过 window")
        step = kw.get("step")
        if step is not None and (step > window or window / step > MAX_FORECAST_BUCKETS):
            self.err(line("step"), f"规则 {name}：step 应不超过 window，且 window 最多分为 {MAX_FORECAST_BUCKETS} 段")

    def field(self, kind: str, key: str, v: yaml.Node, kw: dict[str, Any]) -> None:
        if key in ("name", "kind"):
            return
        if key == "severity":
            kw["severity"] = Severity(self.choice(v, key, [s.value for s in Severity]))
        elif key == "min_severity":
            kw["min_severity"] = Severity(self.choice(v, key, [s.value for s in Severity]))
        elif key == "summary":
            kw["summary"] = self.string(v, key)
            _check_summary_size(kw["summary"], _line(v))
            try:
                summary.validate(kw["summary"], details=kw.get(DETAIL_KEY, ()))
            except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
                raise _Bad(_line(v), f"summary 模板无效：{exc}") from None
        elif key == "min_samples":
            n = self.number(v, key, most=10_000_000)
            if n < 1 or n != int(n):
                raise _Bad(_line(v), f"min_samples 应为正整数，实际为 {n:g}")
            kw[key] = int(n)
        elif key == "min_samples_per":
            kw[key] = self.duration(v, key)
            if kw[key] <= timedelta(0):
                raise _Bad(_line(v), "min_samples_per 应大于 0")
        elif key == "title":
            kw["title"] = " ".join(self.string(v, key).split())
            if len(kw["title"]) > 40 or kw["title"].isascii():
                raise _Bad(_line(v), f"title 应为不超过 40 字的中文名称，实际为 {kw['title']!r}")
        elif key == DETAIL_KEY:
            names = self.strings(v, key)
            for fname in names:
                if not re.fullmatch(r"[a-z_][a-z0-9_]*", fname) or fname in summary.RESERVED:
                    raise _Bad(_line(v), f"detail_fields 的字段名 {fname!r} 无效：应为小写字母、数字和下划线，"
                                         f"且不能是 {'、'.join(summary.RESERVED)} 之一")
            if len(set(names)) != len(names):
                raise _Bad(_line(v), "detail_fields 中有重复的字段")
            kw[key] = names
        elif key in ("interval_field", "interval_of"):
            kw[key] = self.string(v, key)
        elif key == "absent_intervals":
            n = self.number(v, key, most=1000)
            if not n > 0:
                raise _Bad(_line(v), f"absent_intervals 应大于 0，实际为 {n:g}")
            kw[key] = n
        elif key == "labels":
            lm = self.mapping(v, "labels")
            if len(lm) > MAX_ITEMS:
                raise _Bad(_line(v), f"labels 最多 {MAX_ITEMS} 项")
            kw["labels"] = {k2: str(self.scalar(v2, f"labels.{k2}")) for k2, (_, v2) in lm.items()}
        elif key in ("for", "keep_firing_for", "window", "absent_for"):
            kw["for_" if key == "for" else key] = self.duration(v, key)
            if key in ("window", "absent_for") and kw[key] <= timedelta(0):
                raise _Bad(_line(v), f"{key} 应大于 0")
        elif key in ("group_by", "notify_by"):
            labels = self.strings(v, key)
            if kind == "finding" and key == "group_by":
                bad = [x for x in labels if x not in FINDING_LABELS]
                if bad:
                    raise _Bad(_line(v), f"group_by 的标签 {bad} 无效，发现类规则可用：{'、'.join(FINDING_LABELS)}")
            elif key == "group_by" and not set(labels) & set(REGION_LABELS):
                raise _Bad(_line(v), "group_by 必须包含 city 或 node（告警按地市划分查看权限）")
            kw[key] = labels
        elif key in ("measurement", "field"):
            kw[key] = self.string(v, key)
        elif key == "agg":
            kw["agg"] = self.choice(v, key, AGGS)
        elif key == "op":
            kw["op"] = self.choice(v, key, OPS)
        elif key == "value":
            kw["value"] = self.number(v, key)
        elif key in ("invert", "severity_from_findings"):
            b = self.scalar(v, key)
            if not isinstance(b, bool):
                raise _Bad(_line(v), f"{key} 应为 true 或 false，实际为 {b!r}")
            kw[key] = b
        elif key == "check":
            kw["checks"] = self.strings(v, key)
        elif key == "kinds":
            kw["kinds"] = self.strings(v, key)
        elif key in ("within", "min_span", "step"):
            kw[key] = self.duration(v, key)
            if kw[key] <= timedelta(0):
                raise _Bad(_line(v), f"{key} 应大于 0")
        elif key == "limit":
            kw[key] = self.number(v, key)
        elif key == "limit_field":
            kw[key] = self.string(v, key)
        elif key == "direction":
            kw[key] = self.choice(v, key, DIRECTIONS)
        elif key == "min_points":
            n = self.number(v, key, most=MAX_FORECAST_BUCKETS)
            if n < 2 or n != int(n):
                raise _Bad(_line(v), f"min_points 应为不小于 2 的整数（最多 {MAX_FORECAST_BUCKETS}），实际为 {n:g}")
            kw[key] = int(n)
        elif key == "deadline_within_days":
            d = self.number(v, key, most=3660)
            if d < 0 or d != int(d):
                raise _Bad(_line(v), f"deadline_within_days 应为非负整数，实际为 {d!r}")
            kw[key] = int(d)


def _check_summary_size(template: str, line: int) -> None:
    """Refuse a template that would be too long to send or whose format spec would allocate gigabytes."""
    if len(template) > MAX_SUMMARY:
        raise _Bad(line, f"summary 过长（{len(template)} 个字符，最多 {MAX_SUMMARY} 个）")
    try:
        specs = [spec for _, name, spec, _ in string.Formatter().parse(template) if name is not None and spec]
    except ValueError:
        return  # malformed: summary.validate says how
    for spec in specs:
        if any(int(n) > MAX_SPEC_NUMBER for n in _SPEC_NUMBER.findall(spec)):
            raise _Bad(line, f"summary 的格式说明 {_short(spec)} 中的宽度或精度过大（最大 {MAX_SPEC_NUMBER}）")


def check_rule_file(path: str | Path) -> tuple[list[Rule], list[tuple[str, int, str]]]:
    """Validate one file: (rules, errors). Errors are ``(file, line, reason)``; rules are empty on error."""
    rules, _, errors = _check_file(path)
    return rules, errors


def _check_file(path: str | Path) -> tuple[list[Rule], list[InhibitRule], list[tuple[str, int, str]]]:
    p = str(path)
    try:
        with Path(path).open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return [], [], [(p, 0, "无法读取规则文件：文件不存在")]
    except OSError as exc:
        return [], [], [(p, 0, f"无法读取规则文件：{exc.strerror or exc}")]
    if len(raw) > MAX_FILE_BYTES:
        return [], [], [(p, 0, f"规则文件过大（超过 {MAX_FILE_BYTES // 1024} KB 的上限），未读取")]
    try:
        text = decode_utf8(raw, p)
    except TextFileError as exc:
        return [], [], [(p, exc.line, exc.reason)]
    try:
        loader = _BoundedLoader(text)  # checks every character first
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, e.g. NUL
        return [], [], [(p, line_of(text, exc.position), f"YAML 不允许的控制字符 U+{exc.character:04X}")]
    try:
        root = loader.get_single_node()
        if root is None:
            return [], [], [(p, 1, "规则文件为空")]
        checker = _FileChecker(p, loader)
        try:
            rules = checker.check(root)
        except _Stop:
            rules = []
    except _TooDeep as exc:
        return [], [], [(p, exc.line, f"嵌套超过 {MAX_DEPTH} 层，规则文件未载入")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return [], [], [(p, mark.line + 1 if mark else 0, f"YAML 语法错误：{exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return [], [], [(p, 0, f"YAML 错误：{exc}")]
    except Exception:  # anything unforeseen: the file is rejected, never the service
        log.warning("alerts.rule_file_unforeseen", file=p, exc_info=True)
        return [], [], [(p, 0, UNFORESEEN)]
    finally:
        loader.dispose()
    errors = sorted(checker.errors, key=lambda e: e[1])
    return ([] if errors else rules), ([] if errors else checker.inhibits), errors


def load_rule_files(paths: Sequence[str | Path]) -> RuleSet:
    """Every rule and inhibit rule of ``paths`` (files; a directory stands for its ``*.yaml`` files, sorted).

    Raises :class:`RuleFileError` listing every error when any file has one, including a rule or inhibit
    rule name used twice across the files; nothing is returned half-loaded.
    """
    files = expand_paths(paths)
    rules: list[Rule] = []
    inhibits: list[InhibitRule] = []
    errors: list[tuple[str, int, str]] = []
    seen: dict[str, Rule] = {}
    seen_inhibit: dict[str, InhibitRule] = {}
    for f in files:
        got, got_inhibits, errs = _check_file(f)
        errors.extend(errs)
        for r in got:
            if r.name in seen:
                first = seen[r.name]
                errors.append((r.file, r.line, f"规则名 {r.name} 重复（已在 {first.file}:{first.line} 定义）"))
            else:
                seen[r.name] = r
                rules.append(r)
        for ir in got_inhibits:
            if ir.name in seen_inhibit:
                first_ir = seen_inhibit[ir.name]
                errors.append((ir.file, ir.line,
                               f"抑制规则名 {ir.name} 重复（已在 {first_ir.file}:{first_ir.line} 定义）"))
            else:
                seen_inhibit[ir.name] = ir
                inhibits.append(ir)
    if errors:
        raise RuleFileError(errors)
    return RuleSet(tuple(rules), tuple(str(f) for f in files), tuple(inhibits))


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p])
    return out
