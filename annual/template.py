"""The report template (data/report/annual_report.toml): sections and fields, loaded all or nothing.

:func:`load_template` returns a :class:`Template` or raises :class:`TemplateError` whose Chinese message
names the file, the line and the key; :func:`parse_value` turns what a person typed into a field's value
(or raises ValueError with a Chinese message). Pure apart from reading the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

from core.i18n import annual as T

DEFAULT_PATH: Final = Path(__file__).resolve().parent.parent / "data" / "report" / "annual_report.toml"
TYPES: Final = ("text", "int", "bool", "date", "choice", "multi")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_FIELD_ATTRS: Final = {"key", "label", "section", "type", "unit", "source", "choices"}
_PLATFORMS: Final = ("wechat", "weibo", "douyin", "toutiao", "kuaishou", "app", "other")
_COLUMN_KINDS: Final = ("news", "notice", "policy", "personnel", "planning", "consultation", "other", "service",
                        "service_stats", "message_replies", "interpretation", "data_release")
# The value type each automatic source gives: a field of another type cannot take it.
_SOURCE_TYPE: Final = {"registry.name": "text", "registry.url": "text", "registry.organizer": "text",
                       "registry.level": "choice", "registry.code": "text", "identity.icp": "text",
                       "identity.psb": "text", "traffic.pv": "int", "traffic.uv": "int",
                       "messages.received": "int", "messages.answered": "int", "messages.avg_days": "int"}


class TemplateError(ValueError):
    """A template that cannot be used; the message is Chinese and names file, line and key."""


@dataclass(frozen=True)
class Source:
    """Where a field's value comes from: ``kind`` (registry, identity, traffic, columns, messages, findings,
    newmedia, sum, manual), ``name`` (the attribute or statistic) and ``args`` (kinds, checks, platform,
    field keys)."""

    kind: str
    name: str = ""
    args: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        head = self.kind + (f".{self.name}" if self.name else "")
        return head + (":" + ",".join(self.args) if self.args else "")


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    section: str
    type: str
    source: Source
    unit: str = ""
    choices: tuple[str, ...] = ()

    @property
    def manual_only(self) -> bool:
        return self.source.kind == "manual"


@dataclass(frozen=True)
class Section:
    key: str
    label: str


@dataclass(frozen=True)
class Template:
    version: str
    title: str
    provisional: bool
    sections: tuple[Section, ...]
    fields: tuple[Field, ...]

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    def in_section(self, key: str) -> list[Field]:
        return [f for f in self.fields if f.section == key]

    @property
    def sources(self) -> list[Source]:
        """The distinct automatic sources the fields name (what the gatherers must fetch)."""
        return list(dict.fromkeys(f.source for f in self.fields if f.source.kind not in ("manual", "sum")))


def parse_source(text: str) -> Source | None:
    """``registry.name``, ``columns:news,policy``, ``findings.found:defacement`` … as a Source; None when
    the text is not one the gatherers know."""
    head, _, tail = text.partition(":")
    args = tuple(a.strip() for a in tail.split(",")) if tail else ()
    kind, _, name = head.partition(".")
    if text == "manual":
        return Source("manual")
    if head in _SOURCE_TYPE and not args:
        return Source(kind, name)
    if head == "columns" and args and all(a in _COLUMN_KINDS for a in args):
        return Source("columns", "", args)
    if head in ("findings.found", "findings.fixed") and args and all(_KEY.match(a) for a in args):
        return Source(kind, name, args)
    if head in ("newmedia.names", "newmedia.followers") and len(args) == 1 and args[0] in _PLATFORMS:
        return Source(kind, name, args)
    if head == "sum" and args and all(_KEY.match(a) for a in args):
        return Source("sum", "", args)
    return None


def source_type(src: Source) -> str:
    """The value type an automatic source gives."""
    if src.kind in ("columns", "findings", "sum") or src.text.startswith("newmedia.followers"):
        return "int"
    if src.text.startswith("newmedia.names"):
        return "text"
    return _SOURCE_TYPE[f"{src.kind}.{src.name}"]


def _lines_of(text: str, header: str) -> list[int]:
    pat = re.compile(rf"^[ \t]*\[\[[ \t]*{header}[ \t]*\]\]", re.M)
    return [text.count("\n", 0, m.start()) + 1 for m in pat.finditer(text)]


def load_template(path: Path = DEFAULT_PATH) -> Template:
    """The template in ``path``; TemplateError (Chinese, naming file, line and key) for anything wrong."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(T.T_TOP.format(file=name, problem=exc.strerror or str(exc))) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise TemplateError(T.T_SYNTAX.format(file=name, line=m.group(1) if m else "?", error=exc)) from None
    return build_template(data, text, name)


