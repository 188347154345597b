"""Operator-facing wording of the yearly website report (政府网站工作年度报表), Simplified Chinese."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

# --- template loader ---
T_SYNTAX = "{file}：第 {line} 行：TOML 格式错误：{error}"
T_TOP = "{file}：{problem}"
T_FIELD = "{file}：第 {line} 行：字段 {key}：{problem}"
T_SECTION = "{file}：第 {line} 行：分节 {key}：{problem}"
P_VERSION = "缺少 version（模板版本，字符串）"
P_NO_SECTIONS = "至少需要一个 [[section]]"
P_NO_FIELDS = "至少需要一个 [[field]]"
P_MISSING = "缺少 {attr}"
P_NOT_TEXT = "{attr} 应为非空字符串"
P_BAD_KEY = "键名只能由小写字母、数字和下划线组成"
P_DUP = "与前面的键重复"
P_BAD_TYPE = "type 应为 {allowed} 之一，实际为 {got}"
P_BAD_SECTION = "section {got} 未在 [[section]] 中定义"
P_CHOICES = "choice/multi 类型需要非空的 choices 列表"
P_CHOICES_UNUSED = "只有 choice/multi 类型可以有 choices"
P_BAD_SOURCE = "source {got} 无法识别（见模板文件开头的说明）"
P_SOURCE_TYPE = "source {got} 给出的是 {want} 值，与 type {type} 不符"
P_SUM_REF = "sum 引用的字段 {ref} 不存在或不是 int 类型"
P_UNKNOWN_ATTR = "未知属性 {attrs}"

# --- values ---
V_INT = "{label}（{key}）应为非负整数，实际为 {value}"
V_BOOL = "{label}（{key}）应为 是/否（true/false），实际为 {value}"
V_DATE = "{label}（{key}）应为日期 YYYY-MM-DD，实际为 {value}"
V_CHOICE = "{label}（{key}）应为 {choices} 之一，实际为 {value}"
V_TEXT = "{label}（{key}）不能为空"
V_UNKNOWN_FIELD = "模板 {version} 中没有字段 {key}"
TRUE_WORDS = ("是", "有", "true", "yes", "1", "y")
FALSE_WORDS = ("否", "无", "false", "no", "0", "n")

# --- provenance ---
AUTO = "自动"
MANUAL = "手工填报"
MISSING = "未能取得"
STATUS = {"auto": AUTO, "manual": MANUAL, "missing": MISSING}
NEEDS_MANUAL = "平台无此数据，须手工填报"
MANUAL_NOTE = "{by} 于 {at} 手工填报"
MANUAL_OVER_AUTO = "；自动取得的值为 {auto}"
SUM_NOTE = "由 {parts} 相加"
SUM_MISSING = "由 {parts} 相加，其中 {missing} 未能取得"

SOURCE_LABEL: Mapping[str, str] = {
    "registry": "网站登记信息", "identity": "网站标识检查（页面底部）", "traffic": "访问日志",
    "columns": "已登记栏目列表", "messages": "咨询类栏目留言列表", "findings": "监测发现的问题",
    "newmedia": "新媒体账号登记", "sum": "合计", "manual": "手工填报",
}
LEVEL_TYPE: Mapping[str, str] = {
    "provincial_portal": "政府门户网站", "city_portal": "政府门户网站", "county_portal": "政府门户网站",
    "provincial_department": "部门网站", "city_department": "部门网站",
}
# gatherers: what each figure counted, or why it is missing
G_REGISTRY = "网站登记信息：{attr}"
G_REGISTRY_EMPTY = "网站登记信息中 {attr} 为空"
G_IDENTITY = "网站标识检查 {at} 在{where}读到"
G_IDENTITY_NONE = "网站标识检查尚未成功运行过，没有读到的页面底部信息"
G_IDENTITY_EMPTY = "网站标识检查 {at} 未在页面上读到{what}"
WHERE = {"footer": "页面底部", "page": "页面正文", "": "页面"}
G_TRAFFIC = "访问日志：{days}/{days_in} 天有日志数据（独立访客口径：{uv_rule}）"
G_TRAFFIC_PARTIAL = "访问日志：仅 {days}/{days_in} 天有日志数据，缺 {gap} 天，全年数值无法取得（已有天数合计 {value}）"
G_TRAFFIC_NONE = "{year} 年没有导入任何访问日志（traffic ingest）"
G_COLUMNS = "栏目 {names} 中日期在 {year} 年的条目共 {n} 条（读取 {pages} 页{undated}）"
G_COLUMNS_UNDATED = "，另有 {n} 条无日期未计入"
G_COLUMNS_NONE = "未登记 {kinds} 类栏目"
G_COLUMNS_FAILED = "栏目 {name} 无法读取：{error}"
G_COLUMNS_BOUND = "栏目 {name} 读到翻页上限 {pages} 页时条目仍在 {year} 年内，至少 {n} 条，全年数无法取得"
G_COLUMNS_NOT_READ = "未读取栏目（annual fill 加 --no-crawl 时不读取网站）"
G_MSG = "咨询类栏目 {names} 中 {year} 年的留言 {n} 条：已答复 {answered} 条，未答复 {open} 条，状态不明 {unknown} 条"
G_MSG_AVG = "{n} 条有留言和答复日期的留言，平均 {avg:.1f} 天"
G_MSG_AVG_NONE = "没有同时读到留言日期和答复日期的留言"
G_MSG_UNKNOWN = "{unknown} 条留言读不出是否已答复，办结数无法取得"
G_FINDINGS = "检查 {checks} 在 {year} 年发现的问题 {found} 个，其中 {fixed} 个已在年内整改（复查不再出现）"
G_FINDINGS_NO_RUN = "检查 {checks} 在 {year} 年没有成功运行过，无法统计"
G_MEDIA = "登记的 {platform} 账号 {n} 个"
G_MEDIA_NONE = "未登记本网站的 {platform} 账号"
G_FOLLOWERS = "{n} 个账号的关注数（采集于 {at}）"
G_FOLLOWERS_NONE = "账号 {names} 的关注数未采集到"
PLATFORM: Mapping[str, str] = {"wechat": "微信公众号", "weibo": "微博", "douyin": "抖音", "toutiao": "今日头条",
                               "kuaishou": "快手", "app": "移动客户端", "other": "其他新媒体"}

# --- workflow ---
STATE: Mapping[str, str] = {"draft": "草稿", "submitted": "已提交", "reviewed": "已审核", "returned": "已退回",
                            "published": "已发布"}
BAD_TRANSITION = "年度报表当前状态为“{state}”，不能{action}"
ACTION: Mapping[str, str] = {"fill": "重新自动填报", "set": "修改字段", "submit": "提交", "review": "审核通过",
                             "return": "退回", "publish": "发布"}
RETURN_REASON = "退回须说明原因（--reason）"
NOT_FOUND = "网站 {site} 的 {year} 年年度报表不存在（请先运行 annual fill）"
UNKNOWN_SITE = "网站标识码 {code} 未登记"
OUT_OF_SCOPE = "网站 {code} 不在区域 {region} 内"
BAD_REGION = "区域代码 {code} 无效（应为 6 位行政区划代码，如 430000）"
MISSING_REQUIRED = "以下字段未能取得，提交前须手工填报：{fields}"

# --- CLI ---
FILL_PROGRESS = "[{i}/{n}] {name}（{code}）：自动 {auto} 项，手工 {manual} 项，未能取得 {missing} 项"
FILL_SKIPPED = "[{i}/{n}] {name}（{code}）：报表状态为“{state}”，未重新填报"
FILL_DONE = "{year} 年年度报表：填报 {done} 个网站，跳过 {skipped} 个"
SHOW_TITLE = "{name}（{code}）{year} 年{title}  状态：{state}  模板版本：{version}"
SHOW_ROW = "  {label}：{value}{unit}  [{status}] {note}"
SET_DONE = "已填报 {label}（{key}）= {value}"
MOVED = "{name}（{code}）{year} 年年度报表：{old} → {new}"
EXPORTED = "已导出：{path}"
EMPTY = "（空）"
YES, NO = "是", "否"

# --- export ---
X_TITLE = "{title}（{year}年度）"
X_HEAD = ("项目", "内容", "来源")
X_MANUAL_MARK = "手工填报"
X_SUBTITLE = "填报单位：{organizer}    状态：{state}    模板版本：{version}"
X_ROLLUP_TITLE = "{year} 年政府网站工作年度报表汇总（{region}）"
X_ROLLUP_HEAD = ("网站标识码", "网站名称", "主办单位", "网站类型", "状态", "独立用户访问总量", "网站总访问量",
                 "信息发布总数", "收到留言数量", "办结留言数量", "发现问题数量", "问题整改数量", "未能取得项数",
                 "审核人", "更新时间")
X_ROLLUP_NONE = "未填报"
SELF_REVIEW = "审核人不能是提交人本人"
TEMPLATE_CHANGED = "报表按模板 {old} 填报，当前模板为 {new}；请先运行 annual fill 按新模板重新填报"
OUT_SUFFIX = "导出文件应以 .xlsx 结尾：{path}"

# --- PDF and the review screen ---
P_NOT_FILLED = "未填报"
P_MANUAL_MARK = "【手工】"
P_HEAD = ("项目", "内容", "来源")
P_SITE = "网站：{name}（{code}）    填报单位：{organizer}"
P_STATE = "状态：{state}    模板版本：{version}"
P_SUBMITTED = "提交：{by}，{at}"
P_REVIEWED = "审核：{by}，{at}"
P_RETURNED = "退回：{by}，{at}；原因：{reason}"
P_PUBLISHED = "发布：{by}，{at}"
P_LEGEND = ("标“【手工】”的值为人工填报（来源栏注明填报人和时间）；"
            "“未填报”为平台未能取得、尚未手工填报的字段，不以 0 计。")
P_COUNTS = "共 {n} 项：自动取得 {auto} 项，手工填报 {manual} 项，未填报 {missing} 项"
P_FOOTER = "{title}　{name}（{code}）　模板版本 {version}　第 {page} 页"
OUT_SUFFIX_ANY = "导出文件应以 .xlsx 或 .pdf 结尾：{path}"
FORMAT_SUFFIX = "--format {fmt} 与文件后缀 {suffix} 不符：{path}"


class S:
    """The yearly report screens (/annual, /annual/site/<code>)."""

    PAGE = "年度报表"
    PAGE_NOTE = "政府网站工作年度报表：本区域（{scope}）各网站的填报和审核进度。点网站名称查看和填报。"
    SITE_PAGE = "年度报表填报与审核"
    NO_VIEWER = "请先登录"
    KIOSK = "大屏不能打开年度报表，请以个人账号登录"
    YEAR = "年度"
    COLUMNS = ("网站", "网站类型", "所属市州", "状态", "未填报字段", "自动取得", "手工填报", "最后修改")
    NO_SITES = "本区域没有登记的网站"
    SUMMARY = "{year} 年：{n} 个网站，已生成报表 {made} 个（已发布 {published} 个），未生成 {none} 个"
    BACK = "← 返回年度报表"
    NO_SITE = "网站 {code} 未登记，或不在您的区域内"
    NO_REPORT = "{name}（{code}）{year} 年年度报表尚未生成（由定时任务或命令 annual fill 自动填报后才能填写和审核）"
    BAD_YEAR = "年度不对：{text}（应为四位年份，如 2026）"
    HEADING = "{name} {year} 年政府网站工作年度报表"
    STALE_TEMPLATE = "该报表按模板 {old} 填报，当前模板为 {new}：须重新自动填报后才能修改"
    RETURNED = "退回原因：{reason}"
    FIELD_COLUMNS = ("项目", "内容", "来源")
    FORM_TITLE = "填报与审核"
    F_FIELD = "字段"
    F_VALUE = "填报值"
    F_REASON = "退回原因"
    BTN_SET = "填报"
    BTN: ClassVar[Mapping[str, str]] = {"submit": "提交审核", "review": "审核通过", "return": "退回", "publish": "发布"}
    XLSX = "下载 Excel"
    PDF = "下载 PDF"
    READ_ONLY = "当前状态下您没有可做的操作"
    NOT_EDITABLE = "报表状态为“{state}”，不能修改字段"
    HINT: ClassVar[Mapping[str, str]] = {"int": "非负整数", "bool": "是 或 否", "date": "日期 YYYY-MM-DD",
                                         "text": "文字"}
    HINT_CHOICE = "可选：{choices}"
    HINT_MULTI = "可多选（用顿号分隔）：{choices}"
    MISSING_OPTION = "{label}（未填报）"
    EXPORT_BAD = "导出参数不对：{what}"
    ERR_LOGIN = "请先登录"
    ERR_SITE = "网站 {code} 未登记"
    ERR_NO_REPORT = "网站 {code} 的 {year} 年年度报表尚未生成"
    ERR_YEAR = "年度不对：{text}"
    ERR_FIELD = "请选择要填报的字段"
    ERR_REASON = "退回须填写原因"
    ERR_ACTION = "未知的操作：{action}"
    OK_SET = "已填报 {label}：{value}"
    OK_MOVE = "年度报表：{old} → {new}"
