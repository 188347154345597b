"""Every user-visible word of ``webread``: why a body or an address was refused, in Chinese."""

from __future__ import annotations

TEXT: dict[str, str] = {
    "too_large": "页面过大（超过 {size}）",
    "inflated_too_large": "页面解压后过大（超过 {size}）",
    "bomb": "页面解压后过大（压缩比超过 {ratio:g} 倍，疑似压缩炸弹），已停止读取",
    # a refused address: the host as the link or redirect wrote it, never what it resolved to
    "internal": "指向内网地址，未访问（{host}）",
    "metadata": "指向云平台元数据地址，未访问（{host}）",
}


def size_text(n: int) -> str:
    """A byte count for people: 5 MB, 16 KB."""
    return f"{n / 1048576:.3g} MB" if n >= 1048576 else f"{n / 1024:.3g} KB"
