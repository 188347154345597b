"""``app.py verify …``: manual verification (人工核验) and rectification (整改) from the command line
(operations/verify_store.py, operations/notice_store.py).

The command line acts as the province (actor ``cli``) unless ``--as USER`` names a registered user, whose
region scope then applies (a city user sees and manages only its own sites). Every change is audited with
that actor and the origin 本机命令行.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy.orm import Session

from core.cli import CliError, cli_time
from core.config import Config
from core.i18n.cli import COMMAND_HELP
from core.i18n.verification import (
    DECISION_KIND,
    DECISION_STATUS,
    DISMISS_REASON,
    ENTRY_KIND,
    NOTICE_STATE,
    SHEET_CHANGED,
    SHEET_SIGNED,
    SHEET_UNSIGNED,
    TV,
)
from core.region import PROVINCE_CODE
from operations import notice_store, verify_store
from operations.access import CLI_ORIGIN, Actor, actor_of_user
from operations.decisions import DismissReason
from operations.errors import VerifyError, VerifyScopeError, VerifyTransitionError
from operations.notices import NoticeState
from operations.sheets import SheetState

CLI_ACTOR = "cli"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式不对：应为 YYYY-MM-DD") from None


def add_arguments(sub: argparse._SubParsersAction) -> None:
    """Register ``verify ...`` on the top-level parser."""
    v = sub.add_parser("verify", help=COMMAND_HELP["verify"])
    v.add_argument("--as", dest="as_user", metavar="用户名", help="以该用户的身份和管辖范围操作（默认：命令行，全省）")
    vs = v.add_subparsers(dest="verify_cmd", required=True, metavar="操作")
    q = vs.add_parser("queue", help="待核验的问题（从未核验，或核验后证据已变化）")
    q.add_argument("--region", metavar="区划代码", help="只看该市州或县市区")
    q.add_argument("--all", action="store_true", help="也列出已核验、证据未变的问题")
    c = vs.add_parser("confirm", help="确认问题属实")
    c.add_argument("finding", type=int, metavar="问题编号")
    c.add_argument("--note", default="", metavar="说明")
    d = vs.add_parser("dismiss", help="排除问题（须给出原因）")
    d.add_argument("finding", type=int, metavar="问题编号")
    d.add_argument("--reason", required=True, choices=[r.value for r in DismissReason],
                   help="；".join(f"{r.value}：{DISMISS_REASON[r.value]}" for r in DismissReason))
    d.add_argument("--note", default="", metavar="说明", help="原因为 other 时必填")
    e = vs.add_parser("entry", help="人工扣分与加分项")
    es = e.add_subparsers(dest="verify_entry_cmd", required=True, metavar="操作")
    ea = es.add_parser("add", help="添加人工扣分或加分项")
    ea.add_argument("site", metavar="站点标识码")
    ea.add_argument("period", metavar="周期", help="季度如 2026Q4，半年如 2026H2")
    ea.add_argument("--kind", required=True, choices=["deduction", "bonus"], help="deduction：人工扣分；bonus：加分项")
    ea.add_argument("--code", required=True, metavar="指标编码", help="指标或加分项编码，如 4.2")
    ea.add_argument("--points", required=True, metavar="分值")
    ea.add_argument("--note", required=True, metavar="说明")
    ea.add_argument("--evidence", default="", metavar="佐证", help="文字说明或链接")
    el = es.add_parser("list", help="列出站点本周期的人工条目（含已撤回）")
    el.add_argument("site", metavar="站点标识码")
    el.add_argument("period", metavar="周期")
    ew = es.add_parser("withdraw", help="撤回人工条目（保留记录）")
    ew.add_argument("entry", type=int, metavar="条目编号")
    ew.add_argument("--note", required=True, metavar="说明")
    so = vs.add_parser("signoff", help="签核站点本周期的评分表")
    so.add_argument("site", metavar="站点标识码")
    so.add_argument("period", metavar="周期")
    so.add_argument("--note", default="", metavar="说明")
    sh = vs.add_parser("sheet", help="评分表签核状态，以及签核后的变更")
    sh.add_argument("site", metavar="站点标识码")
    sh.add_argument("period", metavar="周期")
    n = vs.add_parser("notice", help="整改通知：起草、下发、答复、列表、复查")
    ns = n.add_subparsers(dest="verify_notice_cmd", required=True, metavar="操作")
    nc = ns.add_parser("create", help="为站点起草整改通知，列出要整改的问题")
    nc.add_argument("site", metavar="站点标识码")
    nc.add_argument("--finding", type=int, action="append", required=True, metavar="问题编号", help="可重复")
    nc.add_argument("--deadline", type=_date, required=True, metavar="YYYY-MM-DD", help="整改期限（当天仍算按期）")
    nc.add_argument("--note", default="", metavar="说明")
    ni = ns.add_parser("issue", help="下发整改通知")
    ni.add_argument("notice", type=int, metavar="通知编号")
    ni.add_argument("--version", type=int, metavar="版本", help="读到的版本（他人已修改时拒绝）")
    na = ns.add_parser("answer", help="答复整改通知中的一个问题")
    na.add_argument("notice", type=int, metavar="通知编号")
    na.add_argument("--finding", type=int, required=True, metavar="问题编号")
    na.add_argument("--text", required=True, metavar="答复")
    na.add_argument("--evidence", default="", metavar="佐证")
    nl = ns.add_parser("list", help="列出整改通知（逾期由当前时间判断）")
    nl.add_argument("--region", metavar="区划代码")
    nl.add_argument("--site", metavar="站点标识码")
    nl.add_argument("--state", choices=[s.value for s in NoticeState], metavar="状态")
    nl.add_argument("--overdue", action="store_true", help="只看已逾期的")
    ns.add_parser("follow-up", help="复查：按最新检查结果判定整改是否通过，并升级逾期通知")


def _actor(s: Session, args: argparse.Namespace) -> Actor:
    if args.as_user:
        return actor_of_user(s, args.as_user, CLI_ORIGIN)
    return Actor(CLI_ACTOR, PROVINCE_CODE, CLI_ORIGIN)


def _p(line: str) -> None:
    print(line, flush=True)


def _queue(s: Session, actor: Actor, args: argparse.Namespace, tz: tzinfo) -> None:
    items = verify_store.queue(s, actor, args.region, include_decided=args.all)
    if not items:
        _p(TV.CLI_QUEUE_EMPTY)
        return
    _p(TV.CLI_QUEUE_HEADER)
    for i in items:
        last = "—" if i.decided_by is None else f"{i.decided_by} {cli_time(i.decided_at, tz)}"
        _p("\t".join((str(i.finding_id), f"{i.site_code} {i.site_name}", i.detail, i.location,
                      DECISION_STATUS[i.status.value], last)))


def _entries(s: Session, actor: Actor, args: argparse.Namespace, now: datetime, tz: tzinfo) -> None:
    if args.verify_entry_cmd == "add":
        e = verify_store.add_entry(s, actor, now, args.site, args.period, args.kind, args.code, args.points, args.note,
                                   args.evidence)
        _p(TV.CLI_ENTRY_ADDED.format(kind=ENTRY_KIND[e.kind], id=e.id, site=args.site, period=e.period, code=e.code,
                                     points=e.points))
    elif args.verify_entry_cmd == "withdraw":
        verify_store.withdraw_entry(s, actor, now, args.entry, args.note)
        _p(TV.CLI_ENTRY_WITHDRAWN.format(id=args.entry))
    else:
        rows = verify_store.list_entries(s, actor, args.site, args.period)
        if not rows:
            _p(TV.CLI_ENTRY_EMPTY.format(site=args.site, period=args.period.strip().upper()))
            return
        _p(TV.CLI_ENTRY_HEADER)
        for e in rows:
            state = TV.CLI_VALID if e.withdrawn_at is None else f"{TV.CLI_WITHDRAWN}（{e.withdrawn_by}）"
            _p("\t".join((str(e.id), ENTRY_KIND[e.kind], e.code, f"{e.points:g}", e.note, e.evidence or "—",
                          e.created_by, cli_time(e.created_at, tz), state)))


def _sheet(s: Session, actor: Actor, args: argparse.Namespace, tz: tzinfo) -> None:
    st = verify_store.sheet_status(s, actor, args.site, args.period)
    label = {SheetState.UNSIGNED: SHEET_UNSIGNED, SheetState.SIGNED: SHEET_SIGNED,
             SheetState.CHANGED: SHEET_CHANGED}[st.state]
    _p(TV.CLI_SHEET.format(site=args.site, period=args.period.strip().upper(), state=label))
    if st.signed_by:
        _p(TV.CLI_SHEET_SIGNED_BY.format(by=st.signed_by, at=cli_time(st.signed_at, tz)))
    for c in st.changes:
        _p(TV.CLI_SHEET_CHANGE.format(at=cli_time(c.at, tz), by=c.actor, what=c.what))


def _notices(s: Session, actor: Actor, args: argparse.Namespace, now: datetime, tz: tzinfo) -> None:
    cmd = args.verify_notice_cmd
    if cmd == "create":
        n = notice_store.create_notice(s, actor, now, args.site, args.finding, args.deadline, args.note, tz)
        _p(TV.CLI_NOTICE_CREATED.format(id=n.id, site=args.site, n=len(n.problems), deadline=n.deadline.isoformat(),
                                        addressee=n.addressee))
    elif cmd == "issue":
        notice_store.issue_notice(s, actor, now, args.notice, args.version)
        _p(TV.CLI_NOTICE_ISSUED.format(id=args.notice))
    elif cmd == "answer":
        n = notice_store.answer_problem(s, actor, now, args.notice, args.finding, args.text, args.evidence)
        _p(TV.CLI_NOTICE_ANSWERED.format(id=n.id, finding=args.finding, state=NOTICE_STATE[n.state]))
    elif cmd == "list":
        rows = notice_store.list_notices(s, actor, now, region=args.region, site_code=args.site, state=args.state,
                                         overdue_only=args.overdue, tz=tz)
        if not rows:
            _p(TV.CLI_NOTICE_EMPTY)
            return
        _p(TV.CLI_NOTICE_HEADER)
        for v in rows:
            _p("\t".join((str(v.id), f"{v.site_code} {v.site_name}", v.addressee, v.state_label,
                          v.deadline.isoformat(), f"{v.fixed}/{v.problems}")))
    else:
        judged = notice_store.follow_up(s, now, actor)
        escalated = notice_store.escalate_overdue(s, now, actor, tz=tz)
        _p(TV.CLI_FOLLOW_UP.format(judged=len(judged), escalated=len(escalated)))


def run(config: Config, args: argparse.Namespace) -> int:
    from runtime.bootstrap import prepare_database

    sessions = prepare_database(config)
    now = datetime.now(UTC)
    tz = config.web.tz
    try:
        with sessions() as s:
            actor = _actor(s, args)
            cmd = args.verify_cmd
            if cmd == "queue":
                _queue(s, actor, args, tz)
            elif cmd in ("confirm", "dismiss"):
                kind = "confirmed" if cmd == "confirm" else "dismissed"
                verify_store.decide(s, args.finding, actor, now, kind, getattr(args, "reason", None), args.note)
                _p(TV.CLI_DECIDED.format(id=args.finding, kind=DECISION_KIND[kind]))
            elif cmd == "entry":
                _entries(s, actor, args, now, tz)
            elif cmd == "signoff":
                row = verify_store.sign_off(s, actor, now, args.site, args.period, args.note)
                _p(TV.CLI_SIGNED.format(site=args.site, period=row.period, by=row.signed_by,
                                        at=cli_time(row.signed_at, tz)))
            elif cmd == "sheet":
                _sheet(s, actor, args, tz)
            else:
                _notices(s, actor, args, now, tz)
        return 0
    except (VerifyError, VerifyScopeError, VerifyTransitionError) as exc:
        raise CliError(str(exc)) from None