def build_template(data: dict[str, Any], text: str, name: str) -> Template:
    """The template from parsed TOML ``data`` (``text`` locates lines for errors)."""
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise TemplateError(T.T_TOP.format(file=name, problem=T.P_VERSION))
    raw_sections, raw_fields = data.get("section") or [], data.get("field") or []
    if not isinstance(raw_sections, list) or not raw_sections:
        raise TemplateError(T.T_TOP.format(file=name, problem=T.P_NO_SECTIONS))
    s_lines, f_lines = _lines_of(text, "section"), _lines_of(text, "field")
    sections: list[Section] = []
    for i, raw in enumerate(raw_sections):
        line = s_lines[i] if i < len(s_lines) else "?"
        key = raw.get("key") if isinstance(raw, dict) else None

        def bad(problem: str, key: Any = key, line: Any = line) -> TemplateError:
            return TemplateError(T.T_SECTION.format(file=name, line=line, key=key or "?", problem=problem))

        if not isinstance(key, str) or not _KEY.match(key):
            raise bad(T.P_BAD_KEY)
        if any(s.key == key for s in sections):
            raise bad(T.P_DUP)
        label = raw.get("label")
        if not isinstance(label, str) or not label.strip():
            raise bad(T.P_NOT_TEXT.format(attr="label"))
        sections.append(Section(key, label.strip()))
    if not isinstance(raw_fields, list) or not raw_fields:
        raise TemplateError(T.T_TOP.format(file=name, problem=T.P_NO_FIELDS))
    fields: list[Field] = []
    for i, raw in enumerate(raw_fields):
        fields.append(_field(raw, f_lines[i] if i < len(f_lines) else "?", name, sections, fields))
    by_key = {f.key: f for f in fields}
    for i, f in enumerate(fields):
        if f.source.kind == "sum":
            for ref in f.source.args:
                if ref not in by_key or by_key[ref].type != "int" or by_key[ref].source.kind == "sum":
                    raise TemplateError(T.T_FIELD.format(file=name, line=f_lines[i], key=f.key,
                                                         problem=T.P_SUM_REF.format(ref=ref)))
    return Template(version.strip(), str(data.get("title") or "政府网站工作年度报表"),
                    bool(data.get("provisional", False)), tuple(sections), tuple(fields))


def _field(raw: Any, line: Any, name: str, sections: list[Section], before: list[Field]) -> Field:
    key = raw.get("key") if isinstance(raw, dict) else None

    def bad(problem: str) -> TemplateError:
        return TemplateError(T.T_FIELD.format(file=name, line=line, key=key or "?", problem=problem))

    if not isinstance(key, str) or not _KEY.match(key):
        raise bad(T.P_BAD_KEY)
    assert isinstance(raw, dict)
    unknown = sorted(set(raw) - _FIELD_ATTRS)
    if unknown:
        raise bad(T.P_UNKNOWN_ATTR.format(attrs="、".join(unknown)))
    if any(f.key == key for f in before):
        raise bad(T.P_DUP)
    for attr in ("label", "section", "type", "source"):
        v = raw.get(attr)
        if v is None:
            raise bad(T.P_MISSING.format(attr=attr))
        if not isinstance(v, str) or not v.strip():
            raise bad(T.P_NOT_TEXT.format(attr=attr))
    ftype = raw["type"]
    if ftype not in TYPES:
        raise bad(T.P_BAD_TYPE.format(allowed=" | ".join(TYPES), got=ftype))
    if raw["section"] not in {s.key for s in sections}:
        raise bad(T.P_BAD_SECTION.format(got=raw["section"]))
    choices = raw.get("choices")
    if ftype in ("choice", "multi"):
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c for c in choices):
            raise bad(T.P_CHOICES)
    elif choices is not None:
        raise bad(T.P_CHOICES_UNUSED)
    src = parse_source(raw["source"].strip())
    if src is None:
        raise bad(T.P_BAD_SOURCE.format(got=raw["source"]))
    if src.kind != "manual":
        want = source_type(src)
        if want != ftype:
            raise bad(T.P_SOURCE_TYPE.format(got=src.text, want=want, type=ftype))
    unit = raw.get("unit", "")
    if not isinstance(unit, str):
        raise bad(T.P_NOT_TEXT.format(attr="unit"))
    return Field(key, raw["label"].strip(), raw["section"], ftype, src, unit, tuple(choices or ()))


def parse_value(f: Field, text: str) -> Any:
    """What a person typed for ``f`` as the field's value (int, bool, ISO date text, list for multi …);
    ValueError with a Chinese message naming the field when it does not fit the type."""
    t = text.strip()
    fmt = {"label": f.label, "key": f.key, "value": text}
    if f.type == "int":
        if not re.fullmatch(r"[0-9]{1,15}", t):
            raise ValueError(T.V_INT.format(**fmt))
        return int(t)
    if f.type == "bool":
        if t.lower() in T.TRUE_WORDS:
            return True
        if t.lower() in T.FALSE_WORDS:
            return False
        raise ValueError(T.V_BOOL.format(**fmt))
    if f.type == "date":
        try:
            return date.fromisoformat(t).isoformat()
        except ValueError:
            raise ValueError(T.V_DATE.format(**fmt)) from None
    if f.type == "choice":
        if t not in f.choices:
            raise ValueError(T.V_CHOICE.format(choices="、".join(f.choices), **fmt))
        return t
    if f.type == "multi":
        picked = [p.strip() for p in re.split(r"[,，、]", t) if p.strip()]
        if not picked or any(p not in f.choices for p in picked):
            raise ValueError(T.V_CHOICE.format(choices="、".join(f.choices), **fmt))
        return list(dict.fromkeys(picked))
    if not t:
        raise ValueError(T.V_TEXT.format(**fmt))
    return t
