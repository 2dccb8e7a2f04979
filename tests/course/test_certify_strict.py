"""Attestations: expiry, strict JSON, every shown field signed (issue #21, part 5). No course needed."""
from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from grader import certify, cli
from grader.certify import CertificateInvalid

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
def signed(tmp_path):
    """A key pair on disk and a function writing a signed certificate with the given payload changes."""
    key = Ed25519PrivateKey.generate()
    public = tmp_path / "cle.pub.pem"
    public.write_bytes(certify.public_pem(key.public_key()))

    def write(name="cert.json", signer=key, raw=None, **changes):
        payload = {"format": certify.FORMAT, "course": "c", "student": "alice", "passed": True,
                   "issued_at": "2026-06-01T00:00:00+00:00", "valid_until": "2027-06-01T00:00:00+00:00",
                   "total": {"points": 8, "max": 8, "ratio": 1.0}, "key_id": certify.key_id(key.public_key())}
        payload.update(changes)
        path = tmp_path / name
        path.write_text(raw if raw is not None else json.dumps(certify.sign(payload, signer)))
        return path
    write.public = public
    write.key = key
    return write


def test_a_valid_certificate_verifies(signed):
    assert certify.verify_file(signed(), signed.public, now=NOW)["student"] == "alice"


def test_an_expired_certificate_is_refused(signed):
    path = signed(valid_until="2026-11-30T00:00:00+00:00")
    with pytest.raises(CertificateInvalid, match="expiré depuis le 2026-11-30"):
        certify.verify_file(path, signed.public, now=NOW)


def test_a_certificate_dated_in_the_future_is_refused(signed):
    with pytest.raises(CertificateInvalid, match="futur"):
        certify.verify_file(signed(issued_at="2027-01-01T00:00:00+00:00"), signed.public, now=NOW)


def test_a_duplicated_key_is_refused_even_when_the_signature_holds(signed):
    text = signed().read_text()
    forged = text.replace('"student": "alice"', '"student": "alice", "student": "mallory"', 1)
    assert forged != text
    with pytest.raises(CertificateInvalid, match="« student » apparaît deux fois"):
        certify.verify_file(signed(raw=forged), signed.public, now=NOW)


def test_the_shown_key_id_is_the_verifying_keys(signed):
    document = json.loads(signed().read_text())
    document["signature"]["key_id"] = "0123456789abcdef"      # not signed by itself: checked against the key
    path = signed(raw=json.dumps(document))
    with pytest.raises(CertificateInvalid, match="Identifiant de clé"):
        certify.verify_file(path, signed.public, now=NOW)
    with pytest.raises(CertificateInvalid, match="Identifiant de clé"):   # inside the payload: signed, and checked
        certify.verify_file(signed(key_id="0123456789abcdef"), signed.public, now=NOW)


def test_re_signed_with_another_key_fails(signed):
    path = signed(signer=Ed25519PrivateKey.generate(), student="mallory")
    with pytest.raises(CertificateInvalid, match="autre clé|Identifiant de clé"):
        certify.verify_file(path, signed.public, now=NOW)


@pytest.mark.parametrize("bad", ["deep", "nan", "folder", "device", "fifo"])
def test_hostile_files_are_refused_cleanly(signed, tmp_path, bad, capsys):
    if bad == "deep":
        path = signed(raw="[" * 100_000 + "]" * 100_000)
    elif bad == "nan":
        path = signed(raw='{"certificate": NaN, "signature": {}}')
    elif bad == "folder":
        path = tmp_path / "dossier"
        path.mkdir()
    elif bad == "device":
        path = "/dev/zero"
    else:
        path = tmp_path / "tube.json"
        os.mkfifo(path)
    with pytest.raises(CertificateInvalid):
        certify.verify_file(path, signed.public)
    assert cli.main(["certify", "verify", str(path), "--public-key", str(signed.public)]) == 1
    assert "Traceback" not in capsys.readouterr().err
