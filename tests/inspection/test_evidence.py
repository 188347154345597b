"""A finding's evidence in words (inspection/evidence.py): every key labelled in Chinese, values plain,
one line, bounded; the findings real checks produce read as a summary a wall can show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.i18n.inspection import EVIDENCE_LABEL
from inspection import evidence as E
from inspection.base import CHECKS, ColumnTarget, FindingDraft, SiteTarget
from inspection.catalog import load_checks
from inspection.checks import availability, defacement, identity, interaction
from inspection.evidence import EvidenceLine

SITE = "http://www.demo.gov.cn/"
TARGET = SiteTarget("4301000001", "示范市人民政府", SITE, "city_portal", "430100", "430100")
AS_OF = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
CN = ZoneInfo("Asia/Shanghai")  # web.timezone's default: the zone every screen passes


def evidence_summary(evidence: Any, **kw: Any) -> str:
    return E.evidence_summary(evidence, tz=kw.pop("tz", CN), **kw)


def evidence_full(evidence: Any, **kw: Any) -> str:
    return E.evidence_full(evidence, tz=kw.pop("tz", CN), **kw)


def evidence_lines(evidence: Any, **kw: Any) -> list[EvidenceLine]:
    return E.evidence_lines(evidence, tz=kw.pop("tz", CN), **kw)


def value_text(key: str, v: Any, **kw: Any) -> str:
    return E.value_text(key, v, tz=kw.pop("tz", CN), **kw)


HIDDEN = ('<html><body><p>示范市</p><a href="http://www.hg-yulecheng.example/" '
          'style="position:absolute;left:-9999px">皇冠娱乐城</a></body></html>')


def test_a_hidden_link_shows_its_domain_how_it_hides_and_its_text() -> None:
    findings, _ = defacement.judge(SITE, SITE, HIDDEN, None, defacement.Settings())
    (hidden,) = [f for f in findings if f.kind == "hidden_link"]
    summary = evidence_summary(hidden.evidence)
    assert summary == "域名 www.hg-yulecheng.example；隐藏方式 left:-9999px；锚文本 皇冠娱乐城；疑似赌博色情 是"
    assert f"所在页面：{SITE}" in evidence_full(hidden.evidence)


def test_drift_shows_before_and_after() -> None:
    ev = {"distance": 0.62, "threshold": 0.3, "digest": "b" * 40, "baseline_digest": "a" * 40,
          "new_foreign_sources": ["https://evil.example/x.js"], "added": ["div.banner", "script"],
          "removed": ["section.news", "ul.list", "li", "h2"], "added_resources": ["script|evil.example/x.js"],
          "removed_resources": []}
    summary = evidence_summary(ev)
    assert summary.startswith("新增外部资源 https://evil.example/x.js；页面变化 62.0%；新增内容 div.banner、script；")
    full = evidence_full(ev)
    assert "移除内容：section.news、ul.list、li、h2" in full
    assert "移除内容 section.news、ul.list、li等 4 项" in evidence_summary(ev, max_items=6)
    assert f"基线页面指纹：{'a' * 40}" in full and "否决线：30.0%" in full


def test_availability_evidence_reads_the_coverage_as_one_line() -> None:
    tally = availability.ProbeTally(total=5, failed=5, days=((0, 0),) * 6 + ((5, 5),))
    drafts = availability.judge(tally, availability.Settings(), TARGET, AS_OF - timedelta(days=7), AS_OF)
    early = next(d for d in drafts if d.kind == "probe_failures")
    assert evidence_summary(early.evidence) == ("失败比例 100.0%；失败次数 5 次；探测次数 5 次；"
                                                "计入监测 5/140 次（0/7 天满足）")
    coverage = next(d for d in drafts if d.kind == "probe_coverage")
    full = evidence_full(coverage.evidence)
    assert "统计截止：2026-11-28 00:00" in full  # 北京时间, not the stored UTC
    assert "监测不足的日子：11-21 起 0 次、11-22 起 0 次、11-23 起 0 次、11-24 起 0 次" in full
    assert "规则要求监测：140 次" in full and "满足要求天数：0 天" in full
    assert "监测不足的日子" not in evidence_summary(coverage.evidence)


def test_identity_and_certificate_evidence() -> None:
    ident = identity.Identity("4301000002", "", "湘ICP备05001234号", "", "footer")
    (mismatch, no_psb) = identity.identity_findings(ident, TARGET, SITE)
    assert mismatch.kind == "site_code_mismatch"
    assert evidence_summary(mismatch.evidence).startswith(
        "页面标识码 4301000002；登记标识码 4301000001；ICP备案号 湘ICP")
    assert no_psb.kind == "missing_psb"
    expired = identity.tls_findings(SITE, AS_OF - timedelta(days=5), AS_OF, True, "", 30)[0]
    assert evidence_summary(expired.evidence) == "原因 证书已过期；证书到期 2026-11-23 00:00；剩余天数 -5 天"


def test_interaction_and_column_evidence() -> None:
    from inspection.checks.interaction import Message

    col = ColumnTarget("领导信箱", "consultation", SITE + "ldxx/")
    msg = Message(SITE + "ldxx/1.html", "关于小区停水的咨询", date(2026, 7, 1), None, False)
    (late,) = interaction.judge_messages([msg], col, date(2026, 11, 27), interaction.Settings())
    assert evidence_summary(late.evidence) == ("留言标题 关于小区停水的咨询；留言日期 2026-07-01；已等待 149 天；"
                                               "答复时限 90 天")
    ev = {"kind": "news", "column": "要闻动态", "window_days": 14, "group": "a", "newest_date": "2026-10-01",
          "newest_title": "示范市召开常务会议", "days_since_update": 57}
    assert evidence_summary(ev) == "最新发布 2026-10-01；最新信息 示范市召开常务会议；未更新天数 57 天；栏目 要闻动态"
    full = evidence_full(ev)
    assert "栏目类型：要闻动态" in full and "否决计数类别：(a) 要闻动态、通知公告、政策文件" in full


def test_dead_link_error_is_said_once_in_words() -> None:
    ev = {"error": "404", "status": 404, "error_zh": "HTTP 404", "pages": [SITE + "a.html"], "page_count": 1,
          "anchor_text": "办事指南", "tags": ["a"], "on_homepage": False, "detail": ""}
    assert evidence_summary(ev) == "状态码 HTTP 404；错误 HTTP 404；链接文字 办事指南；出现页面 1 页"
    assert "引用方式：链接" in evidence_full(ev)
    assert value_text("error", "dns") == "域名无法解析"


def test_content_error_hits() -> None:
    ev = {"matched": "张三省长", "expected": "李四省长", "context": "……会上，张三省长强调……", "count": 2,
          "hits": [{"matched": "张三省长", "expected": "李四省长", "context": "a"},
                   {"matched": "某某", "expected": "", "context": "b"}], "dictionary_version": "2026.1"}
    assert evidence_summary(ev) == "错误表述 张三省长；应为 李四省长；上下文 ……会上，张三省长强调……；出现次数 2 处"
    assert "全部命中：“张三省长”应为“李四省长”、“某某”" in evidence_full(ev)


def test_near_miss_evidence_in_words() -> None:
    ev = {"matched": "湘谭市", "expected": "湘潭市", "context": "近日，湘谭市召开", "count": 1,
          "hits": [{"matched": "湘谭市", "expected": "湘潭市", "context": "近日，湘谭市召开"}],
          "lexicon_version": "2026.1+abcd1234", "term_class": "division", "confusion": ["homophone", "lookalike"]}
    full = evidence_full(ev)
    assert "规范词类别：行政区划名称" in full and "疑似原因：同音字、形近字" in full
    assert "规范词表版本：2026.1+abcd1234" in full and "规范词表版本" not in evidence_summary(ev, max_items=9)


def test_hostile_values_stay_one_line_of_text_and_are_bounded() -> None:
    ev = {"text": "<script>alert(1)</script>\n\t<b>x</b>\x00", "context": "长" * 5000}
    summary = evidence_summary(ev, value_max=40)
    assert "\n" not in summary and "\x00" not in summary
    assert "锚文本 <script>alert(1)</script> <b>x</b>" in summary  # verbatim text; screens escape it
    full = evidence_full(ev)
    assert len(full) < 500 and full.splitlines()[0].endswith("…")  # one value is at most 400 characters
    many = {f"k{i}": "长" * 399 for i in range(20)}
    assert len(evidence_full(many)) == 3000 and evidence_full(many).endswith("…")
    assert evidence_summary({}) == "" and evidence_lines(None) == []


@pytest.mark.parametrize("name", sorted(load_checks()))
def test_every_declared_key_reads_under_its_chinese_label(name: str) -> None:
    check = CHECKS.get(name)
    for key in getattr(check, "evidence_keys", ()):
        (line,) = evidence_lines({key: "x"})
        assert line.label == EVIDENCE_LABEL[key] and line.text == "x"


def test_a_key_without_a_label_still_shows_as_other_never_in_english() -> None:
    assert evidence_summary({"brand_new": 3}) == "其他 3"
    assert evidence_full({"brand_new": {"deep_key": 1}}) == "其他：其他 1"


def test_times_read_in_the_zone_the_screen_passes() -> None:
    ev = {"not_after": "2026-11-23T16:00:00+00:00", "short_days": [{"day_start": "2026-11-20T16:00:00+00:00",
                                                                     "probes": 3}]}
    assert evidence_full(ev) == "证书到期：2026-11-24 00:00\n监测不足的日子：11-21 起 3 次"  # Beijing: next day
    assert evidence_full(ev, tz=UTC) == "证书到期：2026-11-23 16:00\n监测不足的日子：11-20 起 3 次"
    with pytest.raises(TypeError):
        E.evidence_full(ev)  # type: ignore[call-arg]  # no silent default zone


def _drafts() -> list[FindingDraft]:
    findings, _ = defacement.judge(SITE, SITE, HIDDEN, None, defacement.Settings())
    return findings


def test_every_draft_of_the_pure_judges_has_a_summary() -> None:
    tally = availability.ProbeTally(total=140, failed=70, days=((20, 10),) * 7)
    drafts: list[Any] = [*availability.judge(tally, availability.Settings(), TARGET, AS_OF - timedelta(days=7), AS_OF),
                         *_drafts(), *identity.identity_findings(identity.Identity("", "", "", "", ""), TARGET, SITE)]
    for d in drafts:
        assert evidence_summary(d.evidence), (d.kind, d.evidence)
