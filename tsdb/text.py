"""Operator-facing wording of the metric store (Simplified Chinese), kept in one place."""

from __future__ import annotations

LP_LOCATION = "第 {line} 行第 {column} 列：{reason}"

LP_EMPTY_MEASUREMENT = "缺少测量名称"
LP_EMPTY_TAG_KEY = "标签名为空"
LP_EMPTY_TAG_VALUE = "标签 {key} 的值为空"
LP_EXPECTED_EQUALS = "此处应为等号 “=”"
LP_EXPECTED_SPACE = "此处应为空格或逗号"
LP_NO_FIELDS = "缺少字段（至少需要一个 字段名=值）"
LP_EMPTY_FIELD_KEY = "字段名为空"
LP_DUPLICATE_TAG = "标签 {key} 重复"
LP_DUPLICATE_FIELD = "字段 {key} 重复"
LP_BAD_FIELD_VALUE = "字段值无效：{value}"
LP_INT_RANGE = "整数字段值超出范围：{value}"
LP_UNTERMINATED_STRING = "字符串字段值缺少结尾的双引号"
LP_BAD_TIMESTAMP = "时间戳无效：{value}"
LP_MISSING_TIMESTAMP = "缺少时间戳，且未提供默认时间"
LP_TRAILING = "时间戳后有多余内容：{value}"
