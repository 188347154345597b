"""The operations center's scoring wording (inspection/scoring.py, ``score explain``), in Simplified Chinese."""

from __future__ import annotations

GRADE = {"pass": "合格", "fail": "不合格", "undetermined": "无法判定"}

# Veto item rules as scored from a facts file, with the values used.
VETO_RULE = {
    "unreachable": "近 {days} 天每天至少 {per_day} 次探测，超过 {seconds} 秒未打开即为失败，"
                   "失败次数占比 ≥ {pct} 即单项否决",
    "homepage_stale": "首页超过 {days} 天无新信息即单项否决",
    "columns_stale": "要闻动态超过 {news} 天、通知公告和政策文件一级栏目超过 {notice} 天未更新，"
                     "合计 ≥ {n} 个即单项否决",
    "columns_long_stale": "应更新栏目长期未更新（要闻 {news} 天、一级通知公告与政策文件 {notice} 天、其他 {long} 天）"
                          "≥ {n} 个即单项否决",
    "columns_blank": "空白栏目 ≥ {n} 个即单项否决",
    "serious_errors": "严重错误、安全泄密事件，由检查人员核实后录入",
    "poor_interaction": "无有效的网上咨询建言渠道（信访、纪检举报不计），"
                        "或近 {lookback} 天内咨询类留言超过 {days} 天未答复，即单项否决",
    "services": "服务不实用，由检查人员核实后录入",
}
VETO_REASON = {
    "unreachable": "近 {days} 天共探测 {total} 次，失败 {failed} 次（{pct}），达到 {limit} 的否决线",
    "unreachable_ok": "近 {days} 天共探测 {total} 次，失败 {failed} 次（{pct}），低于 {limit}",
    "insufficient": "数据不足（已有 {have}/{need} 次监测），暂不判定",
    "homepage_stale": "首页最新信息发布于 {newest}，已 {age} 天未更新（规定 {days} 天）",
    "homepage_undated": "首页没有可识别发布日期的信息（无日期视为未更新）",
    "homepage_ok": "首页最新信息发布于 {newest}，{age} 天前",
    "homepage_unknown": "首页没有可识别发布日期的信息，未判定",
    "columns": "{n} 个栏目：{names}（否决线 {limit} 个）",
    "no_channel": "没有有效的网上咨询建言渠道（现有渠道：{kinds}）",
    "unanswered": "{n} 条留言超过 {days} 天未答复，最早一条留言于 {oldest}",
    "interaction_ok": "有效渠道 {channels} 个；近 {lookback} 天留言 {messages} 条，无超过 {days} 天未答复",
    "manual": "人工录入：{notes}",
    "manual_none": "未录入（此项只依据人工核验录入）",
}
NONE = "无"
STATUS = {"breached": "单项否决", "ok": "未触发", "insufficient": "数据不足", "unknown": "未判定"}

DEDUCTION_NOTE = {
    "policy_column_stale": "政策文件一级栏目“{name}”{what}（规定 {days} 天内更新）",
    "service_statistics_stale": "办事统计{what}（规定 {days} 天内更新）",
    "message_replies_stale": "留言答复{what}（规定 {days} 天内更新）",
    "dead_link_homepage": "首页不可用链接 {n} 个",
    "dead_link_page": "其他页面不可用链接 {n} 个",
}
NEWEST = "最近更新于 {newest}，已 {age} 天未更新"
NEVER = "从未更新（空白）"
LINE_STATUS = {"charged": "扣分", "capped": "已达指标分值上限", "duplicate": "同一问题已在“{other}”扣分",
               "not_assessed": "不考核（无对外服务的部门网站不考核办事服务指标）",
               "not_applicable": "该指标不适用于此类网站"}
BONUS_NOTE = {"survey_activities": "近 {days} 天开展调查征集活动 {n} 次（要求不少于 {min} 次）"}
BONUS_STATUS = {"scored": "已计分", "not_portal": "加分项只适用于门户网站",
                "not_above": "扣分部分 {part} 分未高于 {limit} 分，不计加分", "vetoed": "单项否决，不计分"}
BONUS_CAPPED = "已达加分上限"

MEDIA_NO_UPDATE = "最近一次发布于 {last}，已 {days} 天未更新（超过 {limit} 天即单项否决）"
MEDIA_UNANSWERED = "最早一条未回复留言收到于 {since}，已 {days} 天未回复（超过 {limit} 天即单项否决）"
MEDIA_NOT_JUDGED = "事实文件未给出 unanswered_since，留言长期未回复未判定"

# Facts entries that do not fit the indicator table.
ENTRY_ERROR = {
    "unknown_indicator": "没有这个扣分指标 {code!r}（指标表 {version}）",
    "not_for_site": "指标“{name}”不适用于{site}",
    "services_not_assessed": "该网站无对外服务，不考核办事服务指标“{name}”",
    "unknown_bonus": "没有这个加分项 {code!r}（指标表 {version}）",
    "bonus_not_portal": "加分项只适用于门户网站",
}
SITE_TYPE = {"portal": "门户网站", "department": "部门网站"}

