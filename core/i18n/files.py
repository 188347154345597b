"""The files people edit (rule files, receivers, dictionaries, configuration), read without risk.

A text file that an operator edits, or that someone slips into a watched directory, must never take
the process down: :func:`read_text` refuses a file over a size limit before reading it and names the
line of a byte that is not UTF-8; :func:`check_toml_shape` refuses TOML nested deeper than the
standard library's recursive parser can take (``a = [[[…]]]`` ends in ``RecursionError``) and dotted
keys with so many parts that ``tomllib`` needs quadratic memory (``a.a.a.…`` of 20 KB takes 400 MB);
:func:`parse_toml` runs both checks before ``tomllib``. Every refusal is a :class:`TextFileError`
carrying ``path``, ``line`` and a Chinese ``reason``. Pure apart from reading the file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

MAX_DEPTH = 32  # arrays / inline tables inside each other; real files need 3
MAX_KEY_PARTS = 32  # parts of one dotted key (a.b.c has 3); real files need 3


class TextFileError(ValueError):
    """A file that cannot be taken; ``line`` is 1-based (0 when the file as a whole is the problem)."""

    def __init__(self, path: str | Path, line: int, reason: str) -> None:
        self.path, self.line, self.reason = str(path), line, reason
        super().__init__(f"{self.path}:{line}: {reason}")


def line_of(text: str | bytes, offset: int) -> int:
    """The 1-based line of character (or byte) ``offset`` in ``text``."""
    nl = b"\n" if isinstance(text, bytes) else "\n"
    return text.count(nl, 0, max(0, offset)) + 1  # type: ignore[arg-type]


def decode_utf8(raw: bytes, path: str | Path) -> str:
    """``raw`` as UTF-8 text (a leading BOM dropped); raises :class:`TextFileError` naming the bad byte's line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.start + 1].hex()
        raise TextFileError(path, line_of(raw, exc.start),
                            f"文件不是 UTF-8 编码（此行有无法识别的字节 0x{bad}），请另存为 UTF-8") from None


def read_text(path: str | Path, max_bytes: int) -> str:
    """The UTF-8 text of ``path``; raises :class:`TextFileError` when it is over ``max_bytes`` or not UTF-8.

    OSError (missing, unreadable) passes through: callers word those themselves.
    """
    p = Path(path)
    with p.open("rb") as fh:
        raw = fh.read(max_bytes + 1)  # never more than the limit, even if the file grows meanwhile
    if len(raw) > max_bytes:
        raise TextFileError(p, 0, f"文件过大（超过 {max_bytes} 字节的上限），未读取")
    return decode_utf8(raw, p)


