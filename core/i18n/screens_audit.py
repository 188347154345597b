"""Wording of the audit log page (审计日志, /audit), in Simplified Chinese, kept in one place.

The names of action codes, object types and actors are in core/i18n/security.py (one dictionary for the
screen, the exports and the tests)."""

from __future__ import annotations


class TAU:
    PAGE = "审计日志"
    F_ACTOR = "操作人"
    F_ACTION = "操作"
    F_OBJECT = "对象"
    F_REGION = "地区"
    F_START = "起始日期"
    F_END = "结束日期"
    ACTOR_PLACEHOLDER = "用户名（前缀）或 系统"
    OBJECT_PLACEHOLDER = "类型或编号，如 告警、用户、12"
    DATE_PLACEHOLDER = "YYYY-MM-DD"
    ANY_ACTION = "全部操作"
    ANY_REGION = "全部地区"
    GROUP_ALL = "{group}（全部）"
    BTN_APPLY = "筛选"
    BTN_RESET = "清除筛选"
    BTN_PREV = "上一页"
    BTN_NEXT = "下一页"
    EXPORT_CSV = "导出 CSV"
    EXPORT_XLSX = "导出 Excel"
    EXPORT_TITLE = "导出符合筛选条件的全部 {n} 条记录（最多 {limit} 条）"
    EXPORT_TOO_MANY = "符合条件的记录有 {n} 条，超过一次导出的上限 {limit} 条，请缩小日期范围或增加筛选条件"
    COUNT = "共 {total} 条"
    PAGE_OF = "第 {page} / {pages} 页"
    EMPTY = "没有符合条件的审计记录"
    COLUMNS = ("时间", "操作人", "操作", "对象", "地区", "来源地址", "说明")
    TIME_HEADER = "时间（{zone}）"
    OBJECT = "{type} #{id}"
    SCOPE_CITY = "仅显示本市州（{name}）的记录"
