"""Alert rules: the versioned YAML rule files, validated with file and line for every error.

A rule file looks like Prometheus' (``version: 1`` and ``groups:`` of ``rules:``); each rule has a
``kind`` — ``threshold``, ``absence``, ``ratio`` or ``finding`` — with its own keys (see
docs/alerts.md). :func:`load_rule_files` returns a :class:`RuleSet` or raises :class:`RuleFileError`
listing *every* error as ``(file, line, reason)``; a file with any error is rejected as a whole.
Reasons are Chinese: operators read them from ``python app.py rules check``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from inspection.base import Severity
from tsdb.store import AGGS

SUPPORTED_VERSIONS = (1,)
KINDS = ("threshold", "absence", "ratio", "finding")
OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
}
# Labels that carry the region: an instance's city (its scope) is read or derived from one of them.
REGION_LABELS = ("city", "node")
FINDING_LABELS = ("site", "node", "city", "check", "kind", "location")

_COMMON = {"name", "kind", "severity", "labels", "summary", "for", "keep_firing_for", "notify_by"}
_KIND_KEYS: dict[str, tuple[set[str], set[str]]] = {  # kind -> (required, optional)
    "threshold": ({"measurement", "field", "window", "op", "value", "group_by"}, {"agg"}),
    "absence": ({"measurement", "field", "absent_for", "group_by"}, set()),
    "ratio": ({"measurement", "field", "window", "op", "value", "group_by"}, {"invert"}),
    "finding": ({"check"}, {"kinds", "min_severity", "deadline_within_days", "group_by"}),
}
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


@dataclass(frozen=True)
class Rule:
    """One validated rule. Durations are timedeltas; ``group_by`` are the labels of its instances."""

    name: str
    kind: str
    severity: Severity
    summary: str
    file: str
    line: int
    labels: Mapping[str, str] = field(default_factory=dict)
    for_: timedelta = timedelta(0)
    keep_firing_for: timedelta = timedelta(0)
    notify_by: tuple[str, ...] = ("city",)  # Alert.group_key: one notification group per rule and these labels
    group_by: tuple[str, ...] = ()
    measurement: str = ""
    field: str = ""
    agg: str = "avg"
    window: timedelta = timedelta(0)
    op: str = ">"
    value: float = 0.0
    invert: bool = False  # ratio: 1 - avg(field), e.g. the failure ratio of ``up``
    absent_for: timedelta = timedelta(0)
    checks: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_severity: Severity | None = None
    deadline_within_days: int | None = None

    def compare(self, v: float) -> bool:
        return OPS[self.op](v, self.value)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    files: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.rules)

    def by_name(self) -> dict[str, Rule]:
        return {r.name: r for r in self.rules}


class RuleFileError(ValueError):
    """Rule files with errors; ``errors`` lists ``(file, line, reason)`` in file order."""

    def __init__(self, errors: list[tuple[str, int, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{f}:{n}: {r}" for f, n, r in errors))


def parse_duration(text: str) -> timedelta:
    """``"90s"``, ``"3m"``, ``"1h30m"``, ``"7d"``, or ``"0"``; raises ValueError otherwise."""
    s = str(text).strip()
    if s == "0":
        return timedelta(0)
    m = _DURATION.match(s)
    if not s or m is None or not any(m.groups()):
        raise ValueError(s)
    d, h, mi, se = (int(g) if g else 0 for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mi, seconds=se)


class _Bad(Exception):
    def __init__(self, line: int, reason: str) -> None:
        self.line, self.reason = line, reason


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _FileChecker:
    """Walks one composed YAML document, collecting errors instead of stopping at the first."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.path, self.loader = path, loader
        self.errors: list[tuple[str, int, str]] = []

    def err(self, node_or_line: yaml.Node | int, reason: str) -> None:
        line = node_or_line if isinstance(node_or_line, int) else _line(node_or_line)
        self.errors.append((self.path, line, reason))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise _Bad(_line(node), f"{what}应为键值映射")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, v in node.value:
            key = str(k.value)
            if key in out:
                self.err(k, f"{what}中的键 {key!r} 重复")
            out[key] = (k, v)
        return out

    def scalar(self, node: yaml.Node, what: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise _Bad(_line(node), f"{what} 应为单个值")
        return self.loader.construct_object(node, deep=True)

    def string(self, node: yaml.Node, what: str) -> str:
        v = self.scalar(node, what)
        if not isinstance(v, str) or not v.strip():
            raise _Bad(_line(node), f"{what} 应为非空字符串，实际为 {v!r}")
        return v

    def strings(self, node: yaml.Node, what: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode):
            return (self.string(node, what),)
        if not isinstance(node, yaml.SequenceNode):
            raise _Bad(_line(node), f"{what} 应为字符串列表")
        return tuple(self.string(n, what) for n in node.value)

    def number(self, node: yaml.Node, what: str) -> float:
        v = self.scalar(node, what)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _Bad(_line(node), f"{what} 应为数值，实际为 {v!r}")
        return float(v)

    def duration(self, node: yaml.Node, what: str) -> timedelta:
        v = self.scalar(node, what)
        try:
            return parse_duration(str(v))
        except ValueError:
            raise _Bad(_line(node), f"{what} 不是有效的时长：{v!r}（示例：30s、3m、1h、7d）") from None

    def choice(self, node: yaml.Node, what: str, choices: Iterable[str]) -> str:
        v = self.scalar(node, what)
        allowed = tuple(choices)
        if v not in allowed:
            raise _Bad(_line(node), f"{what} 的取值 {v!r} 无效，应为 {'、'.join(allowed)} 之一")
        return str(v)

    def check(self, root: yaml.Node) -> list[Rule]:
        try:
            top = self.mapping(root, "规则文件顶层")
        except _Bad as b:
            self.err(b.line, b.reason)
            return []
        for key, (k, _) in top.items():
            if key not in ("version", "groups"):
                self.err(k, f"未知的顶层键 {key!r}（应为 version、groups）")
        if "version" not in top:
            self.err(root, "缺少 version（规则文件格式版本）")
        else:
            vnode = top["version"][1]
            v = self.scalar(vnode, "version") if isinstance(vnode, yaml.ScalarNode) else None
            if v not in SUPPORTED_VERSIONS:
                self.err(vnode, f"不支持的规则文件版本 {v!r}，支持：{SUPPORTED_VERSIONS}")
        if "groups" not in top:
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
                rule = self.rule(rnode)
                if rule is not None:
                    rules.append(rule)
        return rules

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
        required, optional = _KIND_KEYS[kind]
        for key, (k, _) in m.items():
            if key not in _COMMON | required | optional:
                self.err(k, f"规则 {name}：{kind} 类规则不支持键 {key!r}")
        for key in sorted(required | {"severity", "summary"}):
            if key not in m:
                self.err(node, f"规则 {name}：缺少 {key}")
        kw: dict[str, Any] = {"name": name, "kind": kind, "file": self.path, "line": _line(node)}
        for key, (_, v) in m.items():
            try:
                self.field(kind, key, v, kw)
            except _Bad as b:
                self.err(b.line, f"规则 {name}：{b.reason}")
        if len(self.errors) > n_before:
            return None
        return Rule(**kw)

    def field(self, kind: str, key: str, v: yaml.Node, kw: dict[str, Any]) -> None:
        if key in ("name", "kind"):
            return
        if key == "severity":
            kw["severity"] = Severity(self.choice(v, key, [s.value for s in Severity]))
        elif key == "min_severity":
            kw["min_severity"] = Severity(self.choice(v, key, [s.value for s in Severity]))
        elif key == "summary":
            kw["summary"] = self.string(v, key)
            try:
                render_summary(kw["summary"], {}, 0.0)
            except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
                raise _Bad(_line(v), f"summary 模板无效（可用 {{labels[名称]}} 和 {{value}}）：{exc}") from None
        elif key == "labels":
            lm = self.mapping(v, "labels")
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
        elif key == "invert":
            b = self.scalar(v, key)
            if not isinstance(b, bool):
                raise _Bad(_line(v), f"invert 应为 true 或 false，实际为 {b!r}")
            kw["invert"] = b
        elif key == "check":
            kw["checks"] = self.strings(v, key)
        elif key == "kinds":
            kw["kinds"] = self.strings(v, key)
        elif key == "deadline_within_days":
            d = self.number(v, key)
            if d < 0 or d != int(d):
                raise _Bad(_line(v), f"deadline_within_days 应为非负整数，实际为 {d!r}")
            kw[key] = int(d)


class _Labels(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "-"


def render_summary(template: str, labels: Mapping[str, str], value: float | None) -> str:
    """The Chinese summary of one instance; a label the instance lacks renders as ``-``."""
    return template.format_map({"labels": _Labels(labels), "value": value if value is not None else float("nan")})


def check_rule_file(path: str | Path) -> tuple[list[Rule], list[tuple[str, int, str]]]:
    """Validate one file: (rules, errors). Errors are ``(file, line, reason)``; rules are empty on error."""
    p = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [(p, 0, f"无法读取规则文件：{exc}")]
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return [], [(p, 1, "规则文件为空")]
        checker = _FileChecker(p, loader)
        rules = checker.check(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return [], [(p, mark.line + 1 if mark else 0, f"YAML 语法错误：{exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return [], [(p, 0, f"YAML 错误：{exc}")]
    finally:
        loader.dispose()
    errors = sorted(checker.errors, key=lambda e: e[1])
    return ([] if errors else rules), errors


def load_rule_files(paths: Sequence[str | Path]) -> RuleSet:
    """Every rule of ``paths`` (files; a directory stands for its ``*.yaml`` files, sorted).

    Raises :class:`RuleFileError` listing every error when any file has one, including a rule name
    used twice across the files; nothing is returned half-loaded.
    """
    files = expand_paths(paths)
    rules: list[Rule] = []
    errors: list[tuple[str, int, str]] = []
    seen: dict[str, Rule] = {}
    for f in files:
        got, errs = check_rule_file(f)
        errors.extend(errs)
        for r in got:
            if r.name in seen:
                first = seen[r.name]
                errors.append((r.file, r.line, f"规则名 {r.name} 重复（已在 {first.file}:{first.line} 定义）"))
            else:
                seen[r.name] = r
                rules.append(r)
    if errors:
        raise RuleFileError(errors)
    return RuleSet(tuple(rules), tuple(str(f) for f in files))


def expand_paths(paths: Sequence[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p])
    return out
