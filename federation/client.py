"""The city's HTTP client to the province node: JSON over the open API, authorised by the city's node token.

Every failure to get an answer (refused, timed out, 5xx, a body that is not JSON) is one exception,
:class:`ProvinceUnreachable`, carrying the reason in Chinese; a 4xx answer is :class:`ProvinceRefused` —
the province heard and said no (a revoked token, a request out of the city's scope), which retrying will
not fix. Callers decide about retries; this module never sleeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from core.config import Config


class ProvinceUnreachable(Exception):
    """No usable answer from the province (network, timeout, 5xx, not JSON): retry later."""


class ProvinceRefused(Exception):
    """The province answered 4xx: the request itself is wrong or not allowed; retrying does not help."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"省级节点拒绝了请求（HTTP {status}）：{message}")
        self.status = status


def read_token(path: Path) -> str:
    """The node token kept in ``path`` (one line); raises ValueError naming the file when it is missing or
    empty."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"读不到节点令牌文件 {path}：{exc.strerror or exc}") from None
    if not token:
        raise ValueError(f"节点令牌文件 {path} 是空的：请在省级节点用 python app.py nodes token create 生成令牌后写入")
    return token


class ProvinceClient:
    """JSON requests to ``base_url`` (the province node's web/API address) with ``Authorization: Token …``."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.headers["Authorization"] = f"Token {token}"
        self._session.trust_env = False  # a proxy from the environment must not carry the node token elsewhere

    @classmethod
    def from_config(cls, config: Config) -> ProvinceClient:
        """The client a city node uses; raises ValueError when ``[node] province_url``/``token_file`` are
        not set or the token file cannot be read."""
        node = config.node
        if not (node.province_url and node.token_file):
            raise ValueError("本节点未连接省级节点（配置项 node.province_url 与 node.token_file）")
        return cls(node.province_url, read_token(config.resolve_path(node.token_file)),
                   timeout=config.federation.request_timeout)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self._call("POST", path, json=body)

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self.base_url + path
        try:
            resp = self._session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise ProvinceUnreachable(f"省级节点 {self.base_url} 在 {self.timeout:g} 秒内没有应答") from None
        except requests.ConnectionError as exc:
            raise ProvinceUnreachable(f"连不上省级节点 {self.base_url}：{_reason(exc)}") from None
        if resp.status_code >= 500:
            raise ProvinceUnreachable(f"省级节点 {self.base_url} 出错（HTTP {resp.status_code}）")
        if resp.status_code >= 400:
            raise ProvinceRefused(resp.status_code, _message(resp))
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise ProvinceUnreachable(f"省级节点 {self.base_url} 的应答不是 JSON（HTTP {resp.status_code}）") from None


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "Connection refused" in text:
        return "连接被拒绝"
    if "Name or service not known" in text or "getaddrinfo" in text:
        return "域名无法解析"
    return text[:200]


def _message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)[:200]
    return str(body)[:200]
