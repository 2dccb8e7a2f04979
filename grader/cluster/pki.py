"""Certificates of the local control plane, generated with `cryptography` (no openssl, no cfssl).

One CA signs the API server's serving certificate and one client certificate per component;
a separate key pair signs ServiceAccount tokens. EC P-256 keys: fast to generate, accepted by
every component.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=3650)
SERVING_NAMES = ("localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                 "kubernetes.default.svc.cluster.local")
SERVING_IPS = ("127.0.0.1", "10.96.0.1")

# Client identities: file stem -> (common name, organisations). The API server maps CN to the
# user and O to groups; the built-in RBAC roles bind the controller-manager and scheduler names.
CLIENTS = {
    "admin": ("cpin-admin", ("system:masters",)),
    "controller-manager": ("system:kube-controller-manager", ()),
    "scheduler": ("system:kube-scheduler", ()),
    "kwok": ("cpin-kwok", ("system:masters",)),
    # The real node (grader.cluster.node): its kubelet, its kube-proxy (bound by the built-in
    # system:node-proxier binding), and the API server towards the kubelet (logs, exec).
    "node": ("system:node:cpin-node", ("system:nodes",)),
    "kube-proxy": ("system:kube-proxy", ()),
    "apiserver-kubelet-client": ("kube-apiserver-kubelet-client", ("system:masters",)),
}


@dataclass(frozen=True)
class Pem:
    cert: bytes
    key: bytes


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _name(cn: str, orgs: tuple[str, ...] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in orgs]
    return x509.Name(attrs + [x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _builder(subject: x509.Name, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + VALIDITY))


def make_ca(cn: str = "cpin-local-ca") -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    name = _name(cn)
    cert = (_builder(name, name, key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def _leaf(ca: x509.Certificate, ca_key, subject: x509.Name, *, server: bool,
          dns: tuple[str, ...] = (), ips: tuple[str, ...] = (), client_too: bool = False) -> Pem:
    key = _key()
    usages = [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
    if server and client_too:
        usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    builder = (_builder(subject, ca.subject, key.public_key())
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False))
    if dns or ips:
        names = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return Pem(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


@dataclass(frozen=True)
class Pki:
    """Paths of the files written by `write_pki`."""
    dir: Path

    @property
    def ca(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.dir / "ca.key"

    @property
    def serving(self) -> tuple[Path, Path]:
        return self.dir / "apiserver.crt", self.dir / "apiserver.key"

    def client(self, name: str) -> tuple[Path, Path]:
        return self.dir / f"{name}.crt", self.dir / f"{name}.key"

    @property
    def sa_key(self) -> Path:
        return self.dir / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.dir / "sa.pub"

    # etcd has a CA of its own: no certificate of the cluster's CA (admin, components) opens it, only
    # the API server's etcd client certificate. The CA's key is not kept.
    @property
    def etcd_ca(self) -> Path:
        return self.dir / "etcd-ca.crt"

    @property
    def etcd_serving(self) -> tuple[Path, Path]:
        """etcd's certificate for clients and its peer port (server and client use)."""
        return self.dir / "etcd.crt", self.dir / "etcd.key"

    @property
    def etcd_client(self) -> tuple[Path, Path]:
        """The API server's certificate towards etcd (and the kit's health probe)."""
        return self.dir / "apiserver-etcd-client.crt", self.dir / "apiserver-etcd-client.key"


def write_pki(directory: Path) -> Pki:
    """Generate the CA, the serving cert, the client certs and the SA key pair into `directory`."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    pki = Pki(directory)
    ca, ca_key = make_ca()
    _write(pki.ca, ca.public_bytes(serialization.Encoding.PEM))
    _write(pki.ca_key, _key_pem(ca_key))
    serving = _leaf(ca, ca_key, _name("kube-apiserver"), server=True, dns=SERVING_NAMES, ips=SERVING_IPS)
    _write(pki.serving[0], serving.cert)
    _write(pki.serving[1], serving.key)
    for stem, (cn, orgs) in CLIENTS.items():
        pem = _leaf(ca, ca_key, _name(cn, orgs), server=False)
        _write(pki.client(stem)[0], pem.cert)
        _write(pki.client(stem)[1], pem.key)
    etcd_ca, etcd_ca_key = make_ca("cpin-etcd-ca")
    _write(pki.etcd_ca, etcd_ca.public_bytes(serialization.Encoding.PEM))
    etcd = _leaf(etcd_ca, etcd_ca_key, _name("cpin-etcd"), server=True, client_too=True,
                 dns=("localhost",), ips=("127.0.0.1",))
    _write(pki.etcd_serving[0], etcd.cert)
    _write(pki.etcd_serving[1], etcd.key)
    client = _leaf(etcd_ca, etcd_ca_key, _name("kube-apiserver-etcd-client"), server=False)
    _write(pki.etcd_client[0], client.cert)
    _write(pki.etcd_client[1], client.key)
    sa = _key()
    _write(pki.sa_key, _key_pem(sa))
    _write(pki.sa_pub, sa.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return pki


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)
