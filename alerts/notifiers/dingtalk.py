"""DingTalk group robot (自定义机器人): markdown message, optional "加签" signature.

Signing per DingTalk's documentation: ``timestamp`` in milliseconds, ``string_to_sign =
f"{timestamp}\\n{secret}"``, ``sign = urlencode(base64(HMAC-SHA256(key=secret, string_to_sign)))``,
both appended to the webhook URL as query parameters. The robot answers HTTP 200 with
``{"errcode": 0}`` on success; a non-zero errcode is a refusal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote_plus

from alerts.notifiers.base import (
    NOTIFIERS,
    Delivery,
    Message,
    http_delivery,
    markdown_text,
    post_json,
    require,
)

# errcodes worth retrying: 130101 "send too fast" (20 messages a minute per robot), -1 "system busy"
RETRYABLE_ERRCODES = frozenset({-1, 130101})


@dataclass(frozen=True)
class DingTalkConfig:
    url: str  # https://oapi.dingtalk.com/robot/send?access_token=...
    secret: str = ""  # the robot's SEC... signing secret, when "加签" is enabled
    at_mobiles: tuple[str, ...] = ()
    at_all: bool = False
    timeout: float = 10.0

    def __post_init__(self) -> None:
        require(self.url.startswith(("http://", "https://")), "url", "须以 http:// 或 https:// 开头")
        require(self.timeout > 0, "timeout", "须大于 0")


def sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature for ``timestamp_ms``, URL-encoded as it goes into the query string."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


@NOTIFIERS.register("dingtalk")
class DingTalkNotifier:
    config_class: ClassVar[type] = DingTalkConfig
    idempotent = False  # group robots take no idempotency key: each message is sent at most once


    def __init__(self, config: DingTalkConfig, *, time_ms: Callable[[], int] | None = None) -> None:
        self.config = config
        # DingTalk rejects a timestamp more than an hour off, so the real clock is the default
        self._time_ms = time_ms or (lambda: int(time.time() * 1000))

    def url(self) -> str:
        c = self.config
        if not c.secret:
            return c.url
        ts = self._time_ms()
        sep = "&" if "?" in c.url else "?"
        return f"{c.url}{sep}timestamp={ts}&sign={sign(c.secret, ts)}"

    async def notify(self, n: Message) -> Delivery:
        c = self.config
        mobiles = list(n.to or c.at_mobiles)
        text = markdown_text(n)
        if mobiles:  # DingTalk only notifies @-mentioned people whose number also appears in the text
            text += "\n\n" + " ".join(f"@{m}" for m in mobiles)
        body = {"msgtype": "markdown", "markdown": {"title": n.title, "text": text},
                "at": {"atMobiles": mobiles, "isAtAll": c.at_all}}
        answer = await post_json(self.url(), body, timeout=c.timeout)
        if isinstance(answer, Delivery):
            return answer
        return robot_delivery(answer.status, answer.body, answer.json, RETRYABLE_ERRCODES)


def robot_delivery(status: int, body: str, parsed: object, retryable_codes: frozenset[int]) -> Delivery:
    """Chat robots answer 200 with an errcode: 0 is delivered, listed codes retry, others are refusals."""
    if not 200 <= status < 300:
        return http_delivery(status, body)
    if not isinstance(parsed, dict) or "errcode" not in parsed:
        return Delivery(False, True, f"HTTP {status}: unexpected answer {body[:200]!r}")
    code = parsed.get("errcode")
    if code == 0:
        return Delivery(True, False, f"HTTP {status} errcode 0")
    return Delivery(False, code in retryable_codes, f"errcode {code}: {parsed.get('errmsg', '')}")
