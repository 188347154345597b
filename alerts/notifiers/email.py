"""E-mail over SMTP (standard-library smtplib in a worker thread): optional STARTTLS and login.

The subject and body are Chinese, UTF-8 encoded. SMTP 4xx answers and connection problems are
retryable; 5xx answers (unknown mailbox, auth refused, relaying denied) are configuration errors.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import ClassVar

from alerts.notifiers.base import NOTIFIERS, Delivery, Message, require
from alerts.notifiers.text import EMAIL_FOOTER


@dataclass(frozen=True)
class EmailConfig:
    host: str
    sender: str  # From: address
    port: int = 25
    to: tuple[str, ...] = ()  # default recipients; the person on duty replaces them
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 15.0

    def __post_init__(self) -> None:
        require(bool(self.host), "host", "must not be empty")
        require("@" in self.sender, "sender", "must be an e-mail address")
        require(0 < self.port < 65536, "port", "must be 1..65535")
        require(all("@" in a for a in self.to), "to", "every entry must be an e-mail address")
        require(self.timeout > 0, "timeout", "must be positive")
        require(bool(self.username) or not self.password, "username", "a password needs a username")


def build_email(config: EmailConfig, n: Message, recipients: tuple[str, ...]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"{n.tag}{n.title}"
    msg["From"] = config.sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[1])
    msg.set_content(f"{n.text}\n\n{EMAIL_FOOTER}\n", charset="utf-8")
    return msg


def _send_blocking(config: EmailConfig, msg: EmailMessage, recipients: tuple[str, ...]) -> Delivery:
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            refused = smtp.send_message(msg, from_addr=config.sender, to_addrs=list(recipients))
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return Delivery(False, all(400 <= c < 500 for c in codes), f"recipients refused: {exc.recipients}")
    except smtplib.SMTPResponseException as exc:
        return Delivery(False, 400 <= exc.smtp_code < 500, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")
    except (smtplib.SMTPException, OSError) as exc:
        return Delivery(False, True, f"SMTP error: {type(exc).__name__}: {exc}")
    if refused:  # some recipients accepted: resending would duplicate theirs, so report and stop
        return Delivery(False, False, f"partly refused: {refused}")
    return Delivery(True, False, f"SMTP accepted for {len(recipients)} recipient(s)")


@NOTIFIERS.register("email")
class EmailNotifier:
    config_class: ClassVar[type] = EmailConfig

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    async def notify(self, n: Message) -> Delivery:
        recipients = n.to or self.config.to
        if not recipients:
            return Delivery(False, False, "no recipient: neither 'to' nor a person on duty with an e-mail")
        msg = build_email(self.config, n, recipients)
        return await asyncio.to_thread(_send_blocking, self.config, msg, recipients)
