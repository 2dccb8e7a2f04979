"""What trainers hand out: feedback without hidden checks, exports, signed certificates (via `cpin`)."""
from __future__ import annotations

import json
import os
import stat

import pytest

from course_helpers import ASSIGNMENT, CARRE, COMPLETE, DATA, LABELS, answer, build_course, insert_after, release_nb, submit
from grader import certify, cli
from grader.course import autograde

READER = 'print("HISTORIQUE:", "\\n".join(In))'


@pytest.fixture(scope="module")
def course(course_env):
    """Only the first module at first; the last test adds a second one."""
    return build_course(course_env / "course", assignments=[ASSIGNMENT])


@pytest.fixture(scope="module")
def graded(course):
    submit(course, "complete", answer(release_nb(course), COMPLETE))
    submit(course, "partial", answer(release_nb(course), {"carre-reponse": CARRE, "labels-reponse": LABELS}))
    submit(course, "floor", answer(release_nb(course), {**COMPLETE, "saluer-reponse": "def saluer(nom):\n    return nom"}))
    submit(course, "reader", insert_after(answer(release_nb(course), {"labels-reponse": LABELS}), "labels-test", READER))
    outcomes = autograde.grade(course, ASSIGNMENT, options=autograde.Options(workers=2, cell_timeout=20, budget=60))
    assert {o.student: o.score for o in outcomes} == {"complete": 8, "partial": 7, "floor": 7, "reader": 3}
    return course


def _cpin(course, *argv) -> int:
    return cli.main(["course", "--course", str(course.root), *argv])


