"""Unit tests of the exercise registry: strict schema, French errors naming file and key, scoring."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader import exercises
from grader.checks.registry import TYPES
from grader.errors import InputError
from grader.platform import SKILLS

MINIMAL = """\
apiVersion: cpin.dev/v1
kind: Exercise
id: ex-un
module: mod
title: "Un exercice"
skill: kubernetes
points: 4
checks:
  - id: a
    type: object
    points: 3
    title: "A"
    params: {kind: ConfigMap, name: x}
  - id: b
    type: http
    points: 1
    title: "B"
    params: {service: web}
"""


def write(root: Path, text: str, module: str = "mod", ident: str = "ex-un") -> Path:
    path = root / module / ident / "exercise.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_minimal_exercise_loads_with_defaults(tmp_path):
    exercise = exercises.load_file(write(tmp_path, MINIMAL))
    assert exercise.namespace("Jean.Dupont") == "cpin-jean-dupont-mod"
    first, second = exercise.checks
    assert first.timeout == TYPES["object"].timeout and first.retries == exercises.DEFAULT_RETRIES
    assert second.requires == ("containers",)  # implied by the http type
    assert exercise.max_points(first) == 3.0 and exercise.max_points(second) == 1.0


def test_weights_are_scaled_to_the_exercise_total():
    assert exercises.weighted_points(10, [1, 1, 2], 2) == 5.0
    assert exercises.weighted_points(10, [0, 0], 0) == 0.0


@pytest.mark.parametrize("change, key", [
    (("title: \"Un exercice\"", "title: \"Un exercice\"\ntitel: oups"), "titel"),
    (("    params: {kind: ConfigMap, name: x}", "    params: {kind: ConfigMap, name: x, nom: y}"), "nom"),
    (("    title: \"A\"", "    title: \"A\"\n    timeuot: 3"), "timeuot"),
])
def test_unknown_key_is_refused_in_french_naming_file_and_key(tmp_path, change, key):
    path = write(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(InputError) as caught:
        exercises.load_file(path)
    message = caught.value.message_fr
    assert str(path) in message and f"clé inconnue « {key} »" in message


@pytest.mark.parametrize("change, needle", [
    (("skill: kubernetes", "skill: cuisine"), "valeur « cuisine » non permise pour « skill »"),
    (("apiVersion: cpin.dev/v1", "apiVersion: cpin.dev/v2"), "apiVersion"),
    (("    type: object", "    type: teleport"), "teleport"),
    (("points: 4", "points: -1"), "points"),
    (("id: ex-un\n", ""), "clé obligatoire « id » absente"),
    (("    params: {service: web}", "    params: {}"), "clé obligatoire « service » absente"),
])
def test_bad_values_are_refused_in_french(tmp_path, change, needle):
    path = write(tmp_path, MINIMAL.replace(*change))
    with pytest.raises(InputError) as caught:
        exercises.load_file(path)
    assert needle in caught.value.message_fr


def test_duplicate_check_ids_and_folder_mismatch(tmp_path):
    dup = MINIMAL.replace("  - id: b", "  - id: a")
    with pytest.raises(InputError, match="en double"):
        exercises.load_file(write(tmp_path, dup))
    with pytest.raises(InputError, match="noms"):
        exercises.load_file(write(tmp_path, MINIMAL, ident="autre-nom"))


def test_setup_file_must_exist_and_paths_stay_inside(tmp_path):
    missing = MINIMAL + "setup:\n  apply: [setup/absent.yaml]\n"
    with pytest.raises(InputError, match="introuvable"):
        exercises.load_file(write(tmp_path, missing))
    escaping = MINIMAL + "learnerFiles: [../../etc/passwd]\n"
    with pytest.raises(InputError, match="learnerFiles"):
        exercises.load_file(write(tmp_path, escaping))


def test_hints_by_level(tmp_path):
    exercise = exercises.load_file(write(tmp_path, MINIMAL + "hints:\n  1: piste\n  2: réponse\n"))
    assert exercise.hints == {1: "piste", 2: "réponse"}


def test_registry_lookup_and_unknown_id(tmp_path, monkeypatch):
    write(tmp_path, MINIMAL)
    monkeypatch.setenv("CPIN_EXERCISES", str(tmp_path))
    assert exercises.get("ex-un").title == "Un exercice"
    assert [e.id for e in exercises.all_exercises()] == ["ex-un"]
    with pytest.raises(InputError, match="inconnu"):
        exercises.get("nope")


def test_shipped_examples_are_valid_and_skills_match_the_matrix():
    found = {e.id for e in exercises.all_exercises(include_examples=True)}
    assert {"exemple-web", "exemple-acces"} <= found
    assert "exemple-web" not in {e.id for e in exercises.all_exercises()}  # examples stay out of the course
    schema_skills = exercises._validator().schema["properties"]["skill"]["enum"]
    assert schema_skills == list(SKILLS)
    assert len(SKILLS) == 7


def test_the_schema_lists_exactly_the_check_types_of_the_registry():
    schema = exercises._validator().schema
    enum = schema["$defs"]["check"]["properties"]["type"]["enum"]
    assert sorted(enum) == sorted(TYPES)
    assert len(enum) == len(set(enum))


# ---------------------------------------------------------------- hostile exercise files (issue #21)
@pytest.mark.parametrize("template", ['"{0}"', '"cpin-{"', '"{learner.__class__}"', '"cpin-{other}"'])
def test_namespace_templates_beyond_the_three_fields_are_refused(tmp_path, template):
    path = write(tmp_path, MINIMAL + f"namespace: {template}\n")
    with pytest.raises(InputError, match="namespace"):
        exercises.load_file(path)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_non_finite_points_are_refused(tmp_path, value):
    path = write(tmp_path, MINIMAL.replace("points: 4", f"points: {value}"))
    with pytest.raises(InputError, match="nombre non fini"):
        exercises.load_file(path)


def test_a_namespace_template_built_by_hand_fails_in_french(tmp_path):
    exercise = exercises.load_file(write(tmp_path, MINIMAL))
    import dataclasses
    broken = dataclasses.replace(exercise, namespace_template="cpin-{")
    with pytest.raises(InputError, match="Modèle d'espace de noms invalide"):
        broken.namespace("alice")
