"""SSH sessions to remote hosts with paramiko: verified host keys, key authentication, bounded time, reuse.

Host keys are checked against the project's known_hosts file (``[collectors] ssh_known_hosts``): a host
whose key is not there is refused (:data:`UNKNOWN`), a host whose key differs from the one there is refused
(:data:`CHANGED`); only ``app.py hosts trust`` writes that file. Every failure is an :class:`SSHFailure`
with a code and a Chinese reason; nothing here logs, and no key material ever leaves this module except
public keys and their fingerprints.

Blocking: call from worker threads. :class:`SSHPool` keeps at most ``size`` idle connections, one per
endpoint, least recently used closed first; a connection is used by one poll at a time.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import paramiko

from core.i18n.ssh import T

UNKNOWN, CHANGED = "hostkey_unknown", "hostkey_changed"
MAX_OUTPUT = 4 * 1024 * 1024  # a poll's output is a few tens of KiB; more means something is wrong
MAX_AGE_S = 600.0  # a reused connection is re-opened (and its host key checked again) at least this often
_RECV_SLICE_S = 0.5  # the read loop wakes this often to check its deadline


class SSHFailure(Exception):
    """A poll that could not run: ``code`` (hostkey_unknown, hostkey_changed, auth, key, config,
    connect_timeout, connect, command_timeout, ssh) and ``reason`` in Chinese."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Endpoint:
    """Where and as whom to log in; ``name`` is the registered host name (messages and the pool key)."""

    name: str
    address: str
    port: int
    user: str
    key_file: Path

    @property
    def where(self) -> str:
        return f"{self.address}:{self.port}"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's ``SHA256:…`` fingerprint of a public key (base64 without padding)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")


def known_hosts_name(address: str, port: int) -> str:
    """How OpenSSH (and paramiko) name a host in known_hosts: ``addr`` on port 22, ``[addr]:port`` else."""
    return address if port == 22 else f"[{address}]:{port}"


def load_known_hosts(path: Path) -> paramiko.HostKeys:
    """The host keys of ``path``; empty when the file does not exist yet (every key is then unknown)."""
    keys = paramiko.HostKeys()
    if path.is_file():
        keys.load(str(path))
    return keys


def fetch_host_key(address: str, port: int, timeout: float) -> paramiko.PKey:
    """The host key a server presents (no authentication). Raises :class:`SSHFailure` (connect codes)."""
    where = f"{address}:{port}"
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except TimeoutError:
        raise SSHFailure("connect_timeout", T["connect_timeout"].format(host=address, where=where,
                                                                      seconds=timeout)) from None
    except OSError as exc:
        raise SSHFailure("connect", T["connect_failed"].format(host=address, where=where,
                                                             detail=exc.strerror or exc)) from None
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    try:
        transport.start_client(timeout=timeout)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise SSHFailure("ssh", T["ssh_error"].format(host=address, where=where, detail=_detail(exc))) from None
    finally:
        transport.close()


def _detail(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__)[:200]


