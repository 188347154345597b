"""Findings carry what hostile sites put in their pages (found by the fuzz suite): a NUL in a detail, a lone
surrogate from an undecodable attachment in a location, NaN in the evidence. PostgreSQL refused them
(traceback), SQLite and the JSON output choked on surrogates; now they are stored cleaned on both."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import seed_nodes
from db.models import CheckRun, RunStatus, Site, SiteLevel
from inspection.base import CheckResult, FindingDraft, Severity
from inspection.findings import open_findings, record_run, save_result
from inspection.report import json_document

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_hostile_text_and_evidence_are_stored_clean(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
        site = Site(code="4301000001", name="长沙", url="https://www.changsha.gov.cn/", level=SiteLevel.CITY_PORTAL,
                    node_code="430100")
        s.add(site)
        s.flush()
        sid = site.id
    draft = FindingDraft("content_errors", "banned_word", "https://a.gov.cn/\udcff.pdf", Severity.HIGH,
                         "附件中出现“赌\x00场”", evidence={"text\x00": "赌\udcc8场", "ratio": float("nan"),
                                                        "n": [float("inf"), 1, "\x00"]})
    with fac.begin() as s:
        save_result(s, sid, CheckResult("content_errors", "4301000001", NOW, (draft,)), NOW)
        record_run(s, sid, "content_errors", as_of=NOW, started_at=NOW, finished_at=NOW, status=RunStatus.ERROR,
                   error="解析失败：\udcff\x00", stats={"pages": float("nan")})
    with fac() as s:
        (v,) = open_findings(s)
        run = s.query(CheckRun).one()
    assert v.location == "https://a.gov.cn/\ufffd.pdf" and v.detail == "附件中出现“赌场”"
    assert dict(v.evidence) == {"text": "赌\ufffd场", "ratio": None, "n": [None, 1, ""]}
    assert run.error == "解析失败：\ufffd" and run.stats == {"pages": None}
    out = json.dumps(json_document(NOW, [v.as_dict()], [], {}, []), ensure_ascii=False).encode("utf-8")
    assert json.loads(out)["findings"][0]["location"] == "https://a.gov.cn/\ufffd.pdf"
    # The same finding seen again is the same finding (its identity is computed from the cleaned text).
    with fac.begin() as s:
        plan = save_result(s, sid, CheckResult("content_errors", "4301000001", NOW, (draft,)), NOW)
    assert not plan.created and len(plan.updated) == 1


def test_a_kind_longer_than_its_column_is_our_error(migrated_db: tuple[str, sessionmaker[Session]]) -> None:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
        site = Site(code="4301000001", name="长沙", url="https://x.cn/", level=SiteLevel.CITY_PORTAL,
                    node_code="430100")
        s.add(site)
        s.flush()
        with pytest.raises(ValueError, match="kind is at most 48"):
            save_result(s, site.id, CheckResult("c", "4301000001", NOW, (
                FindingDraft("c", "k" * 49, "https://x.cn/", Severity.LOW, "d"),)), NOW)
