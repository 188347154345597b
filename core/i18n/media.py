"""Operator-facing wording of government new media (政务新媒体), in Simplified Chinese, kept in one place."""

from __future__ import annotations

# Account registry import (row errors use core/i18n/registry.py's ROW_ERROR / IMPORT_FAILED).
BAD_PLATFORM = "未知的平台“{value}”，应为 {allowed}"
BAD_ACCOUNT_ID = "账号标识“{value}”不能含空白字符"
DUPLICATE_ACCOUNT = "平台 {platform} 的账号 {value} 与第 {first} 行重复"
BAD_CREDENTIAL = "凭据引用“{value}”格式错误：应为 env:环境变量名 或 file:文件路径（不要填写密钥本身）"
IMPORT_REPORT = "新媒体账号：{report}"

# Account statistics import.
BAD_DATE = "日期“{value}”无法识别：应为 YYYY-MM-DD"
BAD_TIME = "时间“{value}”无法识别：应为 YYYY-MM-DD HH:MM[:SS]（北京时间）或带时区的 ISO 8601 时间"
BAD_COUNT = "“{value}”不是非负整数"
ANSWERED_OVER_RECEIVED = "已回复数 {answered} 大于收到的留言数 {received}"
UNKNOWN_ACCOUNT = "平台 {platform} 的账号 {value} 未登记（请先用 media import 导入账号）"
DUPLICATE_DAY = "账号 {value} 的日期 {day} 与第 {first} 行重复"
FUTURE_DAY = "日期 {day} 晚于今天"
STATS_REPORT = "账号统计：{accounts} 个账号，{rows} 行已导入"

# Adapters (platform APIs) and credentials.
CREDENTIAL_MISSING = "账号 {account}：未配置凭据引用（credential）"
CREDENTIAL_ENV_MISSING = "账号 {account}：凭据引用的环境变量 {name} 未设置"
CREDENTIAL_FILE_MISSING = "账号 {account}：凭据引用的文件 {path} 无法读取"
CREDENTIAL_BAD = "账号 {account}：凭据引用格式错误，应为 env:名称 或 file:路径"
CREDENTIAL_SHAPE = "账号 {account}：凭据内容格式错误，{platform}应为 {shape}"
API_TOKEN_EXPIRED = "{platform}接口：访问令牌已过期或无效（错误码 {code}）"
API_RATE_LIMITED = "{platform}接口：调用频率超限（错误码 {code}），稍后重试"
API_ERROR = "{platform}接口返回错误（错误码 {code}：{message}）"
API_HTTP = "{platform}接口：HTTP {status}"
API_UNREACHABLE = "{platform}接口无法连接：{detail}"
API_BAD_RESPONSE = "{platform}接口返回的内容无法识别：{detail}"
NO_ADAPTER = "{platform}没有接口采集，请导入账号统计数据"

# Rules (national new-media veto items, spec §5).
VERDICT = {
    "not_collected": "未采集",
    "ok": "合格",
    "veto": "不合格（单项否决）",
    "warning": "预警",
}
RULE = {
    "no_update": "两周未更新",
    "no_interaction": "无有效互动功能",
    "unanswered": "留言长期未回复",
}
NO_UPDATE_VETO = "最近一次发布于 {last}，已 {days} 天未更新（超过 {limit} 天即单项否决）"
NO_UPDATE_NEVER = "没有任何发布记录"
NO_UPDATE_WARN = "最近一次发布于 {last}，再过 {left} 天未更新将单项否决"
NO_INTERACTION = "评论、留言等互动功能均未开放"
UNANSWERED_VETO = "{count} 条留言未回复，最早一条收到于 {oldest}，已超过 {limit} 天"
UNANSWERED_WARN = "{count} 条留言未回复，最早一条收到于 {oldest}，再过 {left} 天将超过 {limit} 天"
NOT_JUDGED = "{what}：数据不足，未判定"
# Findings (newmedia/findings.py) as alert rules and screens name them: check and kind values.
CHECK_LABEL = {"new_media": "政务新媒体"}
FINDING_KIND = {
    "media_no_update_veto": "两周未更新（单项否决）",
    "media_no_interaction_veto": "无有效互动功能（单项否决）",
    "media_unanswered_veto": "留言长期未回复（单项否决）",
    "media_no_update_warning": "即将两周未更新",
    "media_unanswered_warning": "留言即将超期未回复",
}
NOT_JUDGED_WHAT = {
    "no_update": "发布时间",
    "no_interaction": "互动功能是否开放",
    "unanswered": "留言回复情况",
}

# CLI.
LIST_HEADER = "平台\t账号标识\t名称\t区划\t主办单位\t状态\t最近发布\t判定"
LIST_EMPTY = "尚未登记新媒体账号"
LIST_SINCE = "（自 {at} 起，已 {days} 天）"
LIST_WARN_SINCE = "，自 {at} 起预警"
COLLECTOR_LABEL = "新媒体账号采集"
RULES_COLLECTOR_LABEL = "新媒体否决项判定"
MEASUREMENT_LABEL = "政务新媒体"
EVENT_UNKNOWN_ACCOUNT = "发布事件：平台 {platform} 的账号 {value} 未登记"
EVENT_BAD_TIME = "发布事件：发布时间必须带时区"

# Wall (/media).
WALL_TITLE = "新媒体"
WALL_HEADING = "政务新媒体运维"
WALL_ACCOUNTS = "登记账号"
WALL_VETOES = "单项否决"
WALL_AT_RISK = "即将否决"
WALL_NOT_COLLECTED = "未采集"
WALL_BY_PLATFORM = "各平台账号"
WALL_RISK_TABLE = "问题与预警"
WALL_NO_RISK = "暂无问题账号"
WALL_COLUMNS = {"platform": "平台", "name": "账号", "organizer": "主办单位", "rule": "问题", "verdict": "判定",
                "days_left": "剩余天数", "since": "已持续", "age": "数据时间"}
HELD_MINUTES = "{n} 分钟"
HELD_HOURS = "{n} 小时"
HELD_DAYS = "{n} 天"
WALL_DAYS_LEFT = "{days} 天"
WALL_STALE = "数据已 {age} 未更新"
WALL_PROVISIONAL = "留言未回复期限（{days} 天）为暂定值，可在配置 [newmedia] unanswered_days 中修改"
WALL_UNIT = "个"
WALL_NOT_JUDGED = "数据不足"
AGE_SECONDS = "{n} 秒前"
AGE_MINUTES = "{n} 分钟前"
AGE_HOURS = "{n} 小时前"
AGE_DAYS = "{n} 天前"
