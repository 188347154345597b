"""Wording of the federation's configuration pull (federation/config_bundle.py, federation/config_pull.py,
api/federation.py and ``app.py federation pull``)."""

from __future__ import annotations

# The province's endpoint (GET /api/v1/federation/config)
NOT_NODE_TOKEN = ("令牌 {name} 不是节点令牌：配置下发只接受市级节点的节点令牌"
                  "（在省级节点用 python app.py nodes token create --node 市州代码 生成，名称为 node-市州代码）")
NOT_A_CITY = "令牌所属节点 {node} 不是地市：配置只下发给市级节点"

# What is wrong with a bundle (the city refuses it whole; nothing is changed)
BUNDLE_REFUSED = "省级节点下发的配置有误，未作任何改动：{reason}"
CACHE_REFUSED = "本地缓存的配置 {path} 有误，未作任何改动：{reason}"
NOT_AN_OBJECT = "应为 JSON 对象，而不是{kind}"
MISSING_KEY = "缺少键 {key}"
BAD_KEY = "键 {key}：{reason}"
WRONG_NODE = "配置是下发给节点 {got} 的，而本节点是 {want}"
WRONG_VERSION = "键 version 与内容不符（声明 {declared}，内容为 {actual}）：配置在传输或保存中被改动"
BAD_FORMAT = "格式版本 {got} 不受支持（本程序读取版本 {want}）"
SITE_OUT_OF_SCOPE = "网站 {code} 属于 {node}，不在本市（{city}）范围内"
COLUMN_UNKNOWN_SITE = "栏目 {name} 所属网站 {code} 不在配置的网站列表中"
ROWS_REFUSED = "{what}：{errors}"
RULE_NAME_BAD = "规则文件名 {name} 不可用：应为 名称.yaml，只含字母、数字、点、横线和下划线"
RULE_NAME_TWICE = "规则文件 {name} 出现了两次"
RULES_REFUSED = "规则文件有误：{errors}"
RECEIVERS_REFUSED = "接收方文件有误：{error}"
ROSTER_ROW_BAD = "值班表第 {index} 条：{reason}"
ROSTER_OUT_OF_SCOPE = "值班表第 {index} 条的范围 {scope} 不在本市（{city}）范围内"
SERVICE_ROW_BAD = "平台服务第 {index} 条（{name}）：{reason}"
SERVICE_OUT_OF_SCOPE = "平台服务第 {index} 条（{name}）属于 {node}，不在本市（{city}）范围内"
SERVICE_TWICE = "平台服务 {name} 出现了两次"
WHAT_SITES = "网站（sites）"
WHAT_COLUMNS = "栏目（columns）"
WHAT_ACCOUNTS = "政务新媒体账号（accounts）"
ACCOUNT_OUT_OF_SCOPE = "政务新媒体账号 {platform}:{account} 属于 {node}，不在本市（{city}）范围内"

# Outcomes, as `app.py federation pull` prints them and as a city's start-up says them
APPLIED = ("已从省级节点拉取并应用配置（版本 {version}）：网站 新增 {sites_created}、更新 {sites_updated}、"
           "停用 {sites_withdrawn}；栏目 新增 {columns_created}、更新 {columns_updated}、删除 {columns_removed}；"
           "规则文件 {rules} 个；接收方文件 {receivers}；值班 新增 {roster_added}、删除 {roster_removed}；"
           "平台服务 新增 {services_created}、更新 {services_updated}、停用 {services_withdrawn}；"
           "新媒体账号 新增 {accounts_created}、更新 {accounts_updated}、停用 {accounts_withdrawn}")
FROM_CACHE = "未能从省级节点取得配置（{reason}），已从本地缓存应用配置（版本 {version}）：" + APPLIED.split("：", 1)[1]
UNCHANGED = "配置未变化（版本 {version}），未改动任何内容"
CACHE_UNCHANGED = "未能从省级节点取得配置（{reason}），沿用已应用的本地缓存配置（版本 {version}）"
NO_CONFIG = ("未能从省级节点取得配置（{reason}），本地也没有缓存的配置：按本地数据库中已有的网站、栏目和值班表运行，"
             "告警规则与接收方用本机配置文件")
RECEIVERS_YES = "有"
RECEIVERS_NO = "无"
NOT_LINKED = "本节点未连接省级节点（需为市级节点并设置 node.province_url 与 node.token_file）"
PULL_FAILED = "配置拉取失败：{reason}"
STARTED = "配置同步已启动：每 {interval:g} 秒从省级节点拉取一次"
