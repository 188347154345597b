"""Wording of the open API (api/, docs/api.md) and of ``app.py nodes token``: error messages an agent's
operator reads (InfluxDB-style ``{"code", "message"}`` bodies) and the CLI's lines, in Simplified Chinese."""

from __future__ import annotations

# Token management (security/api_tokens.py, app.py nodes token)
TOKEN_NAME_BAD = "令牌名称 {name!r}：不能为空，最多 64 个字符"
TOKEN_NODE_UNKNOWN = "节点 {code}：未知的行政区划编码（应为 430000、市州或区县编码）"
TOKEN_NOT_FOUND = "令牌 {id}：不存在或已被吊销"
TOKEN_ID_BAD = "令牌编号 {value!r}：应为正整数"
AUDIT_TOKEN_CREATED = "创建开放接口令牌 #{id} {name}（节点 {node}）"
AUDIT_TOKEN_REVOKED = "吊销开放接口令牌 #{id} {name}（节点 {node}）"
CLI_TOKEN_CREATED = "已创建开放接口令牌 #{id}（{name}，节点 {node}）。令牌只显示这一次，请妥善保存："
CLI_TOKEN_REVOKED = "已吊销开放接口令牌 #{id}（{name}），下一次请求起失效"
CLI_TOKEN_HEADER = "编号\t名称\t节点\t创建时间\t最近使用\t状态"
CLI_TOKEN_NONE = "（暂无开放接口令牌）"
TOKEN_LIVE = "有效"
TOKEN_REVOKED = "已吊销（{at}）"
NEVER = "从未"

# Authentication and scope
UNAUTHORIZED = "未提供有效的令牌（请求头 Authorization: Token <令牌>）"
FORBIDDEN_TAG = "第 {line} 行：标签 {key}={value} 不在本令牌的地区范围（{scope}）内，整个请求未写入"
TAG_MISMATCH = "第 {line} 行：标签 city={city} 与 node={node} 所属市州（{expected}）不一致，整个请求未写入"
TAG_NOT_REGION = "第 {line} 行：标签 {key}={value} 不是有效的行政区划编码，整个请求未写入"
FORBIDDEN_PARAM = "参数 {name}={value} 不在本令牌的地区范围（{scope}）内"

# Ingest
BODY_TOO_LARGE = "请求体超过上限 {limit} 字节（{what}），整个请求未写入"
WHAT_COMPRESSED = "压缩后"
WHAT_DECOMPRESSED = "解压后"
TOO_MANY_LINES = "请求包含 {count} 个数据点，超过上限 {limit} 个，整个请求未写入"
BAD_GZIP = "请求体不是有效的 gzip 数据，整个请求未写入"
BAD_ENCODING = "不支持的 Content-Encoding：{value}（只支持 gzip 或 identity）"
NOT_UTF8 = "第 {line} 行：不是有效的 UTF-8 文本，整个请求未写入"
LINE_ERROR = "第 {line} 行第 {column} 列：{reason}，整个请求未写入"
TEXT_FIELD = "第 {line} 行：字段 {key} 是文本；指标只存数值，文本请写成标签，整个请求未写入"
STORE_REFUSED = "指标存储拒绝了这批数据：{reason}，整个请求未写入"

# Parameters (ingest and query)
PARAM_MISSING = "缺少参数 {name}"
PARAM_BAD = "参数 {name}={value!r}：{reason}"
PARAM_UNKNOWN = "未知的参数 {name}（可用：{known}）"
PARAM_REPEATED = "参数 {name} 只能出现一次"
REASON_PRECISION = "应为 ns、us、ms 或 s"
REASON_TIME = "应为 RFC 3339 时间（如 2026-12-07T08:00:00Z）或 Unix 秒数"
REASON_DURATION = "应为时长，如 30s、5m、1h、1d，或秒数"
REASON_AGG = "应为 {choices} 之一"
REASON_NAME = "应为 1 到 256 个字符"
REASON_GROUP_BY = "应为逗号分隔的标签名，最多 {limit} 个"
REASON_ORDER = "结束时间应晚于开始时间"
REASON_BUCKETS = "时间范围内的时间桶过多（{count} 个，最多 {limit} 个）"
REASON_LIMIT = "应为 1 到 {limit} 之间的整数"
REASON_STATE = "应为 open 或 all"
REASON_VALUES = "标签值最多 {limit} 个"
NOT_FOUND = "未找到 {what}（不存在或不在本令牌的地区范围内）"

# Federation (api/federation.py, docs/federation.md)
FED_NOT_FEDERATED = "节点 {node} 不是本省级节点接入的市级节点（配置项 node.federated_cities），不能同步数据"
FED_BODY_BAD = "请求体应为 JSON 对象 {{\"events\": [...]}}，整个批次未写入"
FED_OUT_OF_SCOPE = "{reason}，整个批次未写入"
FED_EVENT_BAD = "事件有误：{reason}，整个批次未写入"
FED_TOO_MANY = "一个批次最多 {limit} 个事件，整个批次未写入"
