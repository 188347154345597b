"""The lexicon of canonical terms (data/inspection/lexicon/): reading, validation and the near-miss matcher.

:func:`load_lexicon` reads ``lexicon.toml`` and the files it names — term files (``[[term]]`` with their
``[source]``), the divisions table (every division becomes a term with its short forms, so another
province's table works unchanged), look-alike groups and names known to be right — and raises
:class:`LexiconError` with a Chinese message naming the file, the entry and the key.
:func:`load_matcher` builds (and caches per file state) the :class:`~inspection.nearmiss.NearMissMatcher`.
Common words come from the word list of the pinned ``jieba`` package (``jieba/dict.txt``), read as data.
"""

from __future__ import annotations

import csv
import hashlib
import re
import tomllib
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from inspection.dictionary import SEVERITIES, AllowRule, normalise
from inspection.nearmiss import CLASS_KIND, NearMissMatcher, Term, is_han, lookalike_table

DEFAULT_DIR = "data/inspection/lexicon"
INDEX = "lexicon.toml"
CLASSES = tuple(CLASS_KIND)
DEFAULT_SEVERITY = {"country": "critical", "party": "critical", "state_organ": "critical", "local_organ": "high",
                    "division": "high", "formulation": "critical"}
_TERM_KEYS = {"text", "class", "short", "near_miss", "note"}
# The 55 minority nationalities (autonomous divisions carry them in their names: 湘西土家族苗族自治州).
_ETHNIC_NAMES = ("蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
                 "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 "
                 "乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺")
_ETHNIC = tuple(_ETHNIC_NAMES.split(" "))
_ETHNIC_RE = "|".join(sorted(_ETHNIC, key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"^(.+?)(?:(?:{_ETHNIC_RE})族)+自治([州县旗])$")


class LexiconError(ValueError):
    """A lexicon file is invalid; the message (Chinese) names the file, the entry and the key."""


@dataclass(frozen=True)
class Lexicon:
    """Everything the matcher reads, validated; ``version`` is the declared version + a digest of the inputs."""

    version: str
    terms: tuple[Term, ...]
    known: frozenset[str]
    lookalikes: Mapping[str, frozenset[str]]
    allow: tuple[AllowRule, ...]
    sources: tuple[str, ...]  # each term file's [source] title
    folder: str


def division_forms(name: str, level: str) -> tuple[str, list[str]]:
    """(canonical name, short forms) of a division: 长沙市 → 长沙; 湘西土家族苗族自治州 → 湘西州, 湘西."""
    m = _AUTONOMOUS.match(name)
    if m:
        base, suffix = m.group(1), m.group(2)
        return name, [base + suffix, base]
    if level in ("province", "city", "county") and len(name) >= 3 and name[-1] in "省市县区":
        return name, [name[:-1]]
    return name, []


def _fail(where: str, message: str) -> LexiconError:
    return LexiconError(f"{where}：{message}")


def _toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise LexiconError(f"规范词表文件 {path} 不存在")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise LexiconError(f"规范词表文件 {path}：不是 UTF-8 编码") from None
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"规范词表文件 {path}：TOML 格式错误：{exc}") from None


def _text(where: str, raw: Mapping[str, Any], key: str, *, required: bool) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise _fail(where, f"键“{key}”应为文本，实际为 {value!r}")
    if required and not value.strip():
        raise _fail(where, f"键“{key}”缺失或为空")
    return value.strip()


def _names(where: str, raw: Mapping[str, Any], key: str) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"键“{key}”应为非空文本的列表，实际为 {value!r}")
    return [v.strip() for v in value]


def _canonical(where: str, key: str, text: str) -> str:
    norm = normalise(text)[0]
    if not norm or not all(is_han(c) or c.isalnum() for c in norm):
        raise _fail(where, f"键“{key}”应为汉字（可含字母数字），实际为 {text!r}")
    return norm


def parse_terms(doc: Mapping[str, Any], where: str,
                severity: Mapping[str, str]) -> tuple[str, list[tuple[Term, list[str]]]]:
    """(source title, [(term, short forms)]) of one parsed term file; ``where`` names it in errors."""
    extra = sorted(set(doc) - {"source", "term"})
    if extra:
        raise _fail(where, f"未知的顶层键“{extra[0]}”，应为 [source] 与 [[term]]")
    source = doc.get("source")
    if not isinstance(source, dict):
        raise _fail(where, "缺少 [source] 表（须注明词条来源 title）")
    title = _text(f"{where} [source]", source, "title", required=True)
    raw_terms = doc.get("term", [])
    if not isinstance(raw_terms, list) or not raw_terms:
        raise _fail(where, "缺少 [[term]] 词条")
    out: list[tuple[Term, list[str]]] = []
    for i, raw in enumerate(raw_terms, 1):
        at = f"{where} 第 {i} 个词条"
        if not isinstance(raw, dict):
            raise _fail(at, "应为表")
        unknown = sorted(set(raw) - _TERM_KEYS)
        if unknown:
            raise _fail(at, f"未知的键“{unknown[0]}”，可用的键：{'、'.join(sorted(_TERM_KEYS))}")
        text = _text(at, raw, "text", required=True)
        at = f"{at}（{text}）"
        cls = _text(at, raw, "class", required=True)
        if cls not in CLASS_KIND:
            raise _fail(at, f"键“class”应为 {'、'.join(CLASSES)} 之一，实际为 {cls!r}")
        near = raw.get("near_miss", True)
        if not isinstance(near, bool):
            raise _fail(at, f"键“near_miss”应为 true 或 false，实际为 {near!r}")
        short = [_canonical(at, "short", s) for s in _names(at, raw, "short")]
        _text(at, raw, "note", required=False)
        out.append((Term(_canonical(at, "text", text), cls, severity[cls], where, near), short))
    return title, out


