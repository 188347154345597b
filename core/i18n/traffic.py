"""Operator-facing wording of site traffic (访问量) from access logs, in Simplified Chinese (docs/traffic.md)."""

from __future__ import annotations

from collections.abc import Mapping

BAD_REASON: Mapping[str, str] = {
    "shape": "不是 common/combined 格式的访问日志行",
    "no_user_agent": "缺少 combined 格式的 Referer 和 User-Agent 字段",
    "no_vhost": "缺少 vhost_combined 格式行首的虚拟主机名",
    "time": "时间字段无法识别（应为 07/Dec/2026:08:00:00 +0800）",
}
BAD_LINE = "{path}:{line}: {reason}"
BAD_MORE = "{path}：另有 {n} 行格式错误未逐行列出"

NO_FILES = "未找到日志文件：{paths}"
NOT_FOUND = "{path}：文件不存在"
UNKNOWN_SITE = "网站标识码 {code} 未登记（请先用 registry import 导入网站）"
NO_SITE_FOR_FILE = ("{path}：无法确定所属网站：文件名中没有登记网站的域名，日志格式也不含主机名；"
                    "请用 --site 指定网站标识码")
READ_FAILED = "{path}：读取失败（{error}），本文件未计入任何数据"
SHORTER_THAN_LEDGER = ("{path}：开头与已导入的文件 {known} 相同，但在已导入的 {offset} 字节内出现不同或提前结束；"
                       "可能是截断或修改过的副本，为避免重复计数本文件未导入")

CONCURRENT = "{path}：另一个导入进程同时写入了此文件的记录，本次未计入任何数据；请重新导入（不会重复计数）"
FILE_DONE = ("{path}：新读取 {lines} 行，页面浏览 {pv}，爬虫请求 {bots}，格式错误 {bad} 行，"
             "非登记网站 {unattributed} 行，涉及 {days} 个网站日")
FILE_UNCHANGED = "{path}：已全部导入过（{offset} 字节），本次无新内容"
FILE_RESUMED = "{path}：前 {offset} 字节已导入过（{known}），从其后继续"
FILE_EMPTY = "{path}：没有完整的日志行"
SUMMARY = ("共 {files} 个文件：导入 {done} 个，无新内容 {same} 个，失败 {failed} 个；"
           "读取 {lines} 行，用时 {seconds:.1f} 秒")
PROGRESS = "已读 {done}/{total}（{pct}%），{lines} 行，{rate} 行/秒"
BOT_LIST = "爬虫识别：{name} 清单，{n} 条规则"

SHOW_TITLE = "{name}（{code}）{year} 年访问量（独立访客：{uv_rule}）"
UV_RULE = {"daily-sum": "按日去重后逐日相加", "distinct": "全期去重"}
SHOW_HEADER = "月份\t有数据天数\t页面浏览量(PV)\t独立访客(UV)\t爬虫请求\t格式错误行"
SHOW_ROW = "{month}\t{days}/{days_in}\t{pv}\t{uv}\t{bots}\t{bad}"
SHOW_TOTAL = "全年\t{days}/{days_in}\t{pv}\t{uv}\t{bots}\t{bad}"
SHOW_EMPTY = "{name}（{code}）{year} 年没有访问日志数据（请先用 traffic ingest 导入）"
SHOW_PARTIAL = "注意：全年仅 {days}/{days_in} 天有日志数据，以上为这些天的合计"
