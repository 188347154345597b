"""Wording of the infrastructure wall (基础设施, /infra), in Simplified Chinese, kept in one place."""

from __future__ import annotations

from core.i18n.walls import HOST_STATUS

__all__ = ["HOST_STATUS", "TIMP", "TINF"]


class TINF:
    """Labels of the infrastructure wall."""

    PAGE = "基础设施"
    KPI_TOTAL = "主机总数"
    KPI_UP = "正常"
    KPI_BAD = "异常"
    KPI_STALE = "数据过期或未知"
    KPI_SOON = "7 天内将写满的磁盘"
    UNIT_HOSTS = "台"
    UNIT_DISKS = "个"
    NODES_TITLE = "各节点主机状态"
    NODE_HEADERS = ("节点", "正常", "异常", "过期", "未知")
    HOT_TITLE = "资源热点"
    HOT_CPU, HOT_MEM, HOT_DISK = "CPU", "内存", "磁盘"
    FORECAST_TITLE = "磁盘预计写满（按近 {window}趋势）"
    FORECAST_HEADERS = ("主机", "挂载点", "已用", "预计写满")
    FORECAST_NONE = "没有磁盘在 {horizon} 天内按趋势写满"
    FORECAST_NONE_JUDGED = "尚无磁盘的数据足以预测"
    FORECAST_SHORT = "另有 {n} 个磁盘数据不足，暂不预测"
    KIND_LOCAL, KIND_SSH = "本机", "SSH"
    STALE_AGE = "数据过期（{age}）"
    NEVER = "从未上报"
    CUT = "未知（所属市级节点失联）"
    NO_HOSTS = "暂无主机"
    DASH = "—"
    TO_HOSTS = "主机列表 ›"
    FOOTNOTE = ("预测为稳健线性趋势（Theil–Sen）外推，每个磁盘取各时段最高使用率；"
                "数据点或覆盖时长不足时不给出预测。灰色为数据过期的主机，括号内为最后一次上报距今。")


class TIMP:
    """Dependency facts on the host, site and alert screens (layouts/impact.py)."""

    SERVES = "承载网站"
    DEPENDS = "依赖主机/服务"
    AFFECTED = "影响网站"
    SERVICE = "服务 {name}"
    NONE_RECORDED = "未登记"
    AFFECTED_NONE = "未登记依赖此主机或服务的网站"
    COUNT = "{n} 个："
    MORE = " 等 {n} 个"
    SEP = "、"
