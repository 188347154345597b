"""Wording of the 运营中心 wall (/ops) and the score-sheet page (/ops/site/<code>)."""

from __future__ import annotations

WALL_TITLE = "运营中心"
WALL_HEADING = "运营中心 · 网站检查评分"
SHEET_TITLE = "评分表"

EXPORT_BUTTON = "导出检查情况通报（Excel）"
EXPORT_FILE = "检查情况通报-{period}-{scope}.xlsx"
EXPORT_DONE = "已导出 {period} 检查情况通报（{n} 个网站，评分快照）"
EXPORT_NONE = "{period} 尚无评分结果，无可导出的通报"
EXPORT_NO_PERIOD = "尚无评分结果，无可导出的通报"
EXPORT_DENIED = "大屏令牌不能导出，请登录后导出"
NO_SCORES = "本期尚无评分结果，请运行 score run"
NO_SCORES_PERIOD = "{period} 尚无评分结果，请运行 score run --period {period}"
BAD_PERIOD = "地址中的期次“{text}”无法识别：{error}（应为 2026Q4 或 2026H2）"
PERIOD_LINE = "{label}（{code}）· 评分于 {computed}{age}"
PERIOD_FROZEN = " · 已封存"
PERIOD_OPEN = " · 本期未结束，分数随每次评分更新"
STALE = "（评分结果已 {days} 天未更新，请运行 score run）"
AGE_DAYS = "，{days} 天前"

KPI_SITES = "参评网站"
KPI_PASS_RATE = "合格率"
KPI_AVERAGE = "平均分"
KPI_FAILED = "不合格"
KPI_UNDETERMINED = "无法判定"
UNIT_SITES = "个"
UNIT_POINTS = "分"

MAP_PANEL = "各市州合格率"
MAP_HOVER = ("{name}<br>网站 {sites} 个：合格 {passed}、不合格 {failed}、无法判定 {undetermined}<br>"
             "合格率 {rate}　平均分 {avg}")
MAP_NOTE = "合格率 = 合格 ÷（合格 + 不合格），无法判定不计；平均分只计有分数的网站（否决网站不计 0 分）"
TREND_PANEL = "历期趋势（{kind}，共 {n} 期）"
TREND_ONE = "仅 1 期有评分结果：一个点，不成趋势"
TREND_RATE = "合格率 %"
TREND_AVERAGE = "平均分"
KIND_QUARTER = "季度"
KIND_HALF = "半年"

CITY_RANK_PANEL = "市州排名"
COUNTY_RANK_PANEL = "县市区门户排名"
DEPT_RANK_PANEL = "省直部门排名"
VETO_PANEL = "本期单项否决"
CLOSEST_PANEL = "临近不合格"
NO_ROWS = "暂无"
NO_VETOES = "本期无单项否决"

COL_RANK = "名次"
COL_CITY = "市州"
COL_SITE = "网站"
COL_SITES = "网站数"
COL_PASS_RATE = "合格率"
COL_AVERAGE = "平均分"
COL_SCORE = "得分"
COL_GRADE = "结论"
COL_ITEM = "否决项"
COL_REASON = "原因"
COL_RISK = "临近否决项"

PROVINCE_LEVEL = "省本级"
DASH = "—"

# score sheet
SHEET_HEADING = "{name} · 评分表"
SHEET_NONE = "该网站尚无评分结果，请运行 score run"
SHEET_PERIOD_MISSING = "该网站 {period} 尚无评分结果"
SHEET_FACTS = ("期次", "得分", "结论", "扣分合计", "加分", "指标版本", "参照日期", "评分时间", "签核")
SHEET_INDICATORS = "扣分指标"
SHEET_INDICATOR_COLUMNS = ("分组", "指标", "分值", "扣分", "明细")
SHEET_LINE = "{note}：扣 {charged} 分（{status}）"
SHEET_VETOES = "单项否决"
SHEET_VETO_COLUMNS = ("否决项", "原因", "依据")
SHEET_NO_VETO = "无单项否决"
SHEET_BONUS = "加分项"
SHEET_BONUS_COLUMNS = ("加分项", "分值", "计入", "状态", "说明", "依据")
SHEET_NO_BONUS = "无加分项"
SHEET_UNDETERMINED = "无法判定的原因"
SHEET_HISTORY = "历期得分"
SHEET_HISTORY_COLUMNS = ("期次", "修订", "得分", "结论", "评分时间", "封存")
SHEET_PROVISIONAL = "暂定"
SHEET_PROVISIONAL_SUMMARY = "本表用到 {n} 项暂定的指标或阈值（标“暂定”）"
SHEET_PROVISIONAL_NOTE = "标“暂定”的指标或阈值尚无正式依据，为可配置的暂定值：{items}"
SOURCE_FINDING = "问题 #{id}"
SOURCE_ENTRY = "人工条目 #{id}"
SOURCE_ENTRY_NOTE = "人工条目 #{id}（{by}：{note}）"
SOURCE_GONE = "{source}（已不存在）"
SIGNOFF = {"unsigned": "未签核", "signed": "已签核（{by}，{at}）",
           "changed": "签核后已变更（{by}，{at} 签核；其后 {n} 项变更）"}
SHEET_BASIS_OPEN = "得分、结论与扣分明细为 {computed} 的评分快照（本期未结束，每次评分更新）；签核为当前状态。"
SHEET_BASIS_FROZEN = "得分、结论与扣分明细为 {computed} 封存的评分快照（本期已结束）；签核为当前状态。"
SHEET_PENDING = "评分之后又有 {n} 项核验变更，尚未计入上面的分数（下次评分时计入）：{what}"
SHEET_PENDING_FROZEN = "封存之后又有 {n} 项核验变更，未计入封存的分数（需重新评分）：{what}"
FROZEN_YES = "是"
FROZEN_NO = "否"
BACK_OPS = "返回运营中心"
SITE_PAGE_LINK = "网站详情"
