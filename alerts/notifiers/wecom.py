"""WeCom (企业微信) group robot: markdown message to the robot's webhook (key in the URL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alerts.notifiers.base import NOTIFIERS, Delivery, Message, markdown_text, post_json, require
from alerts.notifiers.dingtalk import robot_delivery

# 45009 "api freq out of limit" (20 messages a minute per robot), -1 "system busy"
RETRYABLE_ERRCODES = frozenset({-1, 45009})
MAX_BYTES = 4096  # WeCom's limit for markdown content


@dataclass(frozen=True)
class WeComConfig:
    url: str  # https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
    mentioned_mobiles: tuple[str, ...] = ()
    timeout: float = 10.0

    def __post_init__(self) -> None:
        require(self.url.startswith(("http://", "https://")), "url", "须以 http:// 或 https:// 开头")
        require(self.timeout > 0, "timeout", "须大于 0")


def _truncate_utf8(text: str, limit: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore") + "…"


@NOTIFIERS.register("wecom")
class WeComNotifier:
    config_class: ClassVar[type] = WeComConfig
    idempotent = False  # group robots take no idempotency key: each message is sent at most once


    def __init__(self, config: WeComConfig) -> None:
        self.config = config

    async def notify(self, n: Message) -> Delivery:
        mobiles = n.to or self.config.mentioned_mobiles
        content = markdown_text(n)
        if mobiles:  # markdown messages cannot carry mentioned_mobile_list; mention inline instead
            content += "\n" + " ".join(f"<@{m}>" for m in mobiles)
        body = {"msgtype": "markdown", "markdown": {"content": _truncate_utf8(content, MAX_BYTES)}}
        answer = await post_json(self.config.url, body, timeout=self.config.timeout)
        if isinstance(answer, Delivery):
            return answer
        return robot_delivery(answer.status, answer.body, answer.json, RETRYABLE_ERRCODES)
