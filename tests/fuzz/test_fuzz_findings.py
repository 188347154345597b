"""Inspection findings under fuzz, on SQLite and PostgreSQL: a check's drafts carry whatever a hostile site
put in its pages (NUL bytes, lone surrogates from undecodable attachments, huge or non-finite numbers in
the evidence). Saving them either refuses the draft with our ValueError before writing anything, or
stores them; what is stored reads back as JSON-safe data, and the ``inspect --format json`` document made
from it is valid UTF-8 JSON that reads back equal."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.hunan import seed_nodes
from db.models import CheckRun, Finding, RunStatus, Site, SiteLevel
from inspection.base import CheckResult, FindingDraft, Severity
from inspection.findings import open_findings, record_run, save_result
from inspection.report import json_document
from tests.fuzz.support import fuzz, hostile_text, nested, scalar, surrogate_text

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
CHECK = "content_errors"
_tick = itertools.count(1)

text = st.one_of(hostile_text(30), surrogate_text, st.sampled_from(["", "错别字", "a" * 3000]))
evidence = st.dictionaries(st.one_of(hostile_text(10), surrogate_text), st.one_of(scalar, surrogate_text,
                                                                                  nested(max_leaves=6)), max_size=4)
sound_kind = st.sampled_from(["banned_word", "typo"])
sound_location = st.sampled_from(["https://a.gov.cn/1", "https://a.gov.cn/2"])
sound_severity = st.sampled_from(list(Severity))
draft = st.builds(FindingDraft, check=st.just(CHECK), kind=st.one_of(sound_kind, sound_kind, text),
                  location=st.one_of(sound_location, sound_location, text),
                  severity=st.one_of(*[sound_severity] * 4, st.sampled_from(["urgent", ""])),
                  detail=text, evidence=evidence, deadline=st.one_of(st.none(), st.dates()), veto=st.booleans())
OUR_REFUSALS = ("a finding needs a kind and a location", "is not a valid Severity", "kind is at most")


@pytest.fixture
def site(migrated_db: tuple[str, sessionmaker[Session]]) -> Iterator[tuple[sessionmaker[Session], int]]:
    _, fac = migrated_db
    with fac.begin() as s:
        seed_nodes(s)
        site = Site(code="4301000001", name="长沙市人民政府门户网站", url="https://www.changsha.gov.cn/",
                    level=SiteLevel.CITY_PORTAL, node_code="430100")
        s.add(site)
        s.flush()
        site_id = site.id
    yield fac, site_id


def _counts(fac: sessionmaker[Session]) -> tuple[int, int]:
    with fac() as s:
        return s.scalar(select(func.count(Finding.id))) or 0, s.scalar(select(func.count(CheckRun.id))) or 0


def _json_safe(v: Any) -> bool:
    """Plain JSON data: finite numbers, valid Unicode strings (no NUL), string keys."""
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, str):
        return "\x00" not in v and not any(0xD800 <= ord(c) <= 0xDFFF for c in v)
    if isinstance(v, list):
        return all(_json_safe(x) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _json_safe(k) and _json_safe(x) for k, x in v.items())
    return v is None or isinstance(v, bool | int)


@fuzz(120)
@given(st.lists(draft, max_size=4), st.dictionaries(hostile_text(8), scalar, max_size=3), text)
def test_drafts_are_stored_clean_or_refused(site: tuple[sessionmaker[Session], int], drafts: list[FindingDraft],
                                           stats: dict[str, Any], error: str) -> None:
    fac, site_id = site
    now = T0 + timedelta(minutes=next(_tick))
    before = _counts(fac)
    try:
        with fac.begin() as s:
            save_result(s, site_id, CheckResult(CHECK, "4301000001", now, tuple(drafts)), now)
            record_run(s, site_id, CHECK, as_of=now, started_at=now, finished_at=now, status=RunStatus.ERROR,
                       error=error, stats=stats, findings=len(drafts))
    except ValueError as exc:  # our refusal of a draft (no kind or location, an unknown severity), nothing written
        assert type(exc) is ValueError and any(r in str(exc) for r in OUR_REFUSALS), repr(exc)
        assert _counts(fac) == before
        return
    with fac() as s:
        rows = [v.as_dict() for v in open_findings(s, ["4301000001"])]
        runs = s.scalars(select(CheckRun).order_by(CheckRun.id.desc()).limit(1)).all()
    assert all(_json_safe(r) for r in rows) and all(_json_safe(r.stats) for r in runs)
    assert all(_json_safe(r.error or "") for r in runs)
    doc = json_document(now, rows, [], {"4301000001": "长沙"}, [])
    out = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")  # what `inspect --format json` prints
    assert json.loads(out) == json.loads(json.dumps(doc))
