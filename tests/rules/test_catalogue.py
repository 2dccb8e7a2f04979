"""The rule catalogue as data: required fields, documentation shape, coverage of the §3.2 table,
and the docstring examples (each "Exemple refusé" triggers its rule, each "À la place" does not)."""
from __future__ import annotations

import inspect
import re

import pytest

from grader.errors import CpinError
from grader.rules import RULES, get, lint_text
from grader.rules.model import KINDS, LEVELS
from grader.rules.severity import SEVERITY, level

SECTIONS = ("Ce que vérifie la règle", "Pourquoi", "Exemple refusé", "À la place", "Limites connues")
FENCE = re.compile(r"^```([\w-]+)(?: name=(\S+))?\n(.*?)^```$", re.S | re.M)
LANG_TO_KIND = {"yaml": "manifest", "dockerfile": "dockerfile", "gitlab-ci": "gitlab_ci", "helm-values": "helm_values"}
# Rows of cpin-reference.md §3.2 whose "Auto" column names M, D, H or C.
STATIC_ROWS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27,
               28, 29, 30, 32, 33, 34, 35, 36, 37, 38, 39, 40, 42}


def _section(doc: str, title: str) -> str:
    parts = re.split(r"^(" + "|".join(map(re.escape, SECTIONS)) + r")\s*$", doc, flags=re.M)
    for index, part in enumerate(parts):
        if part == title:
            return parts[index + 1]
    return ""


def _example(rule, title: str) -> tuple[str, str, str | None]:
    match = FENCE.search(_section(inspect.cleandoc(rule.__doc__), title))
    assert match, f"{rule.ID}: no code block under {title!r}"
    return LANG_TO_KIND[match.group(1)], match.group(3), match.group(2)


def test_ids_are_unique_and_the_registry_rejects_unknown_ones():
    assert len({r.ID for r in RULES}) == len(RULES)
    assert get("disallow-latest-tag").REF == 12
    with pytest.raises(CpinError, match="Règle inconnue"):
        get("no-such-rule")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_rule_data(rule):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.ID)
    assert isinstance(rule.REF, int) and 0 <= rule.REF <= 42
    assert rule.KINDS and set(rule.KINDS) <= set(KINDS)
    assert level(rule.ID) in LEVELS
    assert not hasattr(rule, "SEVERITY"), "the level lives in grader/rules/severity.py only"
    assert rule.SOURCE.startswith("https://")
    assert rule.MESSAGE_FR.strip() and rule.HINT_FR.strip()
    assert callable(rule.check)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.ID)
def test_docstring_has_the_fixed_sections_in_order(rule):
    doc = inspect.cleandoc(rule.__doc__ or "")
    positions = [doc.find("\n" + title + "\n") for title in SECTIONS]
    assert all(p > 0 for p in positions), f"{rule.ID}: missing sections {SECTIONS}"
    assert positions == sorted(positions)
    if rule.REF:
        assert f"REF {rule.REF}" in _section(doc, "Pourquoi")


def test_at_least_30_table_rows_are_covered():
    covered = {rule.REF for rule in RULES if rule.REF in STATIC_ROWS}
    assert len(covered) >= 30, sorted(STATIC_ROWS - covered)
    assert len([rule for rule in RULES if rule.REF in STATIC_ROWS]) >= 30


@pytest.mark.parametrize("rule", [r for r in RULES if r.ID not in ("input-unusable", "input-empty")],
                         ids=lambda r: r.ID)
def test_docstring_examples(rule):
    kind, text, name = _example(rule, "Exemple refusé")
    refused = lint_text(text, kind=kind, name=name)
    # a rule that reads files next to the artefact (NEEDS_FILES) sees nothing in a bare text: its ko fixture
    # (a folder holding the same Dockerfile and its script) is the refused example
    assert refused.for_rule(rule.ID) or getattr(rule, "NEEDS_FILES", False), f"{rule.ID}: refused example passes"
    kind, text, name = _example(rule, "À la place")
    fixed = lint_text(text, kind=kind, name=name)
    assert fixed.for_rule(rule.ID) == [], f"{rule.ID}: fixed example fails"
    assert not [p for p in [*refused, *fixed] if "n'a pas pu s'appliquer" in p.message]


@pytest.mark.parametrize("rule_id", ["input-unusable", "input-empty"])
def test_input_rule_examples(rule_id):
    """Input rules are raised by the loader: their examples go through `lint_text` like a cell."""
    rule = get(rule_id)
    kind, text, _ = _example(rule, "Exemple refusé")
    assert lint_text(text, kind=kind).for_rule(rule_id)
    kind, text, _ = _example(rule, "À la place")
    assert lint_text(text, kind=kind).for_rule(rule_id) == []


def test_the_severity_table_names_every_rule_once():
    assert set(SEVERITY) == {rule.ID for rule in RULES}


def test_recommended_rules_are_never_errors_even_in_prod():
    # CCT « I » and best practices (rules 3, 14, 19) are advice: the linter never makes them errors
    for rule_id in ("pod-no-fixed-ids", "image-pull-policy", "label-values"):
        assert level(rule_id) == "advice"


def test_catalogue_lists_every_rule_and_finds_by_number_or_id():
    from grader.errors import InputError
    from grader.rules.catalogue import find, rows, table_text
    listed = rows()
    assert {row.id for row in listed} == {rule.ID for rule in RULES}
    assert [row.ref for row in listed] == sorted(row.ref for row in listed)
    text = table_text()
    assert all(row.id in text for row in listed) and "imposée (Kyverno)" in text and "conseil" in text
    assert {rule.ID for rule in find("18")} == {"require-labels", "recommended-labels"}
    assert [rule.ID for rule in find("require-labels")] == ["require-labels"]
    for bad in ("99", "no-such-rule"):
        with pytest.raises(InputError):
            find(bad)


def test_cpin_rules_and_explain_by_number_and_id(capsys):
    from grader.cli import main
    assert main(["rules"]) == 0
    assert "require-labels" in capsys.readouterr().out
    assert main(["lint", "--explain", "18"]) == 0
    out = capsys.readouterr().out
    assert "Règle 18 · require-labels · imposée (Kyverno)" in out and "recommended-labels" in out
    assert main(["lint", "--explain", "require-labels"]) == 0
    assert "Ce que vérifie la règle" in capsys.readouterr().out
    assert main(["lint", "--explain", "31"]) == 0
    assert "Argo CD" in capsys.readouterr().out
