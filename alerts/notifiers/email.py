"""E-mail over SMTP (standard-library smtplib in a worker thread): transport security and login.

``security`` is "none", "starttls" (upgrade a plain connection, usually port 587 or 25) or "tls"
(implicit TLS, usually port 465); the older key ``starttls = true`` means "starttls". With TLS the
server's certificate is verified against the system CAs, or the PEM bundle in ``ca_file``, and its
name against ``host``; there is no switch to turn verification off. When STARTTLS is required and the
server does not offer it, nothing is sent (no plaintext fallback). A login (``username``/``password``)
over an unencrypted connection is a configuration error unless ``allow_plaintext_login`` is set.

The subject and body are Chinese, UTF-8 encoded. SMTP 4xx answers and connection problems are
retryable; 5xx answers (unknown mailbox, login refused, relaying denied), certificate and TLS
handshake failures and a missing STARTTLS are configuration errors.

SMTP has no idempotency key: a server that took the message and whose "250" never arrived gets a second
copy when it is sent again. So a connection lost or timed out once the message data went out is
``maybe_delivered`` (not sent again), and e-mail is not ``idempotent``. The ``Message-ID`` is derived from
the notification's idempotency key, the same on every attempt, so mail stores and clients that collapse
one Message-ID show a copy sent twice once; nothing on the SMTP path promises that.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, ClassVar

from alerts.notifiers.base import NOTIFIERS, Delivery, Message, require
from core.i18n import notifiers as T

SECURITY = ("none", "starttls", "tls")


@dataclass(frozen=True)
class EmailConfig:
    host: str
    sender: str  # From: address
    port: int = 25
    to: tuple[str, ...] = ()  # default recipients; the person on duty replaces them
    security: str = ""  # "none" | "starttls" | "tls"; empty: "starttls" if starttls else "none"
    starttls: bool = False  # older spelling of security = "starttls"
    ca_file: str = ""  # PEM CA bundle trusted instead of the system's (a private CA)
    username: str = ""
    password: str = ""
    allow_plaintext_login: bool = False  # login without TLS: only on a trusted network
    timeout: float = 15.0

    def __post_init__(self) -> None:
        require(bool(self.host), "host", "不能为空")
        require("@" in self.sender, "sender", "须为电子邮件地址")
        require(0 < self.port < 65536, "port", "须在 1 到 65535 之间")
        require(all("@" in a for a in self.to), "to", "每一项都须为电子邮件地址")
        require(self.timeout > 0, "timeout", "须大于 0")
        require(self.security in ("", *SECURITY), "security", f"须为 {'、'.join(SECURITY)} 之一")
        require(not self.starttls or self.security in ("", "starttls"), "starttls",
                f"与 security = {self.security!r} 矛盾，请只保留 security")
        require(bool(self.username) or not self.password, "username", "设置了 password 就须同时设置 username")
        # smtplib encodes AUTH responses as ASCII; a non-ASCII secret would fail mid-dialogue
        require(self.username.isascii() and self.password.isascii(), "password",
                "用户名和密码只能含 ASCII 字符（smtplib 无法发送其他字符）")
        require(not self.username or self.mode != "none" or self.allow_plaintext_login, "username",
                '在未加密的连接上登录会明文发送密码：请设置 security = "starttls" 或 "tls"'
                '（在可信网络中也可设置 allow_plaintext_login = true）')
        require(not self.ca_file or self.mode != "none", "ca_file", '须同时设置 security = "starttls" 或 "tls"')
        require(not self.ca_file or Path(self.ca_file).is_file(), "ca_file", f"文件不存在：{self.ca_file}")

    @property
    def mode(self) -> str:
        """The effective transport security: "none", "starttls" or "tls"."""
        return self.security or ("starttls" if self.starttls else "none")


def message_id(idem_key: str, domain: str) -> str:
    """``<govops.KEY@domain>``, the same for every attempt of one notification (random without a key)."""
    if not idem_key:
        return make_msgid(domain=domain)
    key = idem_key if re.fullmatch(r"[A-Za-z0-9._-]{1,100}", idem_key) else hashlib.sha1(idem_key.encode()).hexdigest()
    return f"<govops.{key}@{domain}>"


def build_email(config: EmailConfig, n: Message, recipients: tuple[str, ...]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"{n.tag}{n.title}"
    msg["From"] = config.sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id(n.idem_key, config.sender.rsplit("@", 1)[1])
    msg.set_content(f"{n.text}\n\n{T.EMAIL_FOOTER}\n", charset="utf-8")
    return msg


class _Refused(Exception):
    """A failure decided during the SMTP dialogue, carrying its Delivery."""

    def __init__(self, delivery: Delivery) -> None:
        super().__init__(delivery.detail)
        self.delivery = delivery


def _secure_and_login(config: EmailConfig, smtp: smtplib.SMTP, context: ssl.SSLContext) -> None:
    where = f"{config.host}:{config.port}"
    if config.mode == "starttls":
        smtp.ehlo()
        if not smtp.has_extn("starttls"):  # never fall back to plaintext
            raise _Refused(Delivery(False, False, T.SMTP_NO_STARTTLS.format(where=where)))
        smtp.starttls(context=context)
        smtp.ehlo()  # the session restarts after STARTTLS; capabilities (AUTH) may change
    if not config.username:
        return
    try:
        smtp.login(config.username, config.password)
    except smtplib.SMTPAuthenticationError as exc:
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise _Refused(Delivery(False, 400 <= exc.smtp_code < 500, T.SMTP_LOGIN_REFUSED.format(
            where=where, user=config.username, code=exc.smtp_code, reply=reply))) from None
    except smtplib.SMTPNotSupportedError:
        raise _Refused(Delivery(False, False, T.SMTP_NO_AUTH.format(where=where, user=config.username))) from None


class _Phase:
    """How far the SMTP dialogue got: once DATA began the server may hold the message."""

    data = False


class _SMTP(smtplib.SMTP):
    def __init__(self, phase: _Phase, *args: Any, **kwargs: Any) -> None:
        self.phase = phase
        super().__init__(*args, **kwargs)

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.phase.data = True
        return super().data(msg)


class _SMTP_SSL(smtplib.SMTP_SSL):
    def __init__(self, phase: _Phase, *args: Any, **kwargs: Any) -> None:
        self.phase = phase
        super().__init__(*args, **kwargs)

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.phase.data = True
        return super().data(msg)


def _close(smtp: smtplib.SMTP) -> None:
    # the message is the server's once it said 250; a failing QUIT must not make it a failure
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _send_blocking(config: EmailConfig, msg: EmailMessage, recipients: tuple[str, ...]) -> Delivery:
    where = f"{config.host}:{config.port}"
    try:
        context = ssl.create_default_context(cafile=config.ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        return Delivery(False, False, T.SMTP_CA_UNREADABLE.format(path=config.ca_file, reason=exc))
    phase = _Phase()
    try:
        smtp: smtplib.SMTP
        if config.mode == "tls":
            smtp = _SMTP_SSL(phase, config.host, config.port, timeout=config.timeout, context=context)
        else:
            smtp = _SMTP(phase, config.host, config.port, timeout=config.timeout)
        try:
            _secure_and_login(config, smtp, context)
            refused = smtp.send_message(msg, from_addr=config.sender, to_addrs=list(recipients))
        except BaseException:
            smtp.close()
            raise
        _close(smtp)
    except _Refused as exc:
        return exc.delivery
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return Delivery(False, all(400 <= c < 500 for c in codes), f"recipients refused: {exc.recipients}")
    except smtplib.SMTPResponseException as exc:
        return Delivery(False, 400 <= exc.smtp_code < 500, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}")
    except ssl.SSLCertVerificationError as exc:
        return Delivery(False, False, T.SMTP_CERT_UNTRUSTED.format(where=where, reason=exc.verify_message or exc))
    except ssl.SSLError as exc:
        return Delivery(False, False, T.SMTP_TLS_FAILED.format(where=where, mode=config.mode, reason=exc.reason or exc))
    except (smtplib.SMTPException, OSError) as exc:
        # lost after DATA began: the server may hold the message, and SMTP cannot take it twice as one
        return Delivery(False, True, f"SMTP error: {type(exc).__name__}: {exc}", maybe_delivered=phase.data)
    if refused:  # some recipients accepted: resending would duplicate theirs, so report and stop
        return Delivery(False, False, f"partly refused: {refused}")
    return Delivery(True, False, f"SMTP accepted for {len(recipients)} recipient(s)")


@NOTIFIERS.register("email")
class EmailNotifier:
    config_class: ClassVar[type] = EmailConfig

    idempotent = False  # SMTP takes no idempotency key (see the module's docstring)

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    async def notify(self, n: Message) -> Delivery:
        recipients = n.to or self.config.to
        if not recipients:
            return Delivery(False, False, "no recipient: neither 'to' nor a person on duty with an e-mail")
        msg = build_email(self.config, n, recipients)
        return await asyncio.to_thread(_send_blocking, self.config, msg, recipients)
