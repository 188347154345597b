"""Generic webhook: POSTs the message and its alerts as JSON (Alertmanager's webhook_config, simplified)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from alerts.notifiers.base import NOTIFIERS, Delivery, Message, http_delivery, post_json, require


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    bearer_token: str = ""  # sent as "Authorization: Bearer ..." when set
    header_name: str = ""  # one extra header, e.g. an API key
    header_value: str = ""
    timeout: float = 10.0
    # the receiver keeps one copy per Idempotency-Key (our webhook contract); false for one that does not:
    # it then gets each message at most once, and a message whose answer was lost is not sent again
    idempotent: bool = True

    def __post_init__(self) -> None:
        require(self.url.startswith(("http://", "https://")), "url", "须以 http:// 或 https:// 开头")
        require(self.timeout > 0, "timeout", "须大于 0")
        require(bool(self.header_name) == bool(self.header_value), "header_value",
                "header_name 与 header_value 须同时设置")


@NOTIFIERS.register("webhook")
class WebhookNotifier:
    """Body: {version, status, title, text, severity, city, group_key, idem_key, alerts, resolved}.

    ``status`` is the group's: "firing" while any alert in the message is open, else "resolved";
    every entry of ``alerts`` and ``resolved`` carries its own ``status``. 2xx is delivered. The header
    ``Idempotency-Key`` (and ``idem_key`` in the body) is the same on every attempt of one notification;
    a receiver must take a repeated key as the same delivery, unless configured ``idempotent = false``.
    """

    config_class: ClassVar[type] = WebhookConfig

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self.idempotent = config.idempotent

    async def notify(self, n: Message) -> Delivery:
        c = self.config
        headers: dict[str, str] = {"Idempotency-Key": n.idem_key} if n.idem_key else {}
        if c.bearer_token:
            headers["Authorization"] = f"Bearer {c.bearer_token}"
        if c.header_name:
            headers[c.header_name] = c.header_value
        body = {"version": "1", "status": n.status, "title": n.title, "text": n.text, "severity": n.severity,
                "city": n.city, "group_key": n.group_key, "idem_key": n.idem_key,
                "alerts": [dict(a) for a in n.alerts], "resolved": [dict(a) for a in n.resolved]}
        answer = await post_json(c.url, body, headers=headers, timeout=c.timeout)
        if isinstance(answer, Delivery):
            return answer
        return http_delivery(answer.status, answer.body)
