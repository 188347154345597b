"""Command-line manners shared by every ``app.py`` command: a Chinese ``argparse``, times in the display
zone with the zone named, and user errors as one Chinese line instead of a traceback.

- :class:`ChineseArgumentParser` — ``argparse.ArgumentParser`` whose boilerplate (用法：, 选项：,
  显示此帮助信息并退出, every parse error) is Simplified Chinese; subparsers inherit it.
- :func:`cli_time` — ``"2026-12-06 10:00 北京时间"`` for an aware (or naive UTC) datetime.
- :class:`CliError` — raise it with a Chinese message for a refusal; :func:`describe_error` turns it and
  the common environment failures (a missing file, an unreachable database) into one Chinese line;
  :func:`report_error` prints that line (or, for a bug, a short notice; the traceback only with
  ``--verbose``) and returns the exit status.

This module imports nothing of ours but ``core``.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import traceback
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import IO, Any, NoReturn

from core.i18n.cli import ARGPARSE_ZH, ERRNO_ZH, ZONE_LABELS

# --- argparse in Chinese (argparse looks its wording up through the module globals ``_`` and
# ``ngettext`` at call time, so they are swapped only while our parser works) ---


def _zh(message: str) -> str:
    return ARGPARSE_ZH.get(message, message)


def _zh_n(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


@contextlib.contextmanager
def _chinese_argparse() -> Iterator[None]:
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _zh, _zh_n  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: CJK (wide and full-width) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap_display(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` columns: between words, or between any two CJK
    characters (Chinese has no spaces), never inside an ASCII word unless it alone is too long."""
    tokens = re.findall(r"[A-Za-z0-9_.,:;/'\"()\[\]{}<>=+*%$#@!?|~`^&\\-]+| |.", " ".join(text.split()))
    lines: list[str] = []
    line = ""
    for tok in tokens:
        if line and display_width(line) + display_width(tok) > width:
            lines.append(line.rstrip())
            line = "" if tok == " " else tok
        else:
            line += tok
        while display_width(line) > width:  # one token wider than the line
            cut = 0
            while display_width(line[:cut + 1]) <= width:
                cut += 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's layout with the ``用法：`` prefix and columns measured in display width, so Chinese
    option names line up and Chinese help wraps at the terminal's edge instead of twice past it."""

    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix if prefix is not None else ARGPARSE_ZH["usage: "])

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is not argparse.SUPPRESS:
            invocations = [self._format_action_invocation(action)]
            invocations += [self._format_action_invocation(a) for a in self._iter_indented_subactions(action)]
            length = max(map(display_width, invocations)) + self._current_indent
            self._action_max_length = max(self._action_max_length, length)
            self._add_item(self._format_action, [action])

    def _format_action(self, action: argparse.Action) -> str:
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent = " " * self._current_indent
        if not action.help:
            parts = [f"{indent}{header}\n"]
            indent_first = 0
        elif display_width(header) <= action_width:
            parts = [f"{indent}{header}{' ' * (action_width - display_width(header))}  "]
            indent_first = 0
        else:
            parts = [f"{indent}{header}\n"]
            indent_first = help_position
        if action.help and action.help.strip():
            help_text = self._expand_help(action)
            if help_text:
                lines = self._split_lines(help_text, help_width)
                parts.append(f"{' ' * indent_first}{lines[0]}\n")
                parts += [f"{' ' * help_position}{line}\n" for line in lines[1:]]
        elif not parts[0].endswith("\n"):
            parts.append("\n")
        for sub in self._iter_indented_subactions(action):
            parts.append(self._format_action(sub))
        return self._join_parts(parts)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_display(text, width)


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` speaking Simplified Chinese: usage, section titles, ``-h`` and every parse
    error (which still exits 2 after printing the usage). Subparsers made by :meth:`add_subparsers` are
    of the same class, so a whole command tree is Chinese by building its root with this class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        with _chinese_argparse():
            super().__init__(*args, **kwargs)

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        with _chinese_argparse():
            return super().parse_args(args, namespace)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        with _chinese_argparse():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with _chinese_argparse():
            return super().format_usage()

    def format_help(self) -> str:
        with _chinese_argparse():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with _chinese_argparse():
            self.print_usage(sys.stderr)
            self.exit(2, _zh("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message})


def leaf_parsers(parser: argparse.ArgumentParser) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every runnable command of a parser tree, keyed by its words (``("users", "add")``): the parsers
    that have no subcommands of their own."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {(): parser}
    out: dict[tuple[str, ...], argparse.ArgumentParser] = {}
    for action in subs:
        for name, child in action.choices.items():
            for words, leaf in leaf_parsers(child).items():
                out[(name, *words)] = leaf
    return out


# --- times ---


def zone_label(tz: tzinfo | str) -> str:
    """How a zone is named after a time: ``北京时间`` for Asia/Shanghai, else ``<IANA name> 时间``."""
    key = tz if isinstance(tz, str) else getattr(tz, "key", None) or str(tz)
    return ZONE_LABELS.get(key, f"{key} 时间")


def cli_time(t: datetime | None, tz: tzinfo | str, *, seconds: bool = False, none: str = "—") -> str:
    """``"2026-12-06 10:00 北京时间"``: ``t`` in zone ``tz`` (an IANA name or tzinfo) with the zone named.

    A naive ``t`` is taken as UTC (what the databases store); None gives ``none``."""
    if t is None:
        return none
    zone: tzinfo
    if isinstance(tz, str):
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
    else:
        zone = tz
    aware = t if t.tzinfo is not None else t.replace(tzinfo=UTC)
    return f"{aware.astimezone(zone).strftime('%Y-%m-%d %H:%M:%S' if seconds else '%Y-%m-%d %H:%M')} {zone_label(tz)}"


# --- errors ---


class CliError(Exception):
    """A command refused or failed for a reason the user can fix; ``str(exc)`` is the Chinese message."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def os_error_text(exc: OSError) -> str:
    """``"/a/b.xlsx：文件或目录不存在"`` — the path and the reason in Chinese."""
    reason = ERRNO_ZH.get(exc.errno or -1) or (exc.strerror or str(exc))
    where = exc.filename if exc.filename is not None else ""
    return f"{where}：{reason}" if where else reason


_DB_REASONS: tuple[tuple[str, str], ...] = (
    ("connection refused", "连接被拒绝（数据库服务是否在运行？）"),
    ("could not translate host name", "数据库主机名无法解析"),
    ("password authentication failed", "用户名或密码错误"),
    ("does not exist", "数据库或用户不存在"),
    ("timeout expired", "连接超时"),
    ("unable to open database file", "无法打开数据库文件（目录不存在或没有权限）"),
    ("readonly database", "数据库文件只读"),
    ("database is locked", "数据库文件被其他进程锁定"),
    ("no such table", "数据库结构未初始化（请先运行 app.py migrate）"),
    ("file is not a database", "数据库文件已损坏，或不是 SQLite 数据库"),
)


def _database_text(exc: BaseException) -> str:
    raw = str(getattr(exc, "orig", None) or exc).lower()
    for needle, reason in _DB_REASONS:
        if needle in raw:
            return reason
    return "原因见 --verbose 输出"


def describe_error(exc: BaseException) -> str | None:
    """One Chinese line for an error the user can fix (bad input, a missing file, an unreachable
    database, a wrong setting), or None when ``exc`` is a bug."""
    from core.config import ConfigError

    if isinstance(exc, CliError):
        return str(exc)
    if isinstance(exc, ConfigError):
        return f"配置错误：{exc}"
    if isinstance(exc, OSError):
        return f"文件或网络操作失败：{os_error_text(exc)}"
    try:
        from sqlalchemy import exc as sa_exc
    except ImportError:  # pragma: no cover - SQLAlchemy is pinned
        sa_exc = None  # type: ignore[assignment]
    if sa_exc is not None:
        if isinstance(exc, sa_exc.ArgumentError | sa_exc.NoSuchModuleError):
            return "数据库地址格式错误（database.url），例如 sqlite:///var/govops.db 或 postgresql+psycopg2://用户@主机/库名"
        if isinstance(exc, sa_exc.DatabaseError | sa_exc.InterfaceError):
            return f"无法使用数据库：{_database_text(exc)}"
    with contextlib.suppress(ImportError):
        from alembic.util import CommandError

        if isinstance(exc, CommandError):
            m = re.search(r"Can't locate revision identified by '([^']*)'", str(exc))
            if m:
                return f"数据库结构版本 {m.group(1)} 不存在（base 表示全部回退）"
            return "数据库结构升级或降级失败：原因见 --verbose 输出"
    return None


def report_error(exc: BaseException, *, verbose: bool = False, err: IO[str] | None = None) -> int:
    """Print ``exc`` for a person and return the exit status: 2 (or the :class:`CliError`'s code) for
    an error the user can fix, 70 for a bug. The traceback is printed only when ``verbose``."""
    stream = err or sys.stderr
    if verbose:
        traceback.print_exception(exc, file=stream)
    message = describe_error(exc)
    if message is not None:
        print(message, file=stream, flush=True)
        return exc.code if isinstance(exc, CliError) else 2
    hint = "" if verbose else "；加 --verbose 重新运行可查看详细信息"
    print(f"程序内部错误，命令未完成{hint}。请把这条信息报告给运维平台开发人员。", file=stream, flush=True)
    return 70


def guarded(fn: Callable[[], int], *, verbose: bool = False) -> int:
    """Run a command body: its exit status, or :func:`report_error`'s for any exception (Ctrl-C: 130)."""
    try:
        return fn()
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr, flush=True)
        return 130
    except Exception as exc:
        return report_error(exc, verbose=verbose)


__all__ = ["ChineseArgumentParser", "ChineseHelpFormatter", "CliError", "cli_time",
           "describe_error", "display_width", "guarded", "leaf_parsers", "os_error_text", "report_error",
           "wrap_display", "zone_label"]
