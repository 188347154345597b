"""The demo CA and per-site certificates (EC P-256: fast to generate), and server SSL contexts.

:func:`cert_window` is pure: a site's notBefore/notAfter from ``as_of`` and its TLS faults,
so the ground truth can state the exact expiry. Key generation happens at server start;
the CA certificate is written atomically to ``spec.ca_file`` for the probe to trust.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from demo.fleet import FleetSpec, SiteSpec

VALID_DAYS = 365


def cert_window(spec: FleetSpec, site: SiteSpec) -> tuple[datetime, datetime]:
    """(notBefore, notAfter) of the site's certificate, in UTC, whole seconds."""
    as_of = spec.as_of.replace(microsecond=0)
    expiring = spec.fault(site.code, "tls_expiring")
    expired = spec.fault(site.code, "tls_expired")
    if expired:
        not_after = as_of - timedelta(days=expired.params["days"])
        return not_after - timedelta(days=VALID_DAYS), not_after
    if expiring:
        return as_of - timedelta(days=VALID_DAYS - expiring.params["days"]), \
            as_of + timedelta(days=expiring.params["days"])
    return as_of - timedelta(days=60), as_of + timedelta(days=VALID_DAYS - 60)


class DemoCA:
    """A throw-away certificate authority for one fleet run."""

    def __init__(self, as_of: datetime) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "湖南省政府网站集约化平台（演示）"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "GovOps Demo CA")])
        self.name = name
        pub = self.key.public_key()
        self.cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(as_of - timedelta(days=4000)).not_valid_after(as_of + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write(self, path: Path) -> None:
        """Write the CA certificate atomically (a reader never sees half a file)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ca-", suffix=".pem")
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.pem())
        os.chmod(tmp, 0o644)  # a public certificate: other processes (the probe) read it
        os.replace(tmp, path)

    def issue(self, site: SiteSpec, not_before: datetime, not_after: datetime) -> tuple[bytes, bytes]:
        """(certificate PEM, private key PEM) for the site's IP address."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, site.organizer),
                             x509.NameAttribute(NameOID.COMMON_NAME, site.address)])
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(self.name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(site.address))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                           critical=False)
            .sign(self.key, hashes.SHA256())
        )
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        return cert.public_bytes(serialization.Encoding.PEM), key_pem


def server_context(cert_pem: bytes, key_pem: bytes) -> ssl.SSLContext:
    """A TLS server context; ``load_cert_chain`` needs a file, so a private temp file lives briefly."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    fd, tmp = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(cert_pem + key_pem)
        ctx.load_cert_chain(tmp)
    finally:
        os.unlink(tmp)
    return ctx
