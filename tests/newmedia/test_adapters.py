"""Each platform adapter against a loopback server implementing the platform's documented API
(demo/media_platforms.py), including the platforms' error codes: expired token, rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from demo.media_platforms import FakePlatforms
from newmedia.base import ADAPTERS, AccountRef, AdapterError, AdapterSettings
from newmedia.settings import load_adapters
from tests.newmedia.support import CREDENTIALS, IDS, NOW, SECRETS, SINCE, fake, ref

PLATFORMS = ("wechat", "weibo", "douyin", "toutiao", "kuaishou", "app")
# What each API cannot see stays unknown (None): followers / whether interaction is open.
NO_FOLLOWERS = {"toutiao"}
NO_INTERACTION = {"douyin", "toutiao", "kuaishou"}
load_adapters()


@pytest.fixture
def platforms(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakePlatforms, str]]:
    for p in PLATFORMS:
        monkeypatch.setenv(f"MEDIA_{p.upper()}", CREDENTIALS[p])
    fp = FakePlatforms([fake(p) for p in PLATFORMS])
    with fp.serve() as base:
        yield fp, base


def _adapter(platform: str, base: str) -> Any:
    return ADAPTERS.get(platform)(AdapterSettings(base_url=base, timeout=5.0))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_fetch_reads_posts_followers_and_interaction(platforms: tuple[FakePlatforms, str], platform: str) -> None:
    fp, base = platforms
    act = _adapter(platform, base).fetch(ref(platform), SINCE, NOW)
    account = fp.account(platform, IDS[platform])
    assert account is not None
    assert act.source == "api" and act.as_of == NOW
    assert act.last_post_at == max(t for _, t in account.posts)
    assert act.posts_7d == sum(1 for _, t in account.posts if NOW - timedelta(days=7) < t <= NOW)  # 9
    assert act.followers == (None if platform in NO_FOLLOWERS else 12345)
    assert act.interaction_open is (None if platform in NO_INTERACTION else True)
    assert act.unanswered is None  # the platforms' APIs do not expose the backlog; this app reports none
    assert len(act.posts) >= 18 and act.posts[-1].time < SINCE  # read back past ``since``, across pages


@pytest.mark.parametrize("platform", PLATFORMS)
def test_rate_limit_is_retryable(platforms: tuple[FakePlatforms, str], platform: str) -> None:
    fp, base = platforms
    fp.rate_limited.add(IDS[platform])
    with pytest.raises(AdapterError, match="调用频率超限") as err:
        _adapter(platform, base).fetch(ref(platform), SINCE, NOW)
    assert err.value.retryable and err.value.code == "rate"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_revoked_credential_is_not_retryable_and_never_shown(platforms: tuple[FakePlatforms, str],
                                                               platform: str) -> None:
    fp, base = platforms
    fp.revoked.add(IDS[platform])
    with pytest.raises(AdapterError) as err:
        _adapter(platform, base).fetch(ref(platform), SINCE, NOW)
    assert not err.value.retryable
    assert SECRETS[platform] not in str(err.value)
    if platform != "wechat":  # WeChat refuses the secret itself when fetching a token (40125)
        assert "访问令牌已过期或无效" in str(err.value)


def test_wechat_fetches_a_new_token_once_when_it_expired(platforms: tuple[FakePlatforms, str]) -> None:
    fp, base = platforms
    adapter = _adapter("wechat", base)
    adapter.fetch(ref("wechat"), SINCE, NOW)
    tokens_before = fp.calls.count("/cgi-bin/token")
    adapter.fetch(ref("wechat"), SINCE, NOW)
    assert fp.calls.count("/cgi-bin/token") == tokens_before  # cached until it expires
    fp.expire_once.add(IDS["wechat"])
    act = adapter.fetch(ref("wechat"), SINCE, NOW)
    assert fp.calls.count("/cgi-bin/token") == tokens_before + 1 and act.followers == 12345


def test_credentials_are_references(platforms: tuple[FakePlatforms, str], monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: Path) -> None:
    _, base = platforms
    with pytest.raises(AdapterError, match="环境变量 NOPE 未设置"):
        _adapter("weibo", base).fetch(ref("weibo", "NOPE"), SINCE, NOW)
    secret = tmp_path / "weibo.token"
    secret.write_text(SECRETS["weibo"] + "\n", encoding="utf-8")
    by_file = AccountRef(1, "weibo", IDS["weibo"], "微博", f"file:{secret}")
    assert _adapter("weibo", base).fetch(by_file, SINCE, NOW).followers == 12345
    with pytest.raises(AdapterError, match="未配置凭据引用"):
        _adapter("weibo", base).fetch(AccountRef(1, "weibo", IDS["weibo"], "微博"), SINCE, NOW)
    monkeypatch.setenv("MEDIA_WECHAT", "no-colon-here")
    with pytest.raises(AdapterError, match="APPID:APPSECRET") as err:
        _adapter("wechat", base).fetch(ref("wechat"), SINCE, NOW)
    assert "no-colon-here" not in str(err.value)


def test_an_unreachable_platform_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setenv("MEDIA_DOUYIN", CREDENTIALS["douyin"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(AdapterError, match="无法连接") as err:
        _adapter("douyin", f"http://127.0.0.1:{port}").fetch(ref("douyin"), SINCE, NOW)
    assert err.value.retryable


def test_app_endpoint_reports_the_backlog_as_of_its_own_time(platforms: tuple[FakePlatforms, str]) -> None:
    """The app endpoint is the one source of the unanswered backlog; figures older than now stay dated as
    the app took them (a veto is never proven by a time nobody looked)."""
    fp, base = platforms
    acc = fp.account("app", IDS["app"])
    assert acc is not None
    acc.unanswered, acc.oldest_unanswered_at = 3, NOW - timedelta(days=95)
    acc.as_of = NOW - timedelta(hours=6)
    act = _adapter("app", base).fetch(ref("app"), SINCE, NOW)
    assert act.as_of == NOW - timedelta(hours=6)
    assert (act.unanswered, act.oldest_unanswered_at) == (3, NOW - timedelta(days=95))
    assert all(p.time <= act.as_of for p in act.posts)


def test_app_refusals(platforms: tuple[FakePlatforms, str]) -> None:
    _, base = platforms
    with pytest.raises(AdapterError, match="错误码 not_found") as err:
        _adapter("app", base).fetch(AccountRef(1, "app", "no-such-app", "无此App", "env:MEDIA_APP"), SINCE, NOW)
    assert not err.value.retryable
    with pytest.raises(AdapterError, match="没有接口采集"):
        _adapter("app", "").fetch(ref("app"), SINCE, NOW)  # no app_api configured


def test_kuaishou_credential_needs_the_app_id(platforms: tuple[FakePlatforms, str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _, base = platforms
    monkeypatch.setenv("MEDIA_KUAISHOU", SECRETS["kuaishou"])  # the token alone
    with pytest.raises(AdapterError, match="APP_ID:ACCESS_TOKEN") as err:
        _adapter("kuaishou", base).fetch(ref("kuaishou"), SINCE, NOW)
    assert SECRETS["kuaishou"] not in str(err.value)
