"""Operator-facing wording of the registry import/export, in Simplified Chinese, kept in one place."""

from __future__ import annotations

ROW_ERROR = "第 {line} 行 {column}：{reason}"
IMPORT_FAILED = "导入失败：{source}共 {count} 处错误，未写入任何数据。"
REPORT = "新增 {created} 条，更新 {updated} 条，未变 {unchanged} 条"
REPORT_DRY_RUN = "（试运行，未写入）"

# File-level problems.
UNSUPPORTED_FORMAT = "不支持的文件格式“{suffix}”：请使用 .csv 或 .xlsx 文件"
FILE_NOT_FOUND = "文件不存在：{path}"
UNKNOWN_ENCODING = "无法识别文件编码：请另存为 UTF-8 或 GBK（GB18030）编码的 CSV 文件"
BAD_XLSX = "无法读取 Excel 文件：{detail}"
XLSX_CONTROL_CHAR = ("第 {line} 行 {column}：含有 Excel 文件无法保存的控制字符，无法导出为 .xlsx；"
                     "请改为导出 .csv，或先修正该内容")
EMPTY_FILE = "文件为空：缺少表头行"
UNKNOWN_HEADER = "未知的列名“{header}”，可用的列：{known}"
DUPLICATE_HEADER = "列名重复（与“{other}”指同一列）"
MISSING_HEADER = "缺少必填列（可写作：{aliases}）"

# Cell problems.
REQUIRED = "必填，不能为空"
TOO_LONG = "内容过长（{length} 个字符），最多 {limit} 个字符"
BAD_SITE_CODE = "网站标识码“{value}”格式错误：应为 10 位数字（6 位行政区划代码 + 4 位顺序号）"
UNKNOWN_DIVISION = "标识码前 6 位“{division}”不是已登记的行政区划代码"
BAD_NODE_CODE = "行政区划代码“{value}”格式错误：应为 6 位数字"
UNKNOWN_NODE = "行政区划代码“{value}”未登记（请先导入行政区划节点）"
BAD_URL = "网址“{value}”无效：应以 http:// 或 https:// 开头并包含主机名"
UNKNOWN_LEVEL = "未知的网站级别“{value}”，应为 {allowed}"
UNKNOWN_KIND = "未知的栏目类型“{value}”，应为 {allowed}"
LEVEL_NODE_MISMATCH = "网站级别“{level}”与行政区划“{node}”的级别（{node_level}）不符"
BAD_BOOL = "无法识别的取值“{value}”，应为 是/否（或 true/false、1/0）"
DUPLICATE_SITE = "标识码 {value} 与第 {first} 行重复"
DUPLICATE_COLUMN = "网站 {site} 的栏目“{value}”与第 {first} 行重复"
UNKNOWN_HOST = "主机“{value}”未登记（请先登记主机，或检查主机名）"
UNKNOWN_SITE_LINK = "标识码 {value} 的网站未登记（请先导入网站）"
UNKNOWN_LINK_KIND = "依赖类型“{value}”无效，应为 host（主机）或 service（服务）"
DUPLICATE_LINK = "与第 {first} 行重复"
LINK_REPORT = "网站依赖：{sites} 个网站的主机或服务已按文件更新（其中 {changed} 个有变化）"
UNKNOWN_SITE = "标识码 {value} 的网站既不在数据库中，也不在本次导入中"
EXTRA_CELL = "该列没有列名，内容“{value}”无法识别"
EXTRA_CELL_COLUMN = "第 {index} 列"

# Limits (issue 9): what no registry needs and a hostile file would use.
FILE_TOO_LARGE = "文件过大：超过 {limit} MB，未读取"
TOO_MANY_ROWS = "行数过多：最多 {limit} 行"
BAD_CSV = "第 {line} 行：CSV 无法解析（{detail}）"
CSV_FIELD_TOO_LARGE = "单元格内容超过 131072 个字符"
XLSX_NO_SHEET = "没有工作表"
XLSX_DAMAGED = "文件已损坏或不是 Excel 工作簿"
TOO_MANY_COLUMNS = "第 {line} 行：列数过多，最多 {limit} 列"
MORE_ERRORS = "……另有 {count} 处错误未列出"
CONTROL_CHAR = "含有控制字符（U+{code:04X}），请删除后再导入"
