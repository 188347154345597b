"""The runner: isolation of crashing / hanging / not-judging checks, persistence and metric counts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.config import Config
from db.models import CheckRun
from db.session import transaction
from inspection.base import CHECKS, CheckError, CheckResult, FindingDraft, Severity, SiteTarget
from inspection.findings import open_findings, save_result
from inspection.rules import Rules
from inspection.runner import InspectionError, InspectionRunner
from tests.inspection.support import draft, seed_sites
from tsdb.sqlite_store import SQLiteMetricStore
from tsdb.store import Query

AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class _Fake:
    label_zh: ClassVar[str] = "测试"
    group: ClassVar[str] = "tests"
    order: ClassVar[int] = 99
    targets: ClassVar[tuple[str, ...]] = ("site",)
    veto: ClassVar[tuple[Any, ...]] = ()
    interval: ClassVar[float] = 60.0
    Settings: ClassVar[Any] = None

    def __init_subclass__(cls) -> None:  # one Chinese label per check (the catalog refuses a shared one)
        cls.label_zh = f"测试{cls.__name__}"

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx


class OkCheck(_Fake):
    name = "t_ok"

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        found = FindingDraft("t_ok", "thing", target.url + "a", Severity.CRITICAL, "测试问题", veto=True)
        return CheckResult("t_ok", target.code, as_of, (found,), {"pages": 1})


class CrashCheck(_Fake):
    name = "t_crash"

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        raise RuntimeError("bug in the check")


class HangCheck(_Fake):
    name = "t_hang"

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        await asyncio.sleep(3600)  # ignores its own timeout: the runner must stop it
        raise AssertionError("unreachable")


class NotJudgedCheck(_Fake):
    name = "t_error"

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        raise CheckError("网站无法访问")


FAKES = (OkCheck, CrashCheck, HangCheck, NotJudgedCheck)


@pytest.fixture
def fakes() -> Iterator[list[str]]:
    for k in FAKES:
        CHECKS.register(k.name)(k)
    try:
        yield [k.name for k in FAKES]
    finally:
        for k in FAKES:
            CHECKS._kinds.pop(k.name, None)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteMetricStore]:
    s = SQLiteMetricStore(tmp_path / "metrics.db")
    try:
        yield s
    finally:
        s.close()


def test_isolation_persistence_and_counts(migrated_db: Any, fakes: list[str], store: SQLiteMetricStore) -> None:
    _, sessions = migrated_db
    with transaction(sessions) as s:
        ids = seed_sites(s, {"X1": "http://127.0.0.1:1/", "X2": "http://127.0.0.1:2/"})
        # earlier findings: t_error's must stay open (the site could not be judged); t_ok's old one resolves
        save_result(s, ids["X1"], CheckResult("t_error", "X1", AS_OF, (draft("old", "u", check="t_error"),)),
                    AS_OF - timedelta(days=1))
        save_result(s, ids["X1"], CheckResult("t_ok", "X1", AS_OF, (draft("gone", "u", check="t_ok"),)),
                    AS_OF - timedelta(days=1))
    rules = Rules(source="test", timeouts={"t_hang": 0.2})
    runner = InspectionRunner(Config(), sessions, store, checks=fakes, rules=rules, clock=FixedClock(AS_OF),
                              grace_s=0.1)
    seen: list[tuple[int, int]] = []

    async def go() -> list[Any]:
        try:
            return await runner.run(None, AS_OF, progress=lambda done, total, _o: seen.append((done, total)))
        finally:
            await runner.aclose()

    outcomes = asyncio.run(asyncio.wait_for(go(), 30))
    status = {(o.site_code, o.check): o.status for o in outcomes}
    assert status == {(c, n): s for c in ("X1", "X2") for n, s in
                      (("t_ok", "ok"), ("t_crash", "error"), ("t_hang", "timeout"), ("t_error", "error"))}
    crash = next(o for o in outcomes if o.check == "t_crash")
    assert "RuntimeError" in (crash.error or "")
    assert sorted(seen)[-1] == (8, 8)
    x1_ok = next(o for o in outcomes if o.site_code == "X1" and o.check == "t_ok")
    assert (x1_ok.created, x1_ok.resolved) == (1, 1)
    with sessions() as s:
        open_ = {(v.site_code, v.check, v.kind) for v in open_findings(s)}
        assert open_ == {("X1", "t_ok", "thing"), ("X2", "t_ok", "thing"), ("X1", "t_error", "old")}
        runs = s.scalars(select(CheckRun)).all()
        assert len(runs) == 8
        assert {r.status.value for r in runs if r.check == "t_hang"} == {"timeout"}
    frame = store.query(Query("inspection", "open_findings", AS_OF - timedelta(minutes=1), AS_OF + timedelta(minutes=1),
                              agg="sum", group_by=("site", "check")))
    got = {(r.site, r.check): r.value for r in frame.itertuples()}
    assert got[("X1", "t_ok")] == 1 and got[("X1", "t_error")] == 1 and got[("X2", "t_error")] == 0
    crit = store.query(Query("inspection", "critical", AS_OF - timedelta(minutes=1), AS_OF + timedelta(minutes=1),
                             agg="sum"))
    assert crit["value"].tolist() == [2]


def test_unknown_names(migrated_db: Any) -> None:
    _, sessions = migrated_db
    with pytest.raises(InspectionError, match="未知的检查项：nope"):
        InspectionRunner(Config(), sessions, None, checks=["availability", "nope"], rules=Rules(source="t"))
    runner = InspectionRunner(Config(), sessions, None, checks=["availability"], rules=Rules(source="t"))
    with transaction(sessions) as s:
        seed_sites(s, {"X1": "http://127.0.0.1:1/"})
    with pytest.raises(InspectionError, match="未登记的网站标识码：Z9"):
        runner.targets(["X1", "Z9"])
    (target,) = runner.targets(["X1"])
    assert (target.city_code, target.columns[0].kind) == ("430100", "news")


class UndeclaredCheck(_Fake):
    """Declares what it says, then says something else: the screens could not label it."""

    name = "t_undeclared"
    kinds: ClassVar[tuple[str, ...]] = ("thing",)
    evidence_keys: ClassVar[tuple[str, ...]] = ("pages",)

    async def run(self, target: SiteTarget, as_of: datetime, timeout: float) -> CheckResult:
        found = (FindingDraft(self.name, "thing", target.url, Severity.LOW, "测试", {"pages": 1, "secret": 2}),
                 FindingDraft(self.name, "new_kind", target.url, Severity.LOW, "测试"))
        return CheckResult(self.name, target.code, as_of, found)


def test_a_result_with_an_undeclared_kind_or_evidence_key_is_a_bug_of_the_check(migrated_db: Any) -> None:
    _, sessions = migrated_db
    CHECKS.register(UndeclaredCheck.name)(UndeclaredCheck)
    try:
        with transaction(sessions) as s:
            seed_sites(s, {"X1": "http://127.0.0.1:1/"})
        runner = InspectionRunner(Config(), sessions, None, checks=[UndeclaredCheck.name], rules=Rules(source="t"),
                                  clock=FixedClock(AS_OF))

        async def go() -> list[Any]:
            try:
                return await runner.run(None, AS_OF, write_metrics=False)
            finally:
                await runner.aclose()

        (outcome,) = asyncio.run(asyncio.wait_for(go(), 30))
    finally:
        CHECKS._kinds.pop(UndeclaredCheck.name, None)
    assert outcome.status == "error"
    assert "kind new_kind" in (outcome.error or "") and "evidence key secret" in (outcome.error or "")
    with sessions() as s:
        assert open_findings(s) == []  # nothing the screens could not label was stored
