"""Test helpers: loopback aiohttp servers, a throwaway CA, settings and a seeded registry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.config import CollectorsConfig, Config, NodeConfig
from db.models import Host, HostRole, Node, NodeLevel, Site, SiteLevel
from tsdb.point import Point
from tsdb.sqlite_store import SQLiteMetricStore
from webread.addresses import AddressPolicy

UTC = dt.UTC


def loopback_policy() -> AddressPolicy:
    """An address policy that lets tests reach their own servers on 127.0.0.0/8 (an explicit allow-list,
    as an operator would configure an intranet); everything else internal stays refused."""
    return AddressPolicy(allow_networks=["127.0.0.0/8"])


def make_config(node_code: str = "430000", **collectors: Any) -> Config:
    """Default settings with the node's code and some ``[collectors]`` keys replaced."""
    return dataclasses.replace(Config(), node=NodeConfig(code=node_code),
                               collectors=dataclasses.replace(CollectorsConfig(), **collectors))


@asynccontextmanager
async def serve(app: web.Application, ssl_context: ssl.SSLContext | None = None,
                host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Run ``app`` on a free loopback port; yields its base URL (no trailing slash)."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, host, 0, ssl_context=ssl_context)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://{host}:{port}"
    finally:
        await runner.cleanup()


@dataclass(frozen=True)
class PKI:
    ca_file: Path
    cert_file: Path
    key_file: Path
    not_after: dt.datetime  # the leaf's notAfter, whole seconds, UTC

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        ctx.load_verify_locations(cafile=str(self.ca_file))
        return ctx


def make_pki(directory: Path, days_left: int) -> PKI:
    """A CA and a leaf for 127.0.0.1 that expires ``days_left`` days from now (to the second; negative:
    expired that many days ago)."""
    now = dt.datetime.now(UTC).replace(microsecond=0)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "GovOps Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = now + dt.timedelta(days=days_left)
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(min(now, not_after) - dt.timedelta(days=1)).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "leaf.pem", directory / "leaf.key"
    ca_file.write_bytes(ca.public_bytes(pem))
    cert_file.write_bytes(leaf.public_bytes(pem))
    key_file.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return PKI(ca_file, cert_file, key_file, not_after)


def seed_registry(session: Any, urls: dict[str, str]) -> None:
    """Province 430000, city 430100 (长沙市), county 430102 (芙蓉区) and sites.

    ``urls`` maps a site code to its URL; sites are given levels by code prefix:
    ``P`` provincial portal, ``C`` city portal, ``X`` county portal, ``D`` disabled city department.
    """
    session.add_all([
        Node(code="430000", name="湖南省", level=NodeLevel.PROVINCE),
        Node(code="430100", name="长沙市", level=NodeLevel.CITY, parent_code="430000"),
        Node(code="430102", name="芙蓉区", level=NodeLevel.COUNTY, parent_code="430100"),
    ])
    session.flush()
    kinds = {"P": (SiteLevel.PROVINCIAL_PORTAL, "430000", True), "C": (SiteLevel.CITY_PORTAL, "430100", True),
             "X": (SiteLevel.COUNTY_PORTAL, "430102", True), "D": (SiteLevel.CITY_DEPARTMENT, "430100", False)}
    for code, url in urls.items():
        level, node, enabled = kinds[code[0]]
        session.add(Site(code=code, name=f"测试网站{code}", url=url, level=level, node_code=node, enabled=enabled))


def add_host(session: Any, name: str, node: str, *, local: bool, enabled: bool = True) -> None:
    session.add(Host(name=name, address="127.0.0.1", node_code=node, role=HostRole.WEB, local=local,
                     enabled=enabled))


class RecordingStore(SQLiteMetricStore):
    """The real SQLite metric store that also keeps each write() batch, to assert on batching."""

    def __init__(self, path: Path | None = None) -> None:
        super().__init__(path or Path(tempfile.mkdtemp(prefix="govops-store-")) / "metrics.db")
        self.batches: list[list[Point]] = []
        self.lock = threading.Lock()

    def write(self, points: Iterable[Point]) -> int:
        batch = list(points)
        written = super().write(batch)
        with self.lock:
            self.batches.append(batch)
        return written

    def health(self, collector: str) -> list[Point]:
        return [p for b in self.batches for p in b
                if p.measurement == "collector_run" and p.tags["collector"] == collector]
