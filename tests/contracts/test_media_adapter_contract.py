"""One contract over every registered new-media adapter: a new platform is tested by being registered.

Each adapter fetches a healthy account from the loopback stand-in of its platform (demo/media_platforms.py,
which a new platform extends with its documented API) and must return one :class:`AccountActivity` of the
shared shape: as of ``now``, posts newest first and never after ``now``, the newest post as ``last_post_at``,
counts that are non-negative or None (unknown). A registered adapter without a harness entry fails.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from demo.media_platforms import FakeAccount, FakePlatforms
from newmedia.base import ADAPTERS, AccountActivity, AdapterSettings, MediaAdapter
from newmedia.settings import load_adapters
from tests.newmedia.support import CREDENTIALS, NOW, SINCE, fake, ref

PLATFORMS = load_adapters()
HARNESS: dict[str, Callable[[], FakeAccount]] = {
    p: (lambda p=p: fake(p)) for p in ("wechat", "weibo", "douyin", "toutiao", "kuaishou", "app")}


def test_every_adapter_has_a_harness() -> None:
    assert sorted(PLATFORMS) == sorted(HARNESS)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_adapter_contract(platform: str, monkeypatch: pytest.MonkeyPatch) -> None:
    kind = ADAPTERS.get(platform)
    assert kind.platform == platform
    # the platform's published host; "" only where none exists (an app: its operator's endpoint, configured)
    assert kind.default_base_url.startswith("https://") or (platform == "app" and kind.default_base_url == "")
    monkeypatch.setenv(f"MEDIA_{platform.upper()}", CREDENTIALS[platform])
    fp = FakePlatforms([HARNESS[platform]()])
    with fp.serve() as base:
        adapter = kind(AdapterSettings(base_url=base, timeout=5.0))
        assert isinstance(adapter, MediaAdapter)
        act = adapter.fetch(ref(platform), SINCE, NOW)
    assert isinstance(act, AccountActivity) and act.as_of == NOW and act.source == "api"
    times = [p.time for p in act.posts]
    assert times == sorted(times, reverse=True) and all(t <= NOW and t.tzinfo is not None for t in times)
    assert act.last_post_at == (times[0] if times else None)
    for value in (act.posts_7d, act.followers, act.unanswered):
        assert value is None or value >= 0
