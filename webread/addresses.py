"""Which network addresses the probes, the fetcher and the crawler may connect to (the SSRF policy).

Pure: no DNS, no sockets. :class:`GuardedConnector` (``webread.client``) asks
:meth:`AddressPolicy.refusal` about every address a host name resolved to (or the IP literal of
the URL), on every connection and so on every redirect hop, and connects only to the addresses
allowed, so what is checked is what is connected to.

The rule, in order:

1. a cloud metadata address (169.254.169.254, fd00:ec2::254, 100.100.100.200) is always refused;
2. with ``block_internal`` off everything else is allowed;
3. a public (globally routable) address is allowed;
4. an internal address — loopback, private, link-local, shared (100.64/10), unspecified, reserved,
   multicast, and IPv6 forms embedding one (``::ffff:10.0.0.1``, 6to4, NAT64) — is allowed only
   when the host asked for is a registered site's host, the address is a registered site's IP
   literal, or it lies in one of the configured ``allow_networks`` (government intranets);
5. anything else internal is refused.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Iterable
from typing import Literal
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Refusal = Literal["internal", "metadata"]

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset({
    ipaddress.ip_address("169.254.169.254"),  # AWS, Alibaba Cloud, Tencent Cloud, OpenStack, GCP, Azure
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud ECS
})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_address(text: str) -> IPAddress | None:
    """The IP address written in ``text`` (brackets and an IPv6 zone allowed), or None for a host name."""
    t = text.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(t)
    except ValueError:
        return None


def embedded(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), else ``ip`` itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def is_internal(ip: IPAddress) -> bool:
    """True for addresses that are not public: loopback, private, link-local, shared, reserved, multicast…"""
    return any(not a.is_global or a.is_multicast or a.is_unspecified for a in {ip, embedded(ip)})


def is_metadata(ip: IPAddress) -> bool:
    return ip in METADATA_ADDRESSES or embedded(ip) in METADATA_ADDRESSES


def host_key(host: str) -> str:
    """A host name as the policy compares it: lower case, ASCII (IDNA), no trailing dot, no brackets."""
    h = host.strip().strip("[]").rstrip(".").lower()
    if not h.isascii():
        with contextlib.suppress(UnicodeError):
            h = h.encode("idna").decode("ascii")
    return h


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Networks from strings such as ``10.43.0.0/16``, ``192.168.1.7`` or ``fd12::/48``.

    Raises ValueError naming the first entry that is not an IP network.
    """
    out: list[Network] = []
    for entry in entries:
        try:
            out.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP network: {entry!r}") from None
    return tuple(out)


class AddressPolicy:
    """The SSRF policy of one process part (the probe collector, an inspection runner).

    ``registered``: URLs of the registry's enabled sites; :meth:`register` replaces them (the
    owner calls it whenever it reads the registry). Their hosts, names and IP literals alike, may be
    reached at any port. Safe to share between threads: a registration swaps whole frozensets.
    """

    def __init__(self, *, block_internal: bool = True, allow_networks: Iterable[Network | str] = (),
                 registered: Iterable[str] = ()) -> None:
        self.block_internal = block_internal
        self.allow_networks: tuple[Network, ...] = tuple(
            n if isinstance(n, ipaddress.IPv4Network | ipaddress.IPv6Network) else parse_networks([n])[0]
            for n in allow_networks)
        self._hosts: frozenset[str] = frozenset()
        self._addresses: frozenset[IPAddress] = frozenset()
        self.register(registered)

    @classmethod
    def from_config(cls, fetch: object) -> AddressPolicy:
        """From the ``[fetch]`` section (``core.config.FetchConfig``); the registry is registered later."""
        return cls(block_internal=bool(getattr(fetch, "block_internal", True)),
                   allow_networks=tuple(getattr(fetch, "allow_networks", ())))

    @classmethod
    def open(cls) -> AddressPolicy:
        """No internal-address check (metadata addresses stay refused): tools and benchmarks only."""
        return cls(block_internal=False)

    def register(self, urls: Iterable[str]) -> None:
        """Replace the registered sites by the hosts of ``urls`` (unparsable URLs are skipped)."""
        hosts: set[str] = set()
        addresses: set[IPAddress] = set()
        for url in urls:
            try:
                host = urlsplit(str(url).strip()).hostname
            except ValueError:
                continue
            if not host:
                continue
            ip = parse_address(host)
            if ip is not None:
                addresses.add(ip)
            else:
                hosts.add(host_key(host))
        self._hosts, self._addresses = frozenset(hosts), frozenset(addresses)

    @property
    def registered_hosts(self) -> frozenset[str]:
        return self._hosts | {str(a) for a in self._addresses}

    def refusal(self, host: str, address: str | IPAddress) -> Refusal | None:
        """None when a connection to ``address`` (resolved from ``host``) is allowed, else why not."""
        ip = address if isinstance(address, ipaddress.IPv4Address | ipaddress.IPv6Address) else parse_address(address)
        if ip is None:
            return "internal"  # a resolver that returns no address at all is not to be trusted
        if is_metadata(ip):
            return "metadata"
        if not self.block_internal or not is_internal(ip):
            return None
        if ip in self._addresses or embedded(ip) in self._addresses or host_key(host) in self._hosts:
            return None
        if any(ip in net or embedded(ip) in net for net in self.allow_networks):
            return None
        return "internal"
