"""A self-signed certificate for the Google Ads gRPC endpoint (SAN localhost and 127.0.0.1).

Light on purpose (no grpc import), so a conftest can call `trust_sandbox_certificate` before
anything imports grpc: grpc reads GRPC_DEFAULT_SSL_ROOTS_FILE_PATH once, when it first needs roots.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERT_FILE = "sandbox-ca.pem"
KEY_FILE = "sandbox-key.pem"
ROOTS_ENV = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"


@dataclass(frozen=True, slots=True)
class Certificate:
    cert_path: Path
    key_path: Path

    def cert_pem(self) -> bytes:
        """The sandbox's own certificate: the first PEM block (the roots file may append public CAs)."""
        text = self.cert_path.read_bytes()
        end = b"-----END CERTIFICATE-----"
        return text[: text.index(end) + len(end)] + b"\n" if end in text else text

    def key_pem(self) -> bytes:
        return self.key_path.read_bytes()


def default_certificate_dir() -> Path:
    """One place per machine user, so every test package in a process trusts the same certificate."""
    return Path(tempfile.gettempdir()) / f"zamc-sandbox-tls-{os.getuid()}"


def trusted_certificate() -> Certificate | None:
    """The certificate GRPC_DEFAULT_SSL_ROOTS_FILE_PATH already points at, if its key sits beside it."""
    configured = os.environ.get(ROOTS_ENV)
    if not configured:
        return None
    cert_path = Path(configured)
    key_path = cert_path.with_name(KEY_FILE)
    return Certificate(cert_path, key_path) if cert_path.exists() and key_path.exists() else None


def ensure_certificate(directory: Path | str) -> Certificate:
    """Returns the certificate in `directory`, creating it if it is missing (safe across processes)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_locked(directory)


def _ensure_locked(directory: Path) -> Certificate:
    cert_path, key_path = directory / CERT_FILE, directory / KEY_FILE
    if cert_path.exists() and key_path.exists():
        return Certificate(cert_path, key_path)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "zamc-sandbox")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=825))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    tmp_key, tmp_cert = key_path.with_suffix(".tmp"), cert_path.with_suffix(".tmp")
    tmp_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    tmp_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp_key, key_path)
    os.replace(tmp_cert, cert_path)
    return Certificate(cert_path, key_path)


def trust_sandbox_certificate(directory: Path | str | None = None) -> Path:
    """Points GRPC_DEFAULT_SSL_ROOTS_FILE_PATH at a sandbox certificate and returns its path.

    Keeps an already configured sandbox certificate (grpc reads the variable only once per
    process); otherwise creates one in `directory` (default: `default_certificate_dir()`).
    """
    cert = trusted_certificate() or ensure_certificate(directory or default_certificate_dir())
    os.environ[ROOTS_ENV] = str(cert.cert_path)
    return cert.cert_path
