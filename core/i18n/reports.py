"""Wording of the exported reports (reports/: Excel and PDF), in Simplified Chinese."""

from __future__ import annotations

GRADE_NONE = "不计分"  # a vetoed site: 不合格 and no score (never 0)
NO_VETO = "无"
NO_PROBLEM = "无"
UNDETERMINED_WHY = "无法判定：{reasons}"
PROBLEM_LINE = "{name}：{note}（扣 {charged} 分）"
PROBLEM_MEDIA = "政务新媒体{platform}：{reason}"
PERIOD_AS_OF = "监测时间点 {as_of}"

# 检查情况通报 (a period's results)
BULLETIN_TITLE = "{period} 政府网站检查情况通报"
BULLETIN_SHEET = "检查情况"
SUMMARY_SHEET = "市州汇总"
BULLETIN_HEAD = ("序号", "网站名称", "网站类型", "所属市州", "得分", "等级", "单项否决", "主要问题")
SUMMARY_TITLE = "{period} 各市州检查结果汇总"
SUMMARY_HEAD = ("市州", "网站数", "合格", "不合格", "无法判定", "合格率", "平均分", "计分网站数")
SUMMARY_TOTAL = "合计"
PASS_RATE_NOTE = ("合格率 = 合格数 ÷ 已判定网站数（无法判定的网站不计入）；平均分只计有得分的网站"
                  "（单项否决的网站不计分，不按 0 分计）。")
NOT_AVAILABLE = "—"
PROVINCE_LEVEL = "省本级"  # the province's own sites (portal, departments) in a city column
NO_SITES = "本期暂无网站评分结果"

# one site's score sheet
SHEET_TITLE = "{name} 评分表（{period}）"
SHEET_MAIN = "评分表"
SHEET_MANUAL = "人工录入"
SHEET_MEDIA = "政务新媒体"
SHEET_HISTORY = "历史得分"
IDENTITY = (("网站标识码", "code"), ("网站名称", "name"), ("网站类型", "type_label"), ("所属市州", "city"))
RESULT_FIELDS = ("等级", "得分", "扣分合计", "扣分部分得分", "加分合计", "指标表版本", "监测时间点")
VETO_HEAD = ("单项否决项", "结果", "说明", "依据（来源）")
VETO_STATUS = {"breached": "单项否决", "ok": "未触发", "insufficient": "数据不足", "unknown": "未判定"}
INDICATOR_HEAD = ("类别", "指标", "分值", "扣分", "扣分明细", "扣分状态", "来源")
INDICATOR_NOT_ASSESSED = "不考核"
INDICATOR_VETOED = "存在单项否决，扣分指标不计分"
BONUS_HEAD = ("加分项", "加分", "说明", "状态", "来源")
BONUS_STATUS = {"scored": "已计分", "not_portal": "加分项只适用于门户网站",
                "not_above": "扣分部分 {part} 分，未高于加分线，不计加分", "vetoed": "单项否决，不计分"}
LINE_STATUS = {"charged": "扣分", "capped": "已达指标分值上限", "duplicate": "同一问题已在“{other}”扣分",
               "not_assessed": "不考核", "not_applicable": "不适用"}
MANUAL_HEAD = ("类型", "指标／加分项", "分值", "计入", "说明", "来源")
MANUAL_KIND = {"deduction": "人工扣分", "bonus": "人工加分"}
NO_MANUAL = "无人工录入"
MEDIA_HEAD = ("平台", "序号", "结果", "单项否决", "未判定")
MEDIA_PASSED = {True: "合格", False: "不合格（单项否决）"}
NO_MEDIA = "事实中没有政务新媒体账号"
HISTORY_HEAD = ("期次", "得分", "等级")
NO_HISTORY = "暂无历史得分"
PROVISIONAL_NOTE = "暂定值 {n} 项（指标表中标为 provisional，可修改）：{keys}"
VERSION_NOTE = "指标表版本 {version}"
FOOTER = "{title}　指标表版本 {version}　{provisional}　第 {page} 页"
FOOTER_PROVISIONAL = "含暂定值 {n} 项（标“暂定值”者，清单见文末）"
FOOTER_FIRM = "无暂定值"
CHART_CITY = "各市州合格率与平均分"
CHART_PASS_RATE = "合格率（%）"
CHART_AVERAGE = "平均分"
CHART_DEDUCTIONS = "各指标扣分"
CHART_NO_DEDUCTIONS = "无扣分"
CHART_NO_DATA = "（无已判定的网站）"
CHART_POINTS = "分值"
CHART_DEDUCTED = "扣分"
CHART_VETOED = "存在单项否决，不计扣分"
PROVISIONAL_HEAD = "暂定值清单"

# errors
FONT_MISSING = ("找不到可嵌入 PDF 的中文字体（需要 TrueType 轮廓的 .ttf/.ttc 字体）。已尝试：{tried}。"
                "请安装 fonts-wqy-microhei（scripts/install-system-deps.sh），"
                "或用配置项 reports.pdf_font / 参数 --font 指定字体文件。")
FONT_TRIED = "{path}（{why}）"
FONT_NOT_FOUND = "文件不存在"
FONT_UNUSABLE = "无法使用：{error}"
SAVE_DIR_MISSING = "无法写入 {path}：目录 {parent} 不存在"
SAVE_IS_DIR = "无法写入 {path}：这是一个目录"
SAVE_FAILED = "无法写入 {path}：{error}"
BAD_EXPORT_SUFFIX = "导出文件 {path} 的扩展名应为 .xlsx 或 .pdf"
BAD_RESULT = "评分结果缺少字段 {key!r}（应为 inspection.scoring.to_dict 的输出）"
EXPORTING = "正在导出 {path} …"
EXPORTED = "已导出 {path}（{size} 字节）"

# score explain --export
CLI = {
    "export": "同时导出该网站的评分表：.xlsx（Excel）或 .pdf",
    "font": "PDF 嵌入的中文字体文件（TrueType .ttf/.ttc；默认配置项 reports.pdf_font，或系统的文泉驿微米黑）",
    "site_name": "评分表上的网站名称（默认取事实文件名）",
    "site_code": "评分表上的网站标识码",
    "city": "评分表上的所属市州",
}
