"""Command-line wording (Simplified Chinese): argparse's own messages, zone names, OS error reasons.

``core/cli.py`` (``ChineseArgumentParser``, ``cli_time``, ``os_error_text``) reads these tables.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping

# argparse's own messages (Python 3.11-3.13 msgids) → Chinese. argparse looks its wording up through
# the module globals ``_`` and ``ngettext`` at call time, so they are swapped only while our parser works.
ARGPARSE_ZH: Mapping[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示此帮助信息并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "取值 %(value)r 无效（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "取值 %(value)r 格式无效",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多需要一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "不接受取值 %r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知的子命令 %(parser_name)r（可选：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开文件 %(filename)s：%(error)s",
    "unexpected option string: %s": "意外的选项：%s",
}

# How a zone is named after a time (core.cli.zone_label); other zones read ``<IANA name> 时间``.
ZONE_LABELS: Mapping[str, str] = {
    "Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Harbin": "北京时间", "PRC": "北京时间",
    "Asia/Urumqi": "乌鲁木齐时间", "Asia/Hong_Kong": "香港时间", "Asia/Macau": "澳门时间", "Asia/Taipei": "台北时间",
    "UTC": "UTC 时间", "Etc/UTC": "UTC 时间", "Etc/GMT": "UTC 时间", "GMT": "UTC 时间",
}

# OSError reasons by errno (core.cli.os_error_text); others keep the system's strerror.
ERRNO_ZH: Mapping[int, str] = {
    errno.ENOENT: "文件或目录不存在",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "没有访问权限",
    errno.EISDIR: "这是一个目录，不是文件",
    errno.ENOTDIR: "路径中有一级不是目录",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.EEXIST: "已存在同名的文件或目录",
    errno.EADDRINUSE: "地址或端口已被占用",
    errno.EADDRNOTAVAIL: "本机没有这个地址",
    errno.ECONNREFUSED: "连接被拒绝",
    errno.ETIMEDOUT: "连接超时",
    errno.ENAMETOOLONG: "文件名太长",
}