# One step of the TOML shape scan: a string opener, a comment, a bracket, a dot, or a run of other
# characters that ends a dotted key (``=``, ``,``, ``:``, a line break …). Letters, digits, ``_ -`` and
# blanks are skipped: they may sit inside a dotted key.
_STEP = re.compile(r"""["'#\[\]{}.]|[^A-Za-z0-9_\-. \t"'#\[\]{}]+""")
_STRINGS = {
    '"""': re.compile(r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*""""{0,2}'),
    "'''": re.compile(r"'''[\s\S]*?''''{0,2}"),
    '"': re.compile(r'"(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"'[^'\n]*'"),
}


def check_toml_shape(text: str, path: str | Path, *, max_depth: int = MAX_DEPTH,
                     max_key_parts: int = MAX_KEY_PARTS) -> None:
    """Raise :class:`TextFileError` when ``text`` nests deeper than ``max_depth`` or has a dotted key of
    more than ``max_key_parts`` parts. Linear in the text; strings and comments are skipped. Syntax
    errors are left to the parser (the scan stops at an unterminated string)."""
    depth, dots, pos, n = 0, 0, 0, len(text)
    while pos < n:
        m = _STEP.search(text, pos)
        if m is None:
            return
        tok, pos = m.group(), m.end()
        c = tok[0]
        if c in "\"'":
            opener = c * 3 if text.startswith(c * 3, m.start()) else c
            s = _STRINGS[opener].match(text, m.start())
            if s is None:
                return  # unterminated: tomllib reports it with its line
            pos = s.end()
        elif c == "#":
            nl = text.find("\n", pos)
            pos = n if nl < 0 else nl
        elif c in "[{":
            depth, dots = depth + 1, 0
            if depth > max_depth:
                raise TextFileError(path, line_of(text, m.start()), f"嵌套超过 {max_depth} 层，文件未载入")
        elif c in "]}":
            depth, dots = max(0, depth - 1), 0
        elif c == ".":
            dots += 1
            if dots >= max_key_parts:
                raise TextFileError(path, line_of(text, m.start()),
                                    f"键名的点分段超过 {max_key_parts} 段，文件未载入")
        else:  # a line break or any other character that ends a key
            dots = 0


_TOML_REASONS: tuple[tuple[str, str], ...] = (  # tomllib's messages (3.11) -> Chinese; prefix matches
    ("Invalid value", "值无效（文本要加引号，布尔值写 true 或 false）"),
    ("Cannot overwrite a value", "同一个键被赋值了两次"),
    ("Cannot declare", "同一个表被声明了两次"),
    ("Unterminated string", "字符串缺少结束的引号"),
    ("Expected '=' after a key", "键名后面缺少 ="),
    ("Invalid statement", "无法识别的语句"),
    ("Expected newline or end of document after a statement", "一条语句之后应当换行"),
    ("Duplicate inline table key", "内联表中有重复的键"),
    ("Unescaped '\\' in a string", "字符串中的反斜杠 \\ 没有转义"),
    ("Illegal character", "含有不允许的控制字符"),
    ("Invalid initial character for a key part", "键名的第一个字符无效"),
    ("Unclosed array", "数组缺少结束的 ]"),
    ("Unclosed inline table", "内联表缺少结束的 }"),
    ("Invalid date or datetime", "日期或时间无效"),
    ("Invalid hex value", "转义序列中的十六进制值无效"),
    ("Expected ']' at the end of a table declaration", "表名后面缺少 ]"),
    ("Expected ']]' at the end of an array declaration", "表数组名后面缺少 ]]"),
)
_TOML_AT = re.compile(r"^(?P<msg>.*?)\s*\(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$", re.S)


def toml_error_text(path: str | Path, exc: Exception, text: str | None = None) -> str:
    """A ``tomllib.TOMLDecodeError`` as ``FILE:LINE: TOML 格式错误（第 N 列）：reason`` in Chinese (at the end of
    the document: the last line of ``text`` when given)."""
    raw = str(exc)
    m = _TOML_AT.match(raw)
    msg = m.group("msg") if m else raw
    reason = next((zh for en, zh in _TOML_REASONS if msg.startswith(en)), "语法错误")
    if m and m.group("line"):
        return f"{path}:{m.group('line')}: TOML 格式错误（第 {m.group('col')} 列）：{reason}"
    last = len(text.splitlines()) if text else 0
    where = f"{path}:{last}" if last else str(path)
    return f"{where}: TOML 格式错误（在文件末尾）：{reason}"


def toml_line(text: str, table: str, key: str = "") -> int:
    """The 1-based line of ``key = …`` inside ``[table]`` of a TOML ``text`` (of the ``[table]`` header when
    ``key`` is empty or not found there), or 0 when the table is not written as a header. For messages: TOML
    parsers keep no positions."""
    header = re.compile(rf"\[\s*{re.escape(table)}\s*\]")
    item = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=") if key else None
    found, inside = 0, False
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = bool(header.fullmatch(stripped))
            found = found or (i if inside else 0)
        elif inside and item is not None and item.match(line):
            return i
    return found


def toml_array_line(text: str, name: str, nth: int, key: str = "") -> int:
    """The 1-based line of ``key = …`` in the ``nth`` (1-based) ``[[name]]`` table of a TOML ``text`` (of its
    header when ``key`` is empty or not found), or 0 when there is no such header."""
    header = re.compile(rf"\[\[\s*{re.escape(name)}\s*\]\]")
    item = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=") if key else None
    seen, found = 0, 0
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            if found:
                break
            if header.fullmatch(stripped):
                seen += 1
                found = i if seen == nth else 0
        elif found and item is not None and item.match(line):
            return i
    return found


def parse_toml(text: str, path: str | Path) -> dict[str, Any]:
    """``tomllib.loads(text)`` after :func:`check_toml_shape`.

    Raises :class:`TextFileError` for the shape and ``tomllib.TOMLDecodeError`` (with its line) for syntax.
    """
    check_toml_shape(text, path)
    try:
        return tomllib.loads(text)
    except RecursionError:  # not reachable within the depth limit; kept so no input can end in a traceback
        raise TextFileError(path, 0, f"嵌套过深，文件未载入（上限 {MAX_DEPTH} 层）") from None
