"""Exam pool, draw, clock, answers, submission and grading rules that need no cluster."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from grader import api, questions
from grader.errors import InputError
from grader import exam_pool as pool
from grader.exam import grading, session

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def test_the_pool_has_three_labs_weighted_1_1_3_with_several_variants():
    found = pool.load()
    assert [lab.points for lab in found.labs] == [1, 1, 3]
    assert all(len(lab.variants) > 1 for lab in found.labs)
    assert found.pass_mark == 0.8


def test_neighbouring_seats_never_share_a_variant_where_there_is_a_choice():
    found = pool.load()
    caps = frozenset({"containers", "docker"})
    for seat in range(6):
        left = pool.draw_labs(found, "cohorte-1", "x", seat=seat, capabilities=caps)
        right = pool.draw_labs(found, "cohorte-1", "y", seat=seat + 1, capabilities=caps)
        assert all(a[1].id != b[1].id for a, b in zip(left, right))


def test_the_draw_is_stable_per_learner_and_differs_between_learners():
    found = pool.load()
    assert pool.draw_questions(found, "s", "alice") == pool.draw_questions(found, "s", "alice")
    assert pool.draw_questions(found, "s", "alice") != pool.draw_questions(found, "s", "bob")
    drawn = pool.draw_questions(found, "s", "alice")
    assert len(drawn) == sum(found.draw.values()) == len(set(drawn))
    skills = [questions.get(q).skill for q in drawn]
    assert all(skills.count(skill) == count for skill, count in found.draw.items())


def test_variants_the_cluster_cannot_check_are_not_drawn():
    found = pool.load()
    for seat in range(4):
        drawn = dict((lab.id, v) for lab, v in pool.draw_labs(found, "s", "x", seat=seat))
        assert not drawn["lab1"].requires and not drawn["lab3"].requires


def test_a_broken_pool_is_refused_in_french(tmp_path):
    path = tmp_path / "pool.yaml"
    path.write_text(pool.POOL_PATH.read_text(encoding="utf-8").replace("requires: [docker]", "requires: [gpu]"),
                    encoding="utf-8")
    with pytest.raises(InputError, match="exigence inconnue"):
        pool.load(path)


def _start(folder, **kw):
    return session.start(folder, learner="camille", duration_minutes=60, seed="s", seat=1, prepare=False, now=T0, **kw)


def test_clock_answers_and_submission(data_dir, tmp_path):
    folder = tmp_path / "examen"
    found = _start(folder)
    qid = found.questions[0]
    assert session.answer(folder, qid, ["a"], now=T0 + dt.timedelta(minutes=5)) == "enregistré"
    with pytest.raises(InputError, match="Temps écoulé"):
        session.answer(folder, qid, ["b"], now=T0 + dt.timedelta(minutes=61))
    with pytest.raises(InputError, match="pas dans votre sujet"):
        session.answer(folder, "inconnue", ["a"], now=T0)
    saved = json.loads((folder / "reponses-quiz" / "examen.json").read_text(encoding="utf-8"))
    assert saved == {qid: ["a"]}
    assert session.submit(folder, now=T0 + dt.timedelta(minutes=30)) == "soumis"
    with pytest.raises(InputError, match="déjà rendue"):
        session.answer(folder, qid, ["b"], now=T0 + dt.timedelta(minutes=31))
    with pytest.raises(InputError, match="existe déjà"):
        _start(folder)


def test_the_subject_shows_no_hint_no_answer_no_explanation(data_dir, tmp_path):
    folder = tmp_path / "examen"
    found = _start(folder)
    text = session.subject_text(found, folder)
    for qid in found.questions:
        q = questions.get(qid)
        assert q.text in text and q.explanation not in text
    from grader import exercises
    for lab in found.labs:
        for ex in lab.exercises:
            known = session.known_exercise(ex)
            if known is not None:
                assert all(h not in text for h in known.hints.values())
                assert all(c.title not in text for c in known.checks)
    assert session.questionnaire(found, folder).correction().startswith("Pas de correction")
    assert exercises  # imported for the registry


def test_no_hint_and_no_check_during_the_exam_then_back_after(data_dir, tmp_path):
    folder = tmp_path / "examen"
    found = session.start(folder, learner="camille", duration_minutes=60, seed="s", seat=1, prepare=False)
    exercise = next(e for lab in found.labs for e in lab.exercises if session.known_exercise(e) is not None)
    with pytest.raises(InputError, match="Examen blanc en cours"):
        api.hint(exercise)
    with pytest.raises(InputError, match="Examen blanc en cours"):
        api.check(exercise)
    session.submit(folder)
    assert api.hint(exercise).text


def test_a_lab_whose_checks_are_unknown_is_not_evaluated_and_never_passed(data_dir, tmp_path):
    """A lab pointing at exercises this kit does not know: « non évalué », 0 points, no « réussi »."""
    custom = tmp_path / "pool.yaml"
    text = pool.POOL_PATH.read_text(encoding="utf-8")
    for known in ("[k8s-deployment]", "[k8s-depannage]", "[k8s-service]", "[helm-depannage]",
                  "[helm-depannage, docker-depannage]", "[sops-db]"):
        text = text.replace(f"exercises: {known}", "exercises: [sops-inconnu]")
    custom.write_text(text, encoding="utf-8")
    folder = tmp_path / "examen"
    found = _start(folder, pool_path=custom)
    quiz = session.questionnaire(found, folder)
    quiz.repondre({q.id: sorted(q.answers) for q in quiz.questions})
    result = grading.grade(folder, now=T0 + dt.timedelta(minutes=10))
    assert [lab.status for lab in result.labs] == ["non évalué"] * 3
    assert all(lab.points == 0 for lab in result.labs)
    assert sum(q.points for q in result.questions) == sum(q.max for q in result.questions)
    passed, reasons = result.verdict()
    assert not passed
    assert any("non évalué" in r for r in reasons)
    assert "copie non rendue" in " ".join(result.notes)
    text = grading.report_text(result)
    assert "NON RÉUSSI" in text and "non évalué" in text


def test_an_exam_blocks_only_its_own_learner(data_dir, tmp_path, monkeypatch):
    found = session.start(tmp_path / "examen", learner="camille", duration_minutes=60, seed="s", seat=1, prepare=False)
    exercise = next(e for lab in found.labs for e in lab.exercises if session.known_exercise(e) is not None)
    monkeypatch.setenv("CPIN_LEARNER", "dominique")
    assert api.hint(exercise).text