def _severity(where: str, raw: Any) -> dict[str, str]:
    if raw is None:
        return dict(DEFAULT_SEVERITY)
    if not isinstance(raw, dict):
        raise _fail(where, "[severity] 应为表")
    unknown = sorted(set(raw) - set(CLASSES))
    if unknown:
        raise _fail(where, f"[severity] 未知的词条类别“{unknown[0]}”，应为 {'、'.join(CLASSES)}")
    out = dict(DEFAULT_SEVERITY)
    for cls, value in raw.items():
        if value not in SEVERITIES:
            raise _fail(where, f"[severity] 键“{cls}”应为 {'、'.join(SEVERITIES)} 之一，实际为 {value!r}")
        out[cls] = value
    return out


def _allow(where: str, raw: Any) -> list[AllowRule]:
    if not isinstance(raw, list):
        raise _fail(where, "键“allow”应为 [[allow]] 表")
    out = []
    for i, item in enumerate(raw, 1):
        at = f"{where} 第 {i} 条 [[allow]]"
        if not isinstance(item, dict):
            raise _fail(at, "应为表")
        unknown = sorted(set(item) - {"phrase", "url", "note"})
        if unknown:
            raise _fail(at, f"未知的键“{unknown[0]}”")
        out.append(AllowRule(_text(at, item, "phrase", required=True), _text(at, item, "url", required=False),
                             _text(at, item, "note", required=False)))
    return out


def _groups(path: Path) -> list[list[str]]:
    """Look-alike groups: one a line, characters separated by spaces; ``#`` starts a comment."""
    groups = []
    for n, line in enumerate(_lines(path), 1):
        chars = line.split()
        if len(chars) < 2 or not all(len(c) == 1 and is_han(c) for c in chars):
            raise LexiconError(f"形近字表 {path} 第 {n} 组：应为两个以上以空格分隔的汉字，实际为 {line!r}")
        groups.append(chars)
    return groups


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise LexiconError(f"规范词表文件 {path} 不存在")
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()
            and not ln.lstrip().startswith("#")]


def _divisions(path: Path) -> list[tuple[str, str]]:
    """(name, level) of each row of a divisions table (code,name,level,parent_code)."""
    if not path.is_file():
        raise LexiconError(f"行政区划表 {path} 不存在")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not {"name", "level"} <= set(reader.fieldnames or ()):
            raise LexiconError(f"行政区划表 {path}：表头须包含 name 与 level，实际为 {reader.fieldnames}")
        rows = [(str(r["name"] or "").strip(), str(r["level"] or "").strip()) for r in reader]
    for line, (name, _level) in enumerate(rows, 2):
        if not name:
            raise LexiconError(f"行政区划表 {path} 第 {line} 行：名称为空")
    return rows


def _files(where: str, head: Mapping[str, Any], key: str, folder: Path) -> list[Path]:
    return [folder / name for name in _names(where, head, key)]


