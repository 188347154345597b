"""Every ``app.py`` command, run as a user would without a terminal (stdin is /dev/null), with bad input:
a Chinese message, a non-zero exit and never a traceback.

The commands are found by walking the real parser, so a command added later without a bad-input case
here fails :func:`test_every_command_has_a_bad_input_case`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import app as app_module
from core.cli import leaf_parsers

ROOT = Path(app_module.__file__).resolve().parent
CJK = re.compile(r"[\u4e00-\u9fff]")
EXCEPTION_NAME = re.compile(r"\b[A-Z][A-Za-z]+(?:Error|Exception|Warning)\b")


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    expect: str = ""  # a fragment of the Chinese message


def _cases(tmp: Path, busy_port: int) -> dict[tuple[str, ...], list[Case]]:
    bad_csv = tmp / "bad-sites.csv"
    bad_csv.write_text("site_code,name,url,level,node_code\nX1,名称,not-a-url,nope,999999\n", encoding="utf-8")
    bad_accounts = tmp / "bad-accounts.csv"
    bad_accounts.write_text("platform,account_id,name,node_code\nqq,gh 1,名称,999999\n", encoding="utf-8")
    bad_stats = tmp / "bad-stats.csv"
    bad_stats.write_text("platform,account_id,date,posts\nwechat,gh_nobody,2026-12-01,3\n", encoding="utf-8")
    a_file = tmp / "plain-file"
    a_file.write_text("x", encoding="utf-8")
    not_a_db = tmp / "not-a-database.db"
    not_a_db.write_text("这不是数据库\n" * 400, encoding="utf-8")
    unreachable_db = {"GOVOPS_DATABASE__URL": "postgresql+psycopg2://nobody@127.0.0.1:1/none"}
    bad_facts = tmp / "bad-facts.yaml"
    bad_facts.write_text("site: {type: county}\n", encoding="utf-8")
    explain = ("score", "explain", "--facts")
    return {
        ("run",): [Case(("run",), {"GOVOPS_WEB__PORT": str(busy_port), "GOVOPS_WEB__HOST": "127.0.0.1"},
                        "已被占用")],
        ("collect",): [Case(("collect", "--once", "--collectors", "nope"), expect="未知的采集器 nope")],
        ("migrate",): [Case(("migrate", "--downgrade", "zzz"), expect="版本 zzz 不存在")],
        ("registry", "import"): [Case(("registry", "import", "--sites", str(bad_csv)), expect="未写入任何数据"),
                                 Case(("registry", "import", "--sites", str(tmp / "missing.csv")),
                                      expect="文件不存在")],
        ("registry", "link"): [Case(("registry", "link", str(bad_csv)), expect="未写入任何数据"),
                               Case(("registry", "link", str(tmp / "missing.csv")), expect="不存在")],
        ("registry", "export"): [Case(("registry", "export", "--sites", str(tmp / "no" / "dir" / "x.xlsx")),
                                      expect="不存在"),
                                 Case(("registry", "export", "--sites", str(tmp / "x.txt")), expect="不支持")],
        ("demo-fleet",): [Case(("demo-fleet", "--export", str(a_file / "sub")), expect="不是目录")],
        # (every port of the demo follows [web] port: one too high leaves no room for the derived ones)
        ("demo-federation",): [Case(("demo-federation",), {"GOVOPS_WEB__PORT": "60000"}, "太大")],
        ("federation", "pull"): [Case(("federation", "pull"), expect="本节点未连接省级节点")],
        ("inspect",): [Case(("inspect", "--as-of", "2026-13-01"), expect="日期")],
        ("score", "explain"): [Case((*explain, str(tmp / "missing.yaml"), "--as-of", "2026-12-31"),
                                    expect="文件不存在"),
                               Case((*explain, str(bad_facts), "--as-of", "2026-12-31"), expect="site.type：应为"),
                               Case((*explain, str(bad_facts), "--as-of", "31/12/2026"), expect="日期格式错误")],
        ("users", "create-admin"): [Case(("users", "create-admin", "--username", "a"), expect="--password-stdin")],
        ("users", "add"): [Case(("users", "add", "--username", "op", "--role", "oncall", "--scope", "430100"),
                                expect="--password-file"),
                           Case(("users", "add", "--username", "op", "--role", "king", "--scope", "430100"),
                                expect="角色 'king'：未知")],
        ("users", "list"): [Case(("users", "list"), unreachable_db, "无法使用数据库：连接被拒绝")],
        ("users", "disable"): [Case(("users", "disable", "ghost"), expect="用户 ghost：不存在")],
        ("users", "enable"): [Case(("users", "enable", "ghost"), expect="用户 ghost：不存在")],
        ("users", "passwd"): [Case(("users", "passwd", "ghost", "--password-stdin"), expect="不存在"),
                              Case(("users", "passwd", "ghost", "--password-file", str(tmp / "nope.txt")),
                                   expect="不存在")],
        ("users", "set-role"): [Case(("users", "set-role", "ghost", "--role", "king", "--scope", "1"),
                                     expect="用户 ghost：不存在")],
        ("kiosk", "create"): [Case(("kiosk", "create", "墙", "--scope", "999999"), expect="未知的地区编码")],
        ("kiosk", "revoke"): [Case(("kiosk", "revoke", "nope"), expect="nope")],
        ("kiosk", "list"): [Case(("kiosk", "list"), {"GOVOPS_DATABASE__URL": f"sqlite:///{not_a_db}"},
                                 "不是 SQLite 数据库")],
        ("walls", "list"): [Case(("walls", "list"), {"GOVOPS_DATABASE__URL": f"sqlite:///{not_a_db}"},
                                 "不是 SQLite 数据库")],
        ("walls", "kiosk", "create"): [Case(("walls", "kiosk", "create", "--playlist", "无此轮播"),
                                            expect="轮播 无此轮播：不存在")],
        ("walls", "kiosk", "revoke"): [Case(("walls", "kiosk", "revoke", "--playlist", "无此轮播"),
                                            expect="轮播 无此轮播：不存在")],
        ("rules", "check"): [Case(("rules", "check", str(tmp / "nope.yaml")), expect="规则校验失败")],
        ("worker",): [Case(("worker", "web", "--parent", "1", "--clock-origin", "昨天", "--clock-t0", "1"),
                           expect="--clock-origin：应为带时区的 ISO 8601 时间"),
                      Case(("worker", "alert", "--parent", "1", "--clock-origin", "2026-12-06T00:00:00+00:00"),
                           expect="--clock-t0：应为数字"),
                      Case(("worker", "alert", "--parent", "1", "--health-port", str(busy_port)),
                           expect=f"--health-port 127.0.0.1:{busy_port}：地址或端口已被占用")],
        ("hosts", "add"): [Case(("hosts", "add", "web-01", "--address", "127.0.0.1", "--user", "ops", "--key", "k",
                                 "--port", "70000"), expect="--port：应为 1 到 65535"),
                           Case(("hosts", "add", "web-01", "--address", "127.0.0.1", "--user", "ops", "--key", "k",
                                 "--node", "999999"), expect="--node：行政区划代码 999999 未登记")],
        ("hosts", "list"): [Case(("hosts", "list"), unreachable_db, "无法使用数据库：连接被拒绝")],
        ("media", "import"): [Case(("media", "import", str(bad_accounts)), expect="未写入任何数据"),
                              Case(("media", "import", str(tmp / "missing.xlsx")), expect="文件不存在")],
        ("media", "stats"): [Case(("media", "stats", str(bad_stats)), expect="未登记"),
                             Case(("media", "stats", str(tmp / "stats.txt")), expect="不支持")],
        ("media", "list"): [Case(("media", "list"), unreachable_db, "无法使用数据库：连接被拒绝")],
        ("hosts", "trust"): [Case(("hosts", "trust", "ghost"), expect="未登记名为“ghost”的主机")],
        ("services", "add"): [
            Case(("services", "add", "--name", "cms-db", "--kind", "mysql", "--address", "10.0.0.5:3306",
                  "--credentials", "hunter2"), expect="不接受明文密码"),
            Case(("services", "add", "--name", "cms-db", "--kind", "oracle", "--address", "10.0.0.5:1521"),
                 expect="服务类型“oracle”无效"),
            Case(("services", "add", "--name", "es", "--kind", "tcp", "--address", "10.0.0.5"),
                 expect="--address：服务地址“10.0.0.5”无效"),
            Case(("services", "add", "--name", "es", "--kind", "tcp", "--address", "10.0.0.5:9200", "--node",
                  "999999"), expect="节点代码“999999”未登记"),
            Case(("services", "add", "--name", "gw", "--kind", "http", "--address", "http://10.0.0.5/health",
                  "--option", "expect_status=abc"), expect="选项 expect_status=abc 无效")],
        ("services", "list"): [Case(("services", "list"), unreachable_db, "无法使用数据库：连接被拒绝")],
        ("services", "remove"): [Case(("services", "remove", "ghost"), expect="未登记名为“ghost”的服务")],
        ("services", "enable"): [Case(("services", "enable", "ghost"), expect="未登记名为“ghost”的服务")],
        ("services", "disable"): [Case(("services", "disable", "ghost"), expect="未登记名为“ghost”的服务")],
        ("nodes", "token", "create"): [Case(("nodes", "token", "create", "--node", "999999"),
                                            expect="节点 999999：未知的行政区划编码")],
        ("nodes", "token", "revoke"): [Case(("nodes", "token", "revoke", "424242"),
                                            expect="令牌 424242：不存在或已被吊销")],
        ("nodes", "token", "list"): [Case(("nodes", "token", "list"), unreachable_db, "无法使用数据库：连接被拒绝")],
        ("traffic", "ingest"): [Case(("traffic", "ingest", str(tmp / "missing.log")), expect="文件不存在"),
                                Case(("traffic", "ingest", str(a_file), "--site", "X9"), expect="X9 未登记")],
        ("traffic", "show"): [Case(("traffic", "show", "--site", "X9", "--year", "2026"), expect="X9 未登记"),
                              Case(("traffic", "show", "--site", "X9", "--year", "2026"), unreachable_db,
                                   "无法使用数据库：连接被拒绝")],
        ("verify", "queue"): [Case(("verify", "--as", "ghost", "queue"), expect="用户 ghost 不存在或已停用")],
        ("verify", "confirm"): [Case(("verify", "confirm", "424242"), expect="问题 #424242 不存在")],
        ("verify", "dismiss"): [Case(("verify", "dismiss", "1", "--reason", "other"), expect="必须填写说明")],
        ("verify", "entry", "add"): [Case(("verify", "entry", "add", "4301000001", "2026Q5", "--kind", "bonus",
                                           "--code", "b1", "--points", "1", "--note", "x"),
                                          expect="周期“2026Q5”格式不对")],
        ("verify", "entry", "list"): [Case(("verify", "entry", "list", "nope", "2026Q4"), expect="站点 nope 不存在")],
        ("verify", "entry", "withdraw"): [Case(("verify", "entry", "withdraw", "424242", "--note", "x"),
                                               expect="人工条目 #424242 不存在")],
        ("verify", "signoff"): [Case(("verify", "signoff", "nope", "2026Q4"), expect="站点 nope 不存在")],
        ("verify", "sheet"): [Case(("verify", "sheet", "4301000001", "2026"), expect="周期“2026”格式不对")],
        ("verify", "notice", "create"): [Case(("verify", "notice", "create", "nope", "--finding", "1", "--deadline",
                                               "2020-01-01"), expect="早于今天"),
                                          Case(("verify", "notice", "create", "nope", "--finding", "1", "--deadline",
                                                "明天"), expect="日期“明天”格式不对")],
        ("verify", "notice", "issue"): [Case(("verify", "notice", "issue", "424242"),
                                             expect="整改通知 #424242 不存在")],
        ("verify", "notice", "answer"): [Case(("verify", "notice", "answer", "424242", "--finding", "1", "--text", "x"),
                                              expect="整改通知 #424242 不存在")],
        ("verify", "notice", "list"): [Case(("verify", "notice", "list"), unreachable_db,
                                            "无法使用数据库：连接被拒绝")],
        ("verify", "notice", "follow-up"): [Case(("verify", "notice", "follow-up"), unreachable_db,
                                                 "无法使用数据库：连接被拒绝")],
        ("score", "run"): [Case(("score", "run", "--period", "2026Q5"), expect="周期“2026Q5”格式不对")],
        ("score", "show"): [Case(("score", "show", "--period", "2026H3"), expect="周期“2026H3”格式不对")],
        ("score", "export"): [Case(("score", "export", "--period", "2026Q4", "--out", str(tmp / "x.txt")),
                                   expect="导出文件应以 .xlsx 或 .pdf 结尾")],
        ("annual", "fill"): [Case(("annual", "fill", "--year", "2026", "--site", "X9"), expect="X9 未登记")],
        ("annual", "show"): [Case(("annual", "show", "--site", "X9", "--year", "2026"), expect="X9 未登记")],
        ("annual", "set"): [Case(("annual", "set", "--site", "X9", "--year", "2026", "pv", "abc"), expect="X9 未登记")],
        ("annual", "submit"): [Case(("annual", "submit", "--site", "X9", "--year", "2026"), expect="X9 未登记")],
        ("annual", "review"): [Case(("annual", "review", "--site", "X9", "--year", "2026"), expect="X9 未登记")],
        ("annual", "return"): [Case(("annual", "return", "--site", "X9", "--year", "2026"), expect="--reason")],
        ("annual", "publish"): [Case(("annual", "publish", "--site", "X9", "--year", "2026"), expect="X9 未登记")],
        ("annual", "export"): [Case(("annual", "export", "--site", "X9", "--year", "2026", "--out", str(tmp / "r.txt")),
                                    expect="导出文件应以 .xlsx 或 .pdf 结尾"),
                               Case(("annual", "export", "--site", "X9", "--year", "2026", "--out", str(tmp / "r.xlsx"),
                                     "--format", "pdf"), expect="--format pdf 与文件后缀 .xlsx 不符"),
                               Case(("annual", "export", "--site", "X9", "--year", "2026", "--out", str(tmp / "r.pdf")),
                                    expect="X9 未登记")],
        ("annual", "rollup"): [Case(("annual", "rollup", "--year", "2026", "--out", str(tmp / "r.txt")),
                                    expect="导出文件应以 .xlsx 结尾"),
                               Case(("annual", "rollup", "--year", "2026", "--out", str(tmp / "r.xlsx")),
                                    unreachable_db, "无法使用数据库：连接被拒绝")],
        ("notify", "check"): [Case(("notify", "check", str(tmp / "nope.toml")), expect="不存在")],
        ("notify", "test"): [Case(("notify", "test", "nobody"), expect="未知的接收方")],
        ("notify", "send-due"): [Case(("notify", "send-due", "--file", str(tmp / "nope.toml")), expect="不存在")],
    }


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _env(tmp: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVOPS_")}
    env.update({"GOVOPS_DATABASE__URL": f"sqlite:///{tmp / 'govops.db'}",
                "GOVOPS_METRICS__EMBEDDED__PATH": str(tmp / "m.db"),
                "GOVOPS_SECURITY__SECRET_KEY_FILE": str(tmp / "secret_key"), "GOVOPS_DEMO__ENABLED": "false",
                "COLUMNS": "100"})
    env.update(extra)
    return env


def _run(tmp: Path, case: Case) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *case.argv], cwd=tmp, env=_env(tmp, case.env),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def test_every_command_has_a_bad_input_case(tmp_path: Path) -> None:
    commands = set(leaf_parsers(app_module.build_parser()))
    covered = set(_cases(tmp_path, 1))
    assert commands - covered == set(), "commands without a bad-input case here"
    assert covered - commands == set(), "cases for commands that no longer exist"


@pytest.mark.timeout(900)  # every command twice, each a fresh interpreter: minutes on two cores under load
def test_bad_input_gets_a_chinese_message_and_no_traceback(tmp_path: Path, busy_port: int) -> None:
    cases = [c for group in _cases(tmp_path, busy_port).values() for c in group]
    # Every command also meets an option it does not have (argparse's own error, in Chinese).
    cases += [Case((*words, "--no-such-option")) for words in leaf_parsers(app_module.build_parser())]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: (c, _run(tmp_path, c)), cases))
    problems = []
    for case, r in results:
        said = r.stdout + r.stderr
        why = [w for w, bad in (
            ("exit 0", r.returncode == 0), ("a traceback", "Traceback" in r.stderr),
            ("no Chinese message", not CJK.search(said)),
            (f"an exception name {EXCEPTION_NAME.findall(said)}", bool(EXCEPTION_NAME.search(said))),
            (f"not the expected {case.expect!r}", case.expect not in said)) if bad]
        if why:
            problems.append(f"app.py {' '.join(case.argv)}: {', '.join(why)}\n{said}")
    assert not problems, "\n\n".join(problems)


def test_unknown_option_message_is_chinese_usage(tmp_path: Path) -> None:
    r = _run(tmp_path, Case(("users", "add", "--username")))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("用法：app.py users add")
    assert "app.py users add：错误：参数 --username：需要一个值" in r.stderr
