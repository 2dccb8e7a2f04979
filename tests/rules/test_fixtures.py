"""Every rule against the fixtures written for it: each `ko` case triggers it, no `ok` case does.

A case is one file or one Helm chart folder of tests/rules/data/<rule ID>/{ok,ko}/. Charts are
rendered by the real `helm template` (needs the pinned helm binary).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.rules import RULES, lint_paths

DATA = Path(__file__).parent / "data"
CRASH = "n'a pas pu s'appliquer"         # the engine's message when a rule raised
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")   # a MESSAGE_FR/HINT_FR field left unfilled


def _cases(side: str):
    for rule in RULES:
        folder = DATA / rule.ID / side
        for case in sorted(folder.iterdir()) if folder.is_dir() else ():
            marks = [pytest.mark.requires_tools("helm")] if (case / "Chart.yaml").is_file() else []
            yield pytest.param(rule.ID, case, id=f"{rule.ID}/{side}/{case.name}", marks=marks)


def test_every_rule_has_both_fixture_sides():
    missing = [f"{rule.ID}/{side}" for rule in RULES for side in ("ok", "ko")
               if not any((DATA / rule.ID / side).glob("*"))]
    assert missing == []


@pytest.mark.parametrize(("rule_id", "case"), list(_cases("ko")))
def test_ko_fixture_triggers_rule(rule_id, case):
    problems = lint_paths([case])
    assert not [p for p in problems if CRASH in p.message], repr(problems)
    found = problems.for_rule(rule_id)
    assert found, f"{rule_id} silent on {case.name}:\n{problems!r}"
    for problem in found:
        assert problem.message and not PLACEHOLDER.search(problem.message), problem.message
        assert problem.hint and not PLACEHOLDER.search(problem.hint), problem.hint


@pytest.mark.parametrize(("rule_id", "case"), list(_cases("ok")))
def test_ok_fixture_passes_rule(rule_id, case):
    problems = lint_paths([case])
    assert not [p for p in problems if CRASH in p.message], repr(problems)
    assert problems.for_rule(rule_id) == [], repr(problems)
    assert not problems.input_unusable, repr(problems)
