"""SMS through an HTTP gateway: one JSON request per phone, built from a configurable template.

Template strings may contain ``{phone}``, ``{text}``, ``{title}`` and ``{idem_key}``; they are
substituted in every string value of the template (nested tables and lists included). The gateway's
answer is a success when HTTP is 2xx and, if ``success_field`` is set, the JSON value at that dotted
path equals ``success_value``.

``{idem_key}`` is the notification's idempotency key and the phone (``KEY:PHONE``, the same on every
attempt), for a gateway that drops a request whose caller reference it has seen (an "out id" it
deduplicates on). Declare such a gateway ``idempotent = true``: a message whose answer was lost is then
sent again, and a failure after some phones got the text may retry; otherwise neither (at most once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from alerts.notifiers.base import NOTIFIERS, Delivery, Message, http_delivery, post_json, require

MAX_CHARS = 300  # long SMS are split by carriers and billed per part; keep it short


@dataclass(frozen=True)
class SmsConfig:
    url: str
    template: dict[str, Any] = field(default_factory=lambda: {"phone": "{phone}", "content": "{text}"})
    phones: tuple[str, ...] = ()  # default recipients; the person on duty replaces them
    success_field: str = ""  # dotted path in the JSON answer, e.g. "result.code"
    success_value: str = ""  # compared as text
    bearer_token: str = ""
    timeout: float = 10.0
    idempotent: bool = False  # the gateway deduplicates on the value the template puts {idem_key} in

    def __post_init__(self) -> None:
        require(self.url.startswith(("http://", "https://")), "url", "须以 http:// 或 https:// 开头")
        require(self.timeout > 0, "timeout", "须大于 0")
        require(all(p.lstrip("+").isdigit() for p in self.phones), "phones", "每一项都须为数字（可带 + 号）")
        require("{phone}" in repr(self.template), "template", "须包含 {phone}")
        require(not self.idempotent or "{idem_key}" in repr(self.template), "idempotent",
                "须在 template 中包含 {idem_key}（短信网关据此去重）")


def render(template: Any, values: Mapping[str, str]) -> Any:
    if isinstance(template, str):
        out = template
        for key, val in values.items():
            out = out.replace("{" + key + "}", val)
        return out
    if isinstance(template, Mapping):
        return {k: render(v, values) for k, v in template.items()}
    if isinstance(template, list | tuple):
        return [render(v, values) for v in template]
    return template


def dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


@NOTIFIERS.register("sms")
class SmsNotifier:
    config_class: ClassVar[type] = SmsConfig

    def __init__(self, config: SmsConfig) -> None:
        self.config = config
        self.idempotent = config.idempotent

    def sms_text(self, n: Message) -> str:
        text = f"{n.tag}{n.title}：{n.text}"
        return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"

    async def notify(self, n: Message) -> Delivery:
        c = self.config
        phones = n.to or c.phones
        if not phones:
            return Delivery(False, False, "no recipient: neither 'phones' nor a person on duty with a phone")
        headers = {"Authorization": f"Bearer {c.bearer_token}"} if c.bearer_token else {}
        text = self.sms_text(n)
        details: list[str] = []
        for i, phone in enumerate(phones):
            body = render(c.template, {"phone": phone, "text": text, "title": n.title,
                                       "idem_key": f"{n.idem_key}:{phone}"})
            answer = await post_json(c.url, body, headers=headers, timeout=c.timeout)
            if isinstance(answer, Delivery):
                result = answer
            else:
                result = http_delivery(answer.status, answer.body)
                if result.ok and c.success_field:
                    got = dig(answer.json, c.success_field)
                    if str(got) != c.success_value:
                        result = Delivery(False, False, f"gateway refused: {c.success_field}={got!r}: "
                                          f"{answer.body[:200]}")
            if not result.ok:
                # phones before this one already got the text: retrying is safe only for the first phone,
                # or when the gateway drops the repeats by their key
                retry = result.retryable and (i == 0 or c.idempotent)
                done = f" (already sent to {i} phone(s))" if i else ""
                return Delivery(False, retry, f"{phone}: {result.detail}{done}",
                                maybe_delivered=result.maybe_delivered)
            details.append(f"{phone}: {result.detail}")
        return Delivery(True, False, "; ".join(details))
