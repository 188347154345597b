"""robots.txt for the crawl, when a site's rules ask for it (``obey_robots``; off by default: a site's own
operator, or an inspector acting for the public, checks every page the public can reach).

The rules are parsed by the standard library's :class:`urllib.robotparser.RobotFileParser`; what an answer
means follows RFC 9309 §2.3.1: 2xx → its rules; 4xx (no file) → everything allowed; 5xx, or no answer at
all → everything disallowed ("unreachable"). The homepage is always read whatever robots.txt says: the
availability of the homepage is what every other check stands on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

import aiohttp
from yarl import URL

from webread.client import REQUEST_OPTIONS, AddressBlocked

MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309 §2.5: at least 500 KiB must be parsed


@dataclass(frozen=True)
class Robots:
    """What a site's robots.txt allows this crawler. ``state``: "rules" (a file was read), "absent" (4xx:
    all allowed) or "unreachable" (5xx or no answer: all disallowed); ``detail`` says why in Chinese."""

    state: str
    detail: str = ""
    parser: RobotFileParser | None = None
    agent: str = "*"

    def allows(self, url: str) -> bool:
        if self.state == "absent":
            return True
        if self.state == "unreachable" or self.parser is None:
            return False
        return self.parser.can_fetch(self.agent, url)


def robots_url(start_url: str) -> str:
    parts = urlsplit(start_url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against ("GovOps-Inspector" of
    "GovOps-Inspector/1.0 (link check)")."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


def parse_robots(status: int | None, text: str, user_agent: str, error: str = "") -> Robots:
    """The rules an answer to GET /robots.txt gives (``status`` None: no answer, ``error`` why). Pure."""
    agent = agent_token(user_agent)
    if status is None:
        return Robots("unreachable", f"robots.txt 无法读取（{error or '无响应'}），按规则视为全部禁止", agent=agent)
    if status >= 500:
        return Robots("unreachable", f"robots.txt 返回 HTTP {status}，按规则视为全部禁止", agent=agent)
    if status >= 400:
        return Robots("absent", f"robots.txt 不存在（HTTP {status}），全部允许", agent=agent)
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    return Robots("rules", "", parser, agent)


async def load_robots(session: aiohttp.ClientSession, start_url: str, user_agent: str,
                      timeout: float) -> Robots:
    """GET the site's robots.txt through ``session`` (its address policy applies; redirects followed)."""
    try:
        async with asyncio.timeout(timeout):
            # identity: the body is read raw (never inflated, as every body the crawl reads), so ask for it plain
            async with session.get(URL(robots_url(start_url)), headers={"User-Agent": user_agent,
                                                                        "Accept-Encoding": "identity"},
                                   **REQUEST_OPTIONS) as resp:
                if resp.status >= 400:
                    return parse_robots(resp.status, "", user_agent)
                data = await resp.content.read(MAX_ROBOTS_BYTES)
                return parse_robots(resp.status, data.decode("utf-8", "replace"), user_agent)
    except AddressBlocked as exc:
        return parse_robots(None, "", user_agent, exc.reason)
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        return parse_robots(None, "", user_agent, type(exc).__name__ if not str(exc) else str(exc)[:120])