def load_lexicon(folder: Path, root: Path) -> Lexicon:
    """Read and validate the lexicon in ``folder`` (``divisions`` resolves against ``root``).

    Raises :class:`LexiconError` naming the file, the entry and the key; nothing is half-loaded.
    """
    index = folder / INDEX
    doc = _toml(index)
    where = f"规范词表 {index}"
    extra = sorted(set(doc) - {"lexicon", "severity", "allow"})
    if extra:
        raise _fail(where, f"未知的顶层键“{extra[0]}”，应为 [lexicon]、[severity]、[[allow]]")
    head = doc.get("lexicon")
    if not isinstance(head, dict):
        raise _fail(where, "缺少 [lexicon] 表（须含 version）")
    unknown = sorted(set(head) - {"version", "description", "terms", "divisions", "confusables", "known_names"})
    if unknown:
        raise _fail(where, f"[lexicon] 未知的键“{unknown[0]}”")
    version = _text(f"{where} [lexicon]", head, "version", required=True)
    severity = _severity(where, doc.get("severity"))
    digest = hashlib.sha256(index.read_bytes())
    terms: list[Term] = []
    known: set[str] = set()
    origin: dict[str, str] = {}
    sources: list[str] = []
    shorts: list[Term] = []

    def add(term: Term, short: Iterable[str]) -> None:
        if term.text in origin:
            raise LexiconError(f"{term.source}：词条“{term.text}”与 {origin[term.text]} 中的词条重复")
        origin[term.text] = term.source
        terms.append(term)
        for form in short:  # short forms are canonical too; long ones are matched like their term
            if form not in known and form not in origin:
                known.add(form)
                shorts.append(Term(form, term.cls, term.severity, term.source, term.near_miss))

    for path in _files(f"{where} [lexicon]", head, "terms", folder):
        title, parsed = parse_terms(_toml(path), f"规范词表 {path}", severity)
        digest.update(path.read_bytes())
        sources.append(title)
        for term, short in parsed:
            add(term, short)
    if head.get("divisions"):
        table = root / _text(f"{where} [lexicon]", head, "divisions", required=True)
        digest.update(table.read_bytes() if table.is_file() else b"")
        for name, level in _divisions(table):
            text, short = division_forms(name, level)
            add(Term(text, "division", severity["division"], f"行政区划表 {table}"), short)
    groups: list[list[str]] = []
    for path in _files(f"{where} [lexicon]", head, "confusables", folder):
        groups += _groups(path)
        digest.update(path.read_bytes())
    for path in _files(f"{where} [lexicon]", head, "known_names", folder):
        known.update(normalise(n)[0] for n in _lines(path))
        digest.update(path.read_bytes())
    allow = _allow(where, doc.get("allow", []))
    for dist in ("jieba", "pypinyin"):
        digest.update(f"{dist}={metadata.version(dist)}".encode())
    terms += [t for t in shorts if t.text not in origin]
    return Lexicon(f"{version}+{digest.hexdigest()[:8]}", tuple(terms), frozenset(known), lookalike_table(groups),
                   tuple(allow), tuple(sources), str(folder))


class WordList:
    """A large word list kept as one sorted string with offsets; membership by binary search.

    About 4 MB for jieba's 340,000 words where a set of them takes over 40 MB: the guards look words up
    only around candidate near misses, so a few microseconds a lookup do not matter."""

    def __init__(self, words: Iterable[str] | Mapping[str, int]) -> None:
        counts = dict(words) if isinstance(words, Mapping) else dict.fromkeys(words, 0)
        ordered = sorted(counts)
        self._blob = "".join(ordered)
        self._offsets = array("I", [0])
        for w in ordered:
            self._offsets.append(self._offsets[-1] + len(w))
        self._freq = array("I", (min(counts[w], 2**32 - 1) for w in ordered))
        self._n = len(ordered)

    def __len__(self) -> int:
        return self._n

    def freq(self, word: str) -> int:
        """The word's frequency in the source list (0 when absent)."""
        i = self._index(word)
        return self._freq[i] if i >= 0 else 0

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._index(word) >= 0

    def _index(self, word: str) -> int:
        blob, offsets = self._blob, self._offsets
        lo, hi = 0, self._n
        while lo < hi:
            mid = (lo + hi) // 2
            here = blob[offsets[mid]:offsets[mid + 1]]
            if here < word:
                lo = mid + 1
            elif here > word:
                hi = mid
            else:
                return mid
        return -1


@lru_cache(maxsize=1)
def common_words() -> tuple[WordList, dict[str, int]]:
    """(words of two or more characters, single-character frequencies) of jieba's word list (dict.txt)."""
    words: dict[str, int] = {}
    chars: dict[str, int] = {}
    with (resources.files("jieba") / "dict.txt").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ", 2)
            if len(parts) < 2:
                continue
            if len(parts[0]) == 1:
                chars[parts[0]] = int(parts[1])
            else:
                words[parts[0]] = int(parts[1])
    return WordList(words), chars


def build_matcher(lexicon: Lexicon, max_substitutions: int = 1) -> NearMissMatcher:
    words, chars = common_words()

    def piece_freq(piece: str) -> int:  # how often a term piece turns up in running text (jieba's counts)
        return chars.get(piece, 0) if len(piece) == 1 else words.freq(piece)

    return NearMissMatcher.build(lexicon.terms, lexicon.known, words, lexicon.lookalikes, lexicon.allow,
                                 max_substitutions=max_substitutions, piece_freq=piece_freq)


def _state(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*")) if p.is_file())


@lru_cache(maxsize=4)
def _cached(folder: Path, root: Path, max_substitutions: int, state: Any) -> tuple[Lexicon, NearMissMatcher]:
    lexicon = load_lexicon(folder, root)
    return lexicon, build_matcher(lexicon, max_substitutions)


def load_matcher(folder: Path, root: Path, max_substitutions: int = 1) -> tuple[Lexicon, NearMissMatcher]:
    """The lexicon and its matcher, rebuilt only when a file of ``folder`` (or the divisions table) changed."""
    head = _toml(folder / INDEX).get("lexicon", {})
    table = root / str(head.get("divisions", "")) if isinstance(head, dict) and head.get("divisions") else None
    extra = ((str(table), table.stat().st_mtime_ns, table.stat().st_size),) if table and table.is_file() else ()
    return _cached(folder, root, max_substitutions, _state(folder) + extra)
