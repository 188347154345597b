"""E-mail transport security against a real aiosmtpd on 127.0.0.1: STARTTLS, implicit TLS, login,
certificate verification (a CA generated per test module), and no plaintext fallback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from alerts.notifiers import Delivery, Message, NotifierConfigError
from alerts.notifiers.base import parse_config
from alerts.notifiers.email import EmailConfig, EmailNotifier
from tests.alerts.notify_receivers import Tls, make_tls, smtp_receiver

MSG = Message(title="【紧急】长沙市告警 1 条", text="[紧急·告警中] 长沙市政府门户网站首页无法访问",
              severity="critical", city="长沙市", group_key="city:430100", idem_key="n-7")
USERS = {"alerts": "s3cret-Pa55"}


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    return make_tls(Path(tmp_path_factory.mktemp("tls")))


def send(port: int, **settings: Any) -> Delivery:
    config = parse_config(EmailConfig, {"host": "127.0.0.1", "port": port, "sender": "alerts@govops.test",
                                        "to": ["duty@govops.test"], "timeout": 10.0, **settings},
                          kind="email", where="receivers.toml")
    return asyncio.run(asyncio.wait_for(EmailNotifier(config).notify(MSG), 30))


@pytest.fixture
def starttls_server(tls: Tls) -> Iterator[tuple[int, Any]]:
    with smtp_receiver(USERS, tls_context=tls.server, require_starttls=True, auth_required=True) as rig:
        yield rig


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_starttls_and_login_deliver_over_tls(tls: Tls, mechanism: str) -> None:
    other = {"LOGIN": "PLAIN", "PLAIN": "LOGIN"}[mechanism]
    with smtp_receiver(USERS, tls_context=tls.server, require_starttls=True, auth_required=True,
                       auth_exclude_mechanism=[other]) as (port, handler):
        d = send(port, security="starttls", ca_file=tls.ca_file, username="alerts", password=USERS["alerts"])
        assert d.ok, d
        assert handler.logins == [(mechanism, "alerts", True)]
        ((_, rcpts, msg),) = handler.messages
    assert handler.secure == [True] and rcpts == ["duty@govops.test"]
    assert msg["Subject"] == MSG.title and MSG.text in msg.get_content()


def test_the_older_starttls_key_still_means_starttls(tls: Tls, starttls_server: tuple[int, Any]) -> None:
    port, handler = starttls_server
    d = send(port, starttls=True, ca_file=tls.ca_file, username="alerts", password=USERS["alerts"])
    assert d.ok, d
    assert handler.secure == [True]


def test_wrong_password_is_a_clear_non_retryable_failure(tls: Tls, starttls_server: tuple[int, Any]) -> None:
    port, handler = starttls_server
    d = send(port, security="starttls", ca_file=tls.ca_file, username="alerts", password="wrong")
    assert (d.ok, d.retryable) == (False, False), d
    assert f"127.0.0.1:{port} 拒绝用户 alerts 登录" in d.detail and "535" in d.detail
    assert "wrong" not in d.detail  # the password never lands in the notification log
    assert handler.messages == [] and handler.logins and not any(ok for _, _, ok in handler.logins)


def test_required_starttls_missing_sends_nothing(tls: Tls) -> None:
    with smtp_receiver(USERS, auth_require_tls=False) as (port, handler):  # offers AUTH, but no STARTTLS
        d = send(port, security="starttls", ca_file=tls.ca_file, username="alerts", password=USERS["alerts"])
        no_login = send(port, security="starttls", ca_file=tls.ca_file)
    for result in (d, no_login):
        assert (result.ok, result.retryable) == (False, False), result
        assert "不支持 STARTTLS" in result.detail and "拒绝以明文发送" in result.detail
    assert handler.messages == [] and handler.logins == []  # the password never went out in clear


def test_implicit_tls_delivers(tls: Tls) -> None:
    # aiosmtpd counts only STARTTLS as TLS for offering AUTH; the listener itself is TLS here (checked below)
    with smtp_receiver(USERS, ssl_context=tls.server, auth_require_tls=False) as (port, handler):
        d = send(port, security="tls", ca_file=tls.ca_file, username="alerts", password=USERS["alerts"])
        assert d.ok, d
    assert handler.secure == [True] and len(handler.messages) == 1
    assert [(user, ok) for _, user, ok in handler.logins] == [("alerts", True)]


def test_the_certificate_is_verified_by_default(tls: Tls, starttls_server: tuple[int, Any]) -> None:
    port, handler = starttls_server
    system = send(port, security="starttls")  # system CAs: the test CA is not among them
    stranger = send(port, security="starttls", ca_file=tls.other_ca_file)
    for d in (system, stranger):
        assert (d.ok, d.retryable) == (False, False), d
        assert f"127.0.0.1:{port} 的证书未通过校验" in d.detail and "ca_file" in d.detail
    assert handler.messages == [] and handler.logins == []


def test_implicit_tls_against_a_plain_server_fails_without_sending(tls: Tls) -> None:
    with smtp_receiver() as (port, handler):
        d = send(port, security="tls", ca_file=tls.ca_file)
    assert (d.ok, d.retryable) == (False, False) and "TLS 握手失败" in d.detail, d
    assert handler.messages == []


def test_plaintext_login_only_when_explicitly_allowed() -> None:
    with smtp_receiver(USERS, auth_require_tls=False) as (port, handler):
        d = send(port, username="alerts", password=USERS["alerts"], allow_plaintext_login=True)
        assert d.ok, d
    assert handler.secure == [False] and handler.logins[0][1:] == ("alerts", True)


@pytest.mark.parametrize(("settings", "message"), [
    ({"username": "alerts", "password": "x"}, r"键 username：在未加密的连接上登录会明文发送密码"),
    ({"starttls": True, "username": "alerts", "password": "x", "security": "none"},
     r"键 starttls：与 security = 'none' 矛盾"),
    ({"security": "ssl"}, r"键 security：须为 none、starttls、tls 之一"),
    ({"security": "tls", "username": "alerts", "password": "口令"}, r"键 password：用户名和密码只能含 ASCII 字符"),
    ({"security": "tls", "ca_file": "/nonexistent/ca.pem"}, r"键 ca_file：文件不存在"),
    ({"ca_file": "/etc/hostname"}, r"键 ca_file：须同时设置 security"),
])
def test_unsafe_or_inconsistent_settings_are_refused_at_load(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(NotifierConfigError, match=rf"^receivers\.toml：{message}"):
        parse_config(EmailConfig, {"host": "127.0.0.1", "sender": "a@govops.test", **settings}, kind="email",
                     where="receivers.toml")


def test_an_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate", encoding="utf-8")
    d = send(9, security="tls", ca_file=str(bad))
    assert (d.ok, d.retryable) == (False, False) and f"无法读取 ca_file {bad}" in d.detail, d