def test_feedback_shows_messages_not_hidden_checks(graded, capsys):
    assert _cpin(graded, "feedback", ASSIGNMENT) == 0
    for student in ("complete", "partial", "floor", "reader"):
        page = (graded.step("feedback") / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
        assert "CPIN-HIDDEN-MARKER" not in page
        assert "carre</span><span class=\"p\">(</span><span class=\"o\">-</span>" not in page   # carre(-4)
        assert "HIDDEN TESTS" not in page
    reader = (graded.step("feedback") / "reader" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "sortie masquée" in reader                       # the learner's dump of the history was hidden
    floor = (graded.step("feedback") / "floor" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "Contrôle échoué" in floor and "AssertionError" not in floor and "most recent call last" not in floor


def test_export_writes_totals_and_per_check_rows(graded, tmp_path, capsys):
    assert _cpin(graded, "export", "--to", str(tmp_path)) == 0
    totals = (tmp_path / "grades.csv").read_text().splitlines()
    assert totals[0].startswith("assignment,duedate,timestamp,student_id")
    assert any(line.startswith(f"{ASSIGNMENT},") and ",complete," in line and line.endswith(",8.0,8.0")
               for line in totals)
    rows = json.loads((tmp_path / "checks.json").read_text())
    assert {(r["student"], r["check"]): r["points"] for r in rows if r["student"] == "floor"} == {
        ("floor", "carre-test"): 4.0, ("floor", "saluer-test"): 0.0, ("floor", "labels-test"): 3.0}


def _certify(graded, student, out) -> int:
    return cli.main(["certify", student, "--course", str(graded.root), "--out", str(out)])


def test_certificate_pass_and_offline_verification(graded, tmp_path, capsys):
    assert _certify(graded, "complete", tmp_path) == 0
    document = json.loads((tmp_path / "complete.json").read_text())
    cert = document["certificate"]
    assert cert["passed"] is True and cert["total"] == {"points": 8.0, "max": 8.0, "ratio": 1.0}
    assert {s["skill"]: (s["points"], s["max"]) for s in cert["skills"]} == {
        "containerisation": (4.0, 4.0), "gitops": (1.0, 1.0), "kubernetes": (3.0, 3.0)}
    assert cert["rules"]["mandatory"] == ["containerisation", "gitops", "kubernetes"]
    page = (tmp_path / "complete.html").read_text()
    assert "Attestation de parcours réussi" in page and 'lang="fr"' in page
    keys = certify.keys_dir()
    assert stat.S_IMODE(os.stat(keys / certify.PRIVATE_KEY).st_mode) == 0o600
    capsys.readouterr()
    assert cli.main(["certify", "verify", str(tmp_path / "complete.json")]) == 0
    assert "Certificat authentique" in capsys.readouterr().out
    assert cli.main(["certify", "verify", str(tmp_path / "complete.json"),
                     "--public-key", str(keys / certify.PUBLIC_KEY)]) == 0


@pytest.mark.parametrize("change", ["score", "student", "verdict", "signature", "whitespace-json"])
def test_any_change_is_detected(graded, tmp_path, capsys, change):
    assert _certify(graded, "partial", tmp_path) == 1           # 7/8 but gitops at 0 %: not certified
    path = tmp_path / "partial.json"
    document = json.loads(path.read_text())
    if change == "score":
        document["certificate"]["total"]["points"] = 8.0
    elif change == "student":
        document["certificate"]["student"] = "complete"
    elif change == "verdict":
        document["certificate"]["passed"] = True
    elif change == "signature":
        document["signature"]["value"] = document["signature"]["value"][::-1]
    if change == "whitespace-json":
        path.write_text(json.dumps(document, indent=4))            # same content, other layout: still valid
        assert cli.main(["certify", "verify", str(path)]) == 0
        return
    path.write_text(json.dumps(document))
    capsys.readouterr()
    assert cli.main(["certify", "verify", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Signature invalide" in err or "pas un certificat" in err


def test_wrong_key_is_reported(graded, tmp_path, capsys):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    assert _certify(graded, "complete", tmp_path) == 0
    other = tmp_path / "autre.pub.pem"
    other.write_bytes(certify.public_pem(Ed25519PrivateKey.generate().public_key()))
    capsys.readouterr()
    assert cli.main(["certify", "verify", str(tmp_path / "complete.json"), "--public-key", str(other)]) == 1
    assert "signé par une autre clé" in capsys.readouterr().err


def test_below_floor_is_not_certified_even_above_80_percent(graded, tmp_path, capsys):
    assert _certify(graded, "floor", tmp_path) == 1
    cert = json.loads((tmp_path / "floor.json").read_text())["certificate"]
    assert cert["total"]["ratio"] == 0.875 and cert["passed"] is False
    assert cert["reasons"] == ["GitOps : 0% < plancher de 60%"]
    assert "parcours non validé" in (tmp_path / "floor.html").read_text()


def test_manual_grade_in_gradebook_changes_the_verdict(graded, tmp_path, capsys):
    from grader.course import layout

    with layout.open_gradebook(graded) as gb:
        grade = gb.find_grade("saluer-test", ASSIGNMENT, ASSIGNMENT, "floor")
        grade.manual_score = 1.0
        gb.db.commit()
    try:
        assert _certify(graded, "floor", tmp_path) == 0       # the trainer's grade wins, as in formgrader
    finally:
        with layout.open_gradebook(graded) as gb:
            gb.find_grade("saluer-test", ASSIGNMENT, ASSIGNMENT, "floor").manual_score = None
            gb.db.commit()


def test_unknown_student_and_missing_file_are_french_errors(graded, tmp_path, capsys):
    assert _certify(graded, "personne", tmp_path) == 2
    assert "Aucune copie notée" in capsys.readouterr().err
    assert cli.main(["certify", "verify", str(tmp_path / "absent.json")]) == 2
    (tmp_path / "abime.json").write_text("{pas du json")
    assert cli.main(["certify", "verify", str(tmp_path / "abime.json")]) == 1
    assert "pas un JSON lisible" in capsys.readouterr().err


@pytest.mark.parametrize("skills, passed", [
    ([("containerisation", 4, 4), ("kubernetes", 4, 4), ("gitops", 0.59, 1)], False),
    ([("containerisation", 4, 4), ("kubernetes", 4, 4), ("gitops", 0.6, 1)], True),
    ([("containerisation", 3, 4), ("kubernetes", 3, 4), ("helm", 0, 4)], False),   # 50 % total
    ([("containerisation", 9, 10), ("kubernetes", 9, 10), ("helm", 0, 1)], True),   # helm is not mandatory
])
def test_pass_rule(skills, passed):
    verdict, reasons = certify.verdict([certify.SkillScore(*s) for s in skills])
    assert verdict is passed and bool(reasons) is not passed


def test_an_assignment_not_handed_in_counts_as_zero(graded, tmp_path, capsys):
    from grader.course import generate

    generate.generate(graded, DATA / "notebooks", ["t2-grade"])   # a second module (2 points), not handed in
    assert _certify(graded, "complete", tmp_path) == 0              # 8/10: still at the 80 % mark
    cert = json.loads((tmp_path / "complete.json").read_text())["certificate"]
    assert cert["total"] == {"points": 8.0, "max": 10.0, "ratio": 0.8}
    assert {s["skill"]: (s["points"], s["max"]) for s in cert["skills"]}["containerisation"] == (4.0, 6.0)
