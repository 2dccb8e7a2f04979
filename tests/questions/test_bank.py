"""The question bank validates (schema, exact answers, explanations, unique ids) and scores as documented."""
from __future__ import annotations

import shutil
import textwrap

import pytest

from grader import questions
from grader.errors import InputError
from grader.platform import MANDATORY_SKILLS


def test_the_bank_validates():
    found, problems = questions.validate()
    assert problems == []
    assert len(found) >= 70


def test_enough_questions_per_mandatory_skill_and_on_culture():
    counts = questions.counts()
    for skill in MANDATORY_SKILLS:
        assert counts.get(skill, 0) >= 10, skill
    assert counts["culture"] >= 30


def test_every_module_quiz_has_questions():
    from grader.quizzes import QUIZ_MODULES
    for module in QUIZ_MODULES:
        assert len(questions.for_module(module)) >= 4, module


GOOD = """\
  - id: q-bonne
    kind: unique
    text: Une question correcte ?
    choices: {a: oui, b: non}
    answers: [a]
    explanation: Parce que c'est ainsi.
    skill: culture
    source: "§1.3"
"""


def _bank(tmp_path, body: str, name: str = "t.yaml"):
    (tmp_path / name).write_text("apiVersion: cpin.dev/v1\nkind: QuestionBank\ntheme: t\ntitle: Test\nquestions:\n"
                                 + body, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("change, expected", [
    (("answers: [a]", "answers: [c]"), "absente(s) des choix"),
    (("answers: [a]", "answers: [a, b]"), "toutes les propositions sont justes"),
    (("kind: unique", "kind: unique\n    answers2: x"), "answers2"),
    (("    explanation: Parce que c'est ainsi.\n", ""), "explanation"),
    (('source: "§1.3"', 'source: "règle 43"'), "n'existe pas"),
    (('source: "§1.3"', 'source: "§9.9"'), "inconnue"),
    (('source: "§1.3"', 'source: "ma tête"'), "source"),
    (("skill: culture", "skill: cuisine"), "skill"),
])
def test_a_broken_question_is_refused_in_french(tmp_path, change, expected):
    body = GOOD.replace(*change)
    assert body != GOOD
    _, problems = questions.validate(_bank(tmp_path, body))
    assert problems and any(expected in p for p in problems), problems


def test_unique_question_with_two_answers_is_refused(tmp_path):
    body = GOOD.replace("choices: {a: oui, b: non}", "choices: {a: oui, b: non, c: peut-être}").replace(
        "answers: [a]", "answers: [a, b]")
    _, problems = questions.validate(_bank(tmp_path, body))
    assert any("exactement une bonne réponse" in p for p in problems)


def test_duplicate_ids_across_files_are_refused(tmp_path):
    _bank(tmp_path, GOOD, "un.yaml")
    _bank(tmp_path, GOOD, "deux.yaml")
    found, problems = questions.validate(tmp_path)
    assert len(found) == 1
    assert any("déjà utilisé" in p for p in problems)
    with pytest.raises(InputError, match="invalide"):
        questions.load(tmp_path)


def test_the_committed_bank_copied_and_damaged_fails(tmp_path):
    shutil.copytree(questions.BANK_DIR, tmp_path / "b")
    target = tmp_path / "b" / "gitops.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("answers: [a, b]", "answers: [a, z]", 1),
                      encoding="utf-8")
    _, problems = questions.validate(tmp_path / "b")
    assert problems


def _q(kind, answers, letters="abcd"):
    return questions.Question("x", kind, "texte", tuple((l, l) for l in letters), frozenset(answers),
                              "explication", "culture", "§1.3", "t")


def test_unique_scoring_is_all_or_nothing():
    q = _q("unique", "b")
    assert q.score(["b"]) == 1.0
    assert q.score(["a"]) == 0.0
    assert q.score(["a", "b"]) == 0.0
    assert q.score([]) == 0.0


def test_multiple_scoring_gives_partial_credit_and_punishes_guessing():
    q = _q("multiple", "abc")
    assert q.score(["a", "b", "c"]) == 1.0
    assert q.score(["a", "b"]) == pytest.approx(2 / 3, abs=1e-4)
    assert q.score(["a", "b", "c", "d"]) == pytest.approx(2 / 3, abs=1e-4)
    assert q.score(["a", "d"]) == 0.0
    assert q.score(["d"]) == 0.0
    assert q.score(["a", "b", "c", "d", "z"]) == pytest.approx(1 / 3, abs=1e-4)
    assert q.score(["a", "b", "c"], points=2) == 2.0
