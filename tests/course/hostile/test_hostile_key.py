"""The trainer's signing key: readable by its owner only, whatever was done to it, and `cpin certify
verify` names the key it used by its fingerprint."""
from __future__ import annotations

import datetime as dt
import json
import stat

from grader import certify, cli


def test_an_opened_key_is_closed_again_with_a_warning(course_env, capsys):
    certify.load_or_create_key()
    private = certify.keys_dir() / certify.PRIVATE_KEY
    private.chmod(0o644)
    private.parent.chmod(0o755)
    certify.load_or_create_key()
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700
    assert "trop ouverts" in capsys.readouterr().err


def test_verify_shows_the_fingerprint_of_the_key_used(course_env, tmp_path, capsys):
    key = certify.load_or_create_key()
    now = dt.datetime.now(dt.timezone.utc)
    payload = {"format": certify.FORMAT, "student": "alice", "course": "cpin-autoformation", "passed": True,
               "total": {"points": 8.0, "max": 8.0, "ratio": 1.0}, "skills": [], "reasons": [],
               "issued_at": now.isoformat(), "valid_until": (now + dt.timedelta(days=365)).isoformat()}
    path = tmp_path / "alice.json"
    path.write_text(json.dumps(certify.sign(payload, key)))
    capsys.readouterr()
    assert cli.main(["certify", "verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Empreinte SHA-256 : " + certify.fingerprint(key.public_key()) in out
    assert len(certify.fingerprint(key.public_key()).replace(":", "")) == 64