# CLI (score explain) and its table format.
CLI = {
    "explain": "根据事实文件为一个网站评分并逐项说明依据（审计与模拟测算）",
    "facts": "事实文件（.yaml 或 .json）",
    "as_of": "监测时间点（YYYY-MM-DD），所有回溯期从此日起算",
    "format": "输出格式：json 或 table（默认 table）",
    "indicators": "指标表文件（默认 data/inspection/indicators.toml）",
    "rules": "检查规则文件（默认 data/inspection/rules.toml，单项否决阈值）",
    "bad_date": "日期格式错误：--as-of {value!r}，应为 YYYY-MM-DD，例如 2026-12-31",
    "facts_error": "事实文件有 {n} 处错误，未评分：",
    "table_error": "指标表错误：{error}",
    "rules_error": "检查规则文件错误：{error}",
}
TABLE = {
    "title": "网站评分说明（监测时间点 {as_of}，指标表版本 {version}）",
    "site": "网站类型：{site}{services}",
    "no_services": "（无对外服务：扣分部分满分 {max} 分，折算 ×{scale}）",
    "grade": "等级：{grade}　得分：{score}",
    "score_none": "不计分",
    "veto_head": "单项否决",
    "deduction_head": "扣分指标（扣分合计 {total}，扣分部分得分 {part}）",
    "deduction_not_scored": "扣分指标：存在单项否决，不计分",
    "indicator": "  {group}／{name}（{points} 分）：扣 {deducted} 分",
    "indicator_na": "  {group}／{name}：不考核",
    "line": "    - {note}：{status} {charged} 分〔来源：{source}〕",
    "bonus_head": "加分项（加分合计 {total}）：{status}",
    "bonus_line": "  - {name}：+{charged} 分（{note}）〔来源：{source}〕",
    "media_head": "政务新媒体",
    "media_line": "  {platform}（new_media[{index}]）：{verdict}",
    "media_veto": "    - {rule}：{reason}",
    "undetermined": "待定项：{items}",
    "provisional": "暂定值（可在指标表中修改）：{n} 项",
}

# score run: veto items from the platform's verdict (inspection/veto.py), lines traced to findings
PLATFORM_VETO = {
    "breached": "{name}：{count} 项问题达到阈值（{threshold}）",
    "at_risk": "{name}：未触发，但有预警问题（{days} 天后可能触发）",
    "ok": "{name}：未触发",
    "insufficient": "{name}：数据不足 {have}/{need}，暂不判定",
    "unknown": "{name}：相关检查尚未成功运行，无法判定",
}
# A breached item in its own words: what ``count`` and ``threshold`` mean differs per item (inspection/veto.py).
PLATFORM_VETO_BREACHED = {
    "unreachable": "{name}：近一周 {count} 次探测失败，失败比例达到否决线 {threshold:.0%}",
    "homepage_stale": "{name}：首页超过 {threshold:g} 天没有新信息",
    "columns_stale": "{name}：{count} 个栏目未按时更新（否决线 {threshold:g} 个）",
    "columns_long_stale": "{name}：{count} 个应更新栏目长期未更新（否决线 {threshold:g} 个）",
    "columns_blank": "{name}：{count} 个空白栏目（否决线 {threshold:g} 个）",
    "serious_errors": "{name}：{count} 处严重错误或安全问题",
    "poor_interaction": "{name}：无有效互动渠道，或有留言超过 {threshold:g} 天未答复",
    "services": ("{name}：办事指南要素缺失、在线服务不可用或办事指南栏目无内容，达到否决条件"
                 "（要素缺失的指南 {count} 个）"),
}
PLATFORM_VETO_RULE = "由巡检问题判定（inspection/veto.py，阈值见 rules.toml [veto]）"
FOUND_NOTE = "{name}：{detail}（问题 #{id}）"
DEAD_LINK_NOTE = "不可用链接 {n} 个"
EXTERNAL_SERVICES_GUESS = "部门网站未登记办事类栏目，按无对外服务计（4/3 规则）"
MEDIA_UNKNOWN = "账号 {account} 尚无采集到的最近发布时间或互动状态，未判定"
RUN = {
    "start": "评分 {period}（{label}）：监测时间点 {as_of}，{state}，指标表 {version}",
    "open": "周期未结束，结果为当前评分（每次重算覆盖）",
    "closed": "周期已结束，本次结果将冻结",
    "progress": "已评分 {done}/{total}（{rate:.0f} 个/秒）",
    "done": ("完成：{n} 个网站，合格 {passed}，不合格 {failed}，无法判定 {undetermined}，拒绝 {refused}，"
             "用时 {secs:.1f} 秒"),
    "frozen_refused": ("周期 {period} 已冻结（{n} 个网站已有冻结结果），"
                       "如需重新评分请加 --rescore（保留历史，新增修订）"),
    "not_started": "周期 {period} 尚未开始（{start} 起）",
    "no_sites": "范围内没有启用的网站",
    "refused_site": "网站 {site} 的人工条目不符合指标表，未评分：{errors}",
    "no_snapshot": "没有评分结果（先运行 score run --period {period}）",
    "bad_site": "没有这个网站：{site}",
    "show_header": "周期\t修订\t监测时间点\t得分\t结论\t单项否决\t冻结\t指标表",
    "exported": "已导出：{path}",
    "export_kind": "导出文件应以 .xlsx 或 .pdf 结尾：{path}",
}
# the scheduled scoring (collectors/kinds/scoring.py)
COLLECTOR_LABEL = "周期评分"
RUN_MEASUREMENT = "周期评分运行"
RUN_FIELDS = {"scored": "本期评分网站数", "frozen": "冻结网站数", "failed": "评分失败网站数",
              "refused": "人工条目不符未评分网站数"}