class _Refuse(paramiko.MissingHostKeyPolicy):
    """An unknown host key is refused, naming the host and how to trust it (paramiko's RejectPolicy, worded)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        e = self.endpoint
        raise SSHFailure(UNKNOWN, T["hostkey_unknown"].format(host=e.name, where=e.where))


def connect(endpoint: Endpoint, known_hosts: Path, timeout: float) -> paramiko.SSHClient:
    """A logged-in client. ``timeout`` bounds each of TCP connect, banner, authentication and channel opening.

    Raises :class:`SSHFailure`; a changed or unknown host key is refused before authentication."""
    e = endpoint
    try:
        pkey = paramiko.PKey.from_path(e.key_file)
    except (OSError, paramiko.SSHException, ValueError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else _detail(exc)
        raise SSHFailure("key", T["key_unreadable"].format(host=e.name, path=e.key_file, detail=detail)) from None
    client = paramiko.SSHClient()
    try:
        client.get_host_keys().update(load_known_hosts(known_hosts))
        client.set_missing_host_key_policy(_Refuse(e))
        client.connect(e.address, e.port, username=e.user, pkey=pkey, timeout=timeout, banner_timeout=timeout,
                       auth_timeout=timeout, channel_timeout=timeout, allow_agent=False, look_for_keys=False)
        return client
    except SSHFailure:
        client.close()
        raise
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise SSHFailure(CHANGED, T["hostkey_changed"].format(host=e.name, where=e.where,
                                                              fingerprint=fingerprint(exc.key))) from None
    except paramiko.AuthenticationException:
        client.close()
        raise SSHFailure("auth", T["auth_failed"].format(host=e.name, where=e.where, user=e.user)) from None
    except TimeoutError:
        client.close()
        raise SSHFailure("connect_timeout", T["connect_timeout"].format(host=e.name, where=e.where,
                                                                      seconds=timeout)) from None
    except (paramiko.SSHException, EOFError) as exc:
        client.close()
        code = "connect_timeout" if "timeout" in str(exc).lower() else "ssh"
        key = "connect_timeout" if code == "connect_timeout" else "ssh_error"
        raise SSHFailure(code, T[key].format(host=e.name, where=e.where, seconds=timeout,
                                             detail=_detail(exc))) from None
    except OSError as exc:
        client.close()
        raise SSHFailure("connect", T["connect_failed"].format(host=e.name, where=e.where,
                                                             detail=exc.strerror or _detail(exc))) from None


def run_script(client: paramiko.SSHClient, endpoint: Endpoint, script: str, timeout: float) -> str:
    """Run ``script`` with the remote ``/bin/sh`` (fed on stdin) and return its stdout (UTF-8, bad bytes
    replaced). The whole run is bounded by ``timeout`` seconds: past it the channel is closed and
    :class:`SSHFailure` ``command_timeout`` raised. Other SSH errors raise ``ssh``."""
    deadline = time.monotonic() + timeout
    transport = client.get_transport()
    if transport is None or not transport.is_active():
        raise SSHFailure("ssh", T["ssh_error"].format(host=endpoint.name, where=endpoint.where, detail="连接已断开"))
    chunks: list[bytes] = []
    size = 0
    try:
        chan = transport.open_session(timeout=timeout)
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise SSHFailure("ssh", T["ssh_error"].format(host=endpoint.name, where=endpoint.where,
                                                      detail=_detail(exc))) from None
    try:
        chan.settimeout(_RECV_SLICE_S)
        chan.exec_command("/bin/sh -s")
        chan.sendall(script.encode())
        chan.shutdown_write()
        while True:  # bounded by the deadline: every pass either reads, ends or waits at most one slice
            if time.monotonic() >= deadline:
                raise SSHFailure("command_timeout", T["command_timeout"].format(host=endpoint.name,
                                                                                seconds=timeout))
            try:
                data = chan.recv(65536)
            except TimeoutError:
                continue
            if not data:
                break
            size += len(data)
            if size > MAX_OUTPUT:
                raise SSHFailure("ssh", T["ssh_error"].format(host=endpoint.name, where=endpoint.where,
                                                              detail=f"输出超过 {MAX_OUTPUT} 字节"))
            chunks.append(data)
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise SSHFailure("ssh", T["ssh_error"].format(host=endpoint.name, where=endpoint.where,
                                                      detail=_detail(exc))) from None
    finally:
        chan.close()
    return b"".join(chunks).decode("utf-8", "replace")


class SSHPool:
    """Reused, bounded SSH connections. ``run`` is thread-safe; each endpoint's connection serves one run
    at a time (a second concurrent run of the same endpoint opens its own and the extra one is closed)."""

    def __init__(self, known_hosts: Path, *, connect_timeout: float, command_timeout: float, size: int,
                 max_age_s: float = MAX_AGE_S) -> None:
        if size <= 0 or connect_timeout <= 0 or command_timeout <= 0:
            raise ValueError(f"SSHPool: size ({size}) and timeouts ({connect_timeout}, {command_timeout}) "
                             "must be > 0")
        self.known_hosts = known_hosts
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self.size = size
        self.max_age_s = max_age_s
        self._idle: OrderedDict[Endpoint, tuple[paramiko.SSHClient, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.connects = 0  # connections opened so far (reuse shows as runs without a connect)

    def _take(self, endpoint: Endpoint) -> tuple[paramiko.SSHClient, float] | None:
        with self._lock:
            held = self._idle.pop(endpoint, None)
        if held is None:
            return None
        client, opened = held
        transport = client.get_transport()
        if transport is None or not transport.is_active() or time.monotonic() - opened > self.max_age_s:
            client.close()
            return None
        return client, opened

    def _give(self, endpoint: Endpoint, client: paramiko.SSHClient, opened: float) -> None:
        evicted: list[paramiko.SSHClient] = []
        with self._lock:
            if endpoint in self._idle:
                evicted.append(self._idle.pop(endpoint)[0])
            self._idle[endpoint] = (client, opened)
            while len(self._idle) > self.size:
                evicted.append(self._idle.popitem(last=False)[1][0])
        for c in evicted:
            c.close()

    def _open(self, endpoint: Endpoint) -> paramiko.SSHClient:
        client = connect(endpoint, self.known_hosts, self.connect_timeout)
        with self._lock:
            self.connects += 1
        return client

    def run(self, endpoint: Endpoint, script: str) -> str:
        """The script's output on ``endpoint``, over a reused connection when one is idle. A reused
        connection that turns out dead is replaced once. Raises :class:`SSHFailure`."""
        held = self._take(endpoint)
        reused = held is not None
        client, opened = held if held is not None else (self._open(endpoint), time.monotonic())
        try:
            out = run_script(client, endpoint, script, self.command_timeout)
        except SSHFailure as exc:
            client.close()
            if not (reused and exc.code == "ssh"):
                raise
            client, opened = self._open(endpoint), time.monotonic()  # the server went away: reconnect once
            try:
                out = run_script(client, endpoint, script, self.command_timeout)
            except SSHFailure:
                client.close()
                raise
        self._give(endpoint, client, opened)
        return out

    def idle(self) -> int:
        with self._lock:
            return len(self._idle)

    def close(self) -> None:
        """Close every idle connection (connections in use close when their run ends)."""
        with self._lock:
            held = [c for c, _ in self._idle.values()]
            self._idle.clear()
        for c in held:
            c.close()
