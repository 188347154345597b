"""Fake platform accounts for the adapter tests and the adapter contract (demo/media_platforms.py serves them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from demo.media_platforms import KUAISHOU_APP_ID, FakeAccount
from newmedia.base import AccountRef

NOW = datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=15)
SECRETS = {"wechat": "wx-appsecret-0123456789", "weibo": "2.00weibo-token-abcdef", "douyin": "act.douyin-token-xyz",
           "toutiao": "act.toutiao-token-uvw", "kuaishou": "ks-access-token-rst", "app": "app-bearer-token-opq"}
IDS = {"wechat": "wx0123456789abcdef", "weibo": "5900000001", "douyin": "open-id-0001", "toutiao": "open-id-tt-01",
       "kuaishou": "ks-open-id-01", "app": "app-shaoyang"}
CREDENTIALS = {"wechat": f"{IDS['wechat']}:{SECRETS['wechat']}", "weibo": SECRETS["weibo"],
               "douyin": SECRETS["douyin"], "toutiao": SECRETS["toutiao"],
               "kuaishou": f"{KUAISHOU_APP_ID}:{SECRETS['kuaishou']}", "app": SECRETS["app"]}


def posts(n: int, newest: timedelta, step: timedelta = timedelta(hours=20)) -> list[tuple[str, datetime]]:
    """``n`` posts, the newest ``newest`` before NOW, then every ``step`` further back (whole seconds)."""
    start = (NOW - newest).replace(microsecond=0)
    return [(str(9_000_000 + i), start - i * step) for i in range(n)]


def fake(platform: str, n: int = 45, newest: timedelta = timedelta(hours=3), followers: int = 12345,
         open_: bool = True) -> FakeAccount:
    return FakeAccount(platform, IDS[platform], SECRETS[platform], posts(n, newest), followers, open_)


def ref(platform: str, env_name: str = "") -> AccountRef:
    return AccountRef(1, platform, IDS[platform], f"{platform} 测试号",
                      f"env:{env_name or 'MEDIA_' + platform.upper()}")
