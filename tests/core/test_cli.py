"""core.cli: the Chinese argparse, times with their zone named, and errors as one Chinese line."""

from __future__ import annotations

import argparse
import errno
import io
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from core.cli import (
    ChineseArgumentParser,
    CliError,
    cli_time,
    describe_error,
    display_width,
    guarded,
    leaf_parsers,
    report_error,
    wrap_display,
    zone_label,
)


def _tree() -> ChineseArgumentParser:
    p = ChineseArgumentParser(prog="tool")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="命令")
    a = sub.add_parser("add", help="添加")
    a.add_argument("--name", required=True, metavar="名称", help="对象的名字")
    a.add_argument("--count", type=int, help="数量")
    a.add_argument("--kind", choices=["x", "y"], help="类型")
    nested = sub.add_parser("group").add_subparsers(dest="g", required=True)
    nested.add_parser("one")
    nested.add_parser("two")
    return p


@pytest.mark.parametrize(("argv", "message"), [
    (["add"], "tool add：错误：缺少必需的参数：--name"),
    (["add", "--name"], "tool add：错误：参数 --name：需要一个值"),
    (["add", "--name", "n", "--count", "many"], "tool add：错误：参数 --count：取值 'many' 格式无效"),
    (["add", "--name", "n", "--kind", "z"], "tool add：错误：参数 --kind：取值 'z' 无效（可选：'x', 'y'）"),
    (["add", "--name", "n", "extra"], "tool：错误：无法识别的参数：extra"),
    (["nope"], "tool：错误：参数 命令：取值 'nope' 无效（可选：'add', 'group'）"),
])
def test_parse_errors_are_chinese_and_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        _tree().parse_args(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.startswith("用法：tool") and err.rstrip().endswith(message)


def test_help_is_chinese_and_lines_up_wide_characters(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        _tree().parse_args(["add", "-h"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith("用法：tool add")
    assert "选项:" in out and "显示此帮助信息并退出" in out and "show this help" not in out
    rows = [line for line in out.splitlines() if line.startswith("  -")]
    # Each help column starts at the same display column, whatever the width of the option's name.
    starts = {display_width(line[:line.index(h)]) for line, h in zip(rows, ("显示", "对象", "数量", "类型"),
                                                                      strict=True)}
    assert len(starts) == 1


def test_the_patch_is_only_on_while_our_parser_works() -> None:
    _tree().format_help()
    plain = argparse.ArgumentParser(prog="plain").format_help()
    assert "usage: plain" in plain and "show this help message and exit" in plain


def test_wrap_counts_cjk_double_and_keeps_ascii_words_whole() -> None:
    lines = wrap_display("角色：province_admin（省级管理员）、city_admin（市州管理员）", 20)
    assert all(display_width(line) <= 20 for line in lines)
    assert "".join(lines) == "角色：province_admin（省级管理员）、city_admin（市州管理员）"
    assert any(line.startswith("city_admin") or "city_admin" in line for line in lines)
    assert not any(line.endswith("city_") for line in lines)


def test_leaf_parsers_walk_the_tree() -> None:
    assert set(leaf_parsers(_tree())) == {("add",), ("group", "one"), ("group", "two")}


def test_cli_time_names_the_zone() -> None:
    t = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    assert cli_time(t, "Asia/Shanghai") == "2026-12-06 10:00 北京时间"
    assert cli_time(t.replace(tzinfo=None), ZoneInfo("Asia/Shanghai"), seconds=True) == "2026-12-06 10:00:00 北京时间"
    assert cli_time(t, "Europe/Berlin") == "2026-12-06 03:00 Europe/Berlin 时间"
    assert cli_time(None, "UTC", none="从未") == "从未"
    assert zone_label(UTC) == "UTC 时间" and zone_label("UTC") == "UTC 时间"


def test_user_errors_are_one_chinese_line_and_bugs_a_notice() -> None:
    missing = FileNotFoundError(errno.ENOENT, "No such file or directory", "/x/y.csv")
    assert describe_error(missing) == "文件或网络操作失败：/x/y.csv：文件或目录不存在"
    assert describe_error(CliError("拒绝")) == "拒绝"
    assert describe_error(KeyError("bug")) is None
    err = io.StringIO()
    assert report_error(CliError("拒绝", code=3), err=err) == 3 and err.getvalue() == "拒绝\n"
    err = io.StringIO()
    assert report_error(KeyError("bug"), err=err) == 70
    assert "程序内部错误" in err.getvalue() and "--verbose" in err.getvalue() and "Traceback" not in err.getvalue()
    try:
        raise KeyError("bug")
    except KeyError as raised:
        err = io.StringIO()
        assert report_error(raised, verbose=True, err=err) == 70 and "Traceback" in err.getvalue()


def test_database_errors_are_explained() -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    with pytest.raises(Exception) as caught:
        engine.connect()
    assert describe_error(caught.value) == "无法使用数据库：连接被拒绝（数据库服务是否在运行？）"
    sqlite = create_engine("sqlite://")
    with pytest.raises(Exception) as caught, sqlite.connect() as conn:
        conn.execute(text("select * from app_user"))
    assert describe_error(caught.value) == "无法使用数据库：数据库结构未初始化（请先运行 app.py migrate）"


def test_guarded_turns_ctrl_c_into_130(capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted() -> int:
        raise KeyboardInterrupt

    assert guarded(interrupted) == 130 and capsys.readouterr().err == "已中断\n"
    assert guarded(lambda: 0) == 0


def test_quiet_logging_keeps_info_off_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from core.logging import get_logger, setup_logging

    saved = logging.getLogger().handlers[:], logging.getLogger().level
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    try:
        setup_logging("INFO", quiet=True)
        get_logger("t.quiet").info("not.shown")
        get_logger("t.quiet").warning("shown.anyway")
        assert "not.shown" not in stderr.getvalue() and "event=shown.anyway" in stderr.getvalue()
        setup_logging("INFO", quiet=False)  # --verbose
        get_logger("t.quiet").info("now.shown")
        assert "event=now.shown" in stderr.getvalue()
    finally:
        logging.getLogger().handlers[:], level = saved
        logging.getLogger().setLevel(level)
