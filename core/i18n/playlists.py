"""Wording of wall playlists (the editor page, the CLI, validation errors), in Simplified Chinese."""

from __future__ import annotations

# Keyed by walls.playlist.Expansion values.
EXPANSION_LABELS: dict[str, str] = {
    "none": "不展开",
    "each_city": "逐个市州轮播",
    "critical_cities": "仅有未关闭紧急告警的市州",
}

# Keyed by walls.playlist.VIEWS keys (the lead adds the domain walls' views beside these at merge).
VIEW_LABELS: dict[str, str] = {
    "overview": "全省总览",
    "city": "市州详情",
    "hosts": "主机列表",
    "infra": "基础设施",
    "services": "平台服务",
    "media": "新媒体",
    "ops": "运营中心",
}


class TP:
    """Playlist labels, messages and errors."""

    PAGE = "大屏轮播"
    BUILTIN = "内置默认"
    PROVINCE = "全省"
    # validation (walls.playlist.validate_item / walls.store)
    NAME_BAD = "轮播名称 {name!r}：不能为空，最多 48 个字符"
    NAME_TAKEN = "轮播名称 {name}：已存在"
    UNKNOWN_PLAYLIST = "轮播 {name}：不存在"
    SCOPE_BAD = "轮播 {name} 的范围 {scope}：只能是全省（430000）或一个市州的编码"
    ITEM_WHERE = "第 {n} 项："
    VIEW_UNKNOWN = "未知的页面 {view!r}（可选：{known}）"
    DWELL_BAD = "停留时间 {dwell!r} 秒：须为 {lo}–{hi} 之间的整数"
    EXPANSION_UNKNOWN = "未知的展开方式 {expansion!r}（可选：{known}）"
    EXPANSION_NEEDS_CITY_VIEW = "页面 {view} 没有市州版本，不能按市州展开"
    CITY_NEEDED = "页面 {view} 须指定市州编码"
    CITY_NOT_EXPANDED = "按市州展开时不应再指定市州编码（{city}）"
    CITY_OUT_OF_SCOPE = "市州编码 {city!r} 不在轮播范围 {scope} 内"
    PROVINCE_ONLY_VIEW = "页面 {view} 只属于全省大屏，市州轮播不能使用"
    NO_ITEMS = "轮播 {name}：至少需要一项"
    TOO_MANY_ITEMS = "轮播 {name}：最多 {n} 项"
    LINE_ERR = "第 {n} 行 {line!r}："  # walls/items_text.py: the editor's lines
    FIELDS_BAD = "应为「页面 展开方式 停留秒数 [市州编码]」，如 overview none 30"
    DWELL_NOT_INT = "停留秒数 {value!r} 不是整数"
    TOO_MANY_LINES = "最多 {n} 项"
    KIOSK_LIVE = "轮播 {name} 已有有效的大屏地址：如需新地址，请先吊销"
    KIOSK_NONE = "轮播 {name} 没有有效的大屏地址"
    # audit summaries
    AUDIT_CREATED = "创建大屏轮播 {name}（范围 {scope}）"
    AUDIT_UPDATED = "修改大屏轮播 {name}"
    AUDIT_RENAMED = "大屏轮播 {old} 改名为 {new}"
    AUDIT_DELETED = "删除大屏轮播 {name}"
    AUDIT_KIOSK_ISSUED = "为大屏轮播 {name} 生成大屏地址"
    AUDIT_KIOSK_REVOKED = "吊销大屏轮播 {name} 的大屏地址"
    # CLI
    CLI_HEADER = "名称\t范围\t项目\t大屏地址\t最近使用"
    CLI_URL_NONE = "未生成"
    CLI_URL_LIVE = "有效（创建于 {at}）"
    URL_LIVE = "有效"
    CLI_URL_REVOKED = "已吊销"
    CLI_NEVER = "从未"
    CLI_ITEM = "{view}·{expansion}·{dwell}秒"
    CLI_KIOSK_CREATED = "已为轮播 {name} 生成大屏地址（只显示这一次，请妥善保存）：\n{url}"
    CLI_KIOSK_REVOKED = "已吊销轮播 {name} 的大屏地址：使用它的大屏在下一次请求时停止"
    CLI_DEFAULT_NOTE = ("（标 * 的是各大屏室的默认轮播：未绑定轮播的大屏按其范围播放，可编辑、不可删除；"
                        "没有默认轮播的范围使用内置默认。大屏地址只在生成时显示一次："
                        "walls kiosk create --playlist 名称）")
    CLI_DEFAULT_MARK = "*"
    DEFAULT_NAME = "{scope}大屏默认轮播"
    DEFAULT_KEPT = "轮播 {name} 是 {scope} 大屏室的默认轮播：可以修改各项或改名，不能删除"


class TE:
    """The playlist editor page (/walls)."""

    PAGE = "大屏轮播"
    LIST_TITLE = "全部轮播"
    EDIT_TITLE = "编辑轮播"
    COLS = ("名称", "范围", "项目", "大屏地址", "最近使用")
    NONE = "暂无轮播：未绑定轮播的大屏使用内置默认（全省总览后逐个市州）"
    DEFAULT_MARK = "（默认）"
    F_SELECT = "选择轮播"
    NEW = "（新建轮播）"
    F_NAME = "名称"
    F_SCOPE = "范围（新建时选择）"
    F_ITEMS = "各项（每行一项，按顺序轮播）：页面 展开方式 停留秒数 [市州编码]"
    HELP_VIEWS = "页面：{views}"
    HELP_EXPANSIONS = "展开方式：{expansions}"
    HELP_DWELL = "停留秒数：{lo}–{hi}；仅紧急市州一项在没有此类市州时跳过；全部为空时大屏停在本范围首页"
    BTN_SAVE = "保存"
    BTN_DELETE = "删除"
    CONFIRM_DELETE = "删除所选轮播？其大屏地址将被吊销，使用它的大屏随即停止。"
    BTN_ISSUE = "生成大屏地址"
    BTN_REVOKE = "吊销大屏地址"
    SAVED = "已保存大屏轮播 {name}"
    DELETED = "已删除大屏轮播 {name}"
    ISSUED = "已生成大屏地址（只显示这一次，请复制到大屏浏览器）：{url}"
    REVOKED = "已吊销轮播 {name} 的大屏地址：使用它的大屏在下一次请求时停止"
    NO_PLAYLIST = "请先选择一个轮播"
