"""The exam attestation: honest title and content, refused unless passed, offline verification."""
from __future__ import annotations

import json

import pytest

from grader import certify
from grader.errors import InputError
from grader.exam import attestation
from grader.exam.grading import ExamResult, LabResult, QuestionResult


def _result(*, skills=("culture", "containerisation", "kubernetes", "gitlab-ci", "gitops"), right=True,
            lab_status="évalué") -> ExamResult:
    labs = [LabResult("lab1", "Déployer", "v1", "kubernetes", 1.0, 1.0, "évalué"),
            LabResult("lab2", "SOPS", "v2", "gitops", 1.0 if lab_status == "évalué" else 0.0, 1.0, lab_status,
                      "" if lab_status == "évalué" else "contrôles absents"),
            LabResult("lab3", "Helm", "v3", "helm", 3.0, 3.0, "évalué")]
    qs = [QuestionResult(f"q-{s}", s, ("a",), ("a",), 0.5 if right else 0.0, 0.5, "explication") for s in skills]
    return ExamResult("camille", "2026-12-01T09:00:00+00:00", "2026-12-01T11:00:00+00:00",
                      "2026-12-01T10:30:00+00:00", "2026-12-01T10:31:00+00:00", labs, qs, 0.8)


def test_a_passed_exam_gets_the_honest_title_and_every_mandatory_skill():
    payload = attestation.build(_result())
    assert payload["title"] == "Attestation de réussite — examen blanc du kit d'autoformation"
    assert "n'est pas la certification" in payload["notice"]
    assert [s["skill"] for s in payload["mandatory_skills"]] == ["containerisation", "kubernetes", "gitlab-ci", "gitops"]
    assert all(s["assessed"] for s in payload["mandatory_skills"])
    assert payload["passed"] and payload["verdict"] == "réussi" and payload["not_assessed"] == []
    assert "en direct" in payload["graded"]["mode"]


def test_a_missing_mandatory_skill_is_named_and_refuses_success():
    payload = attestation.build(_result(skills=("culture", "containerisation", "kubernetes", "gitops")))
    assert payload["not_assessed"] == ["GitLab-CI"]
    assert not payload["passed"] and payload["verdict"] == "non réussi"
    assert any("GitLab-CI" in r for r in payload["reasons"])
    row = next(s for s in payload["mandatory_skills"] if s["skill"] == "gitlab-ci")
    assert row["assessed"] is False and row["max"] == 0


def test_an_unevaluated_lab_refuses_success_even_above_the_mark():
    result = _result(lab_status="non évalué")
    assert result.ratio >= 0.8
    payload = attestation.build(result)
    assert not payload["passed"] and any("non évalué" in r for r in payload["reasons"])


def test_only_a_passed_exam_is_signed(tmp_path, data_dir):
    with pytest.raises(InputError, match="non réussi"):
        attestation.issue(_result(right=False, skills=("culture",)), tmp_path)
    assert not list(tmp_path.glob("*.json"))


def test_signed_attestation_verifies_and_tampering_or_resigning_fails(tmp_path, data_dir):
    payload, json_path, html_path = attestation.issue(_result(), tmp_path / "out")
    assert attestation.verify_file(json_path)["learner"] == "camille"
    page = html_path.read_text(encoding="utf-8")
    assert "examen blanc du kit d&#x27;autoformation" in page and "n&#x27;est pas la certification" in page

    document = json.loads(json_path.read_text(encoding="utf-8"))
    tampered = tmp_path / "modifie.json"
    document["attestation"]["total"]["points"] = 99
    tampered.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(certify.CertificateInvalid, match="modifiée"):
        attestation.verify_file(tampered)

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    other = Ed25519PrivateKey.generate()
    original = json.loads(json_path.read_text(encoding="utf-8"))["attestation"]
    resigned = tmp_path / "resigne.json"
    resigned.write_text(json.dumps(attestation.sign({**original, "key_id": certify.key_id(other.public_key())}, other)),
                        encoding="utf-8")
    with pytest.raises(certify.CertificateInvalid, match="autre clé"):
        attestation.verify_file(resigned)


def test_a_course_certificate_is_not_an_exam_attestation(tmp_path, data_dir):
    key = certify.load_or_create_key()
    fake = tmp_path / "certificat.json"
    fake.write_text(json.dumps(certify.sign({"format": certify.FORMAT, "passed": True}, key)), encoding="utf-8")
    with pytest.raises(certify.CertificateInvalid, match="pas une attestation"):
        attestation.verify_file(fake)
    # signed with the kit's own key, but not a passed exam: refused too
    bad = tmp_path / "non-reussi.json"
    payload = {**attestation.build(_result(right=False)), "key_id": certify.key_id(key.public_key())}
    bad.write_text(json.dumps(attestation.sign(payload, key)), encoding="utf-8")
    with pytest.raises(certify.CertificateInvalid, match="incohérente"):
        attestation.verify_file(bad)
