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

# One line per command for the top-level ``app.py --help`` listing. The commands provided by their own module
# read their line from here too, so the listing needs no import of a module whose command is not run.
COMMAND_HELP: Mapping[str, str] = {
    "inspect": "按国家检查指标检查网站，保存并输出发现的问题",
    "users": "用户管理：创建首个管理员、添加、列出、停用/启用、改密码、调整角色",
    "kiosk": "大屏令牌：创建、吊销、列出（只读、可吊销）",
    "hosts": "远程主机（SSH 采集）：登记、列出、信任主机密钥",
    "services": "平台服务（数据库、缓存、nginx、健康检查、端口）：登记、列出、启停、删除",
    "media": "政务新媒体：账号登记导入、统计数据导入、账号列表与判定",
    "nodes": "节点：开放接口令牌（写入指标、查询数据，限本节点地区）",
    "federation": "省市联动：市级节点从省级节点拉取配置",
    "walls": "大屏轮播：列出轮播及其大屏地址，生成或吊销大屏地址",
    "score": "按国家检查指标评分：单个网站的扣分、加分、单项否决和等级",
    "traffic": "网站访问量：导入访问日志，统计页面浏览量（PV）和独立访客（UV）",
    "verify": "人工核验与整改：核验队列、确认或排除问题、人工扣分加分、签核评分表、整改通知",
    "annual": "政府网站工作年度报表：自动填报、手工填报、审核、发布、导出和汇总",
    "notify": "告警通知：校验接收方配置、发送测试消息、发送待发通知",
}
