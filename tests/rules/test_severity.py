"""The engine, not the rule, sets the severity: SEVERITY × environment type; the exit code follows."""
from __future__ import annotations

import pytest

from grader.errors import InputError
from grader.rules import lint_text
from grader.rules.engine import TOOL_LEVELS, severity
from grader.rules.model import LEVELS
from grader.rules import get

LATEST = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: 'docker.io/library/nginx:latest'}]\n"
SECRET = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: x}\n"


def test_audit_rules_warn_in_dev_and_fail_in_prod():
    assert [p.severity for p in lint_text(LATEST, env_type="dev").for_rule("disallow-latest-tag")] == ["warning"]
    assert [p.severity for p in lint_text(LATEST, env_type="prod").for_rule("disallow-latest-tag")] == ["error"]


def test_enforced_rules_fail_everywhere_and_info_stays_info():
    for env in ("dev", "prod"):
        assert lint_text(SECRET, env_type=env).for_rule("no-plain-secret")[0].severity == "error"
        assert {p.severity for p in lint_text(LATEST, env_type=env).for_rule("recommended-labels")} == {"info"}


def test_level_table_and_tool_levels():
    assert LEVELS["audit"] == {"dev": "warning", "prod": "error"}
    assert severity(get("hadolint"), "prod", "error") == "warning"
    assert severity(get("hadolint"), "dev", "style") == "info"
    assert set(TOOL_LEVELS.values()) <= {"warning", "info"}


def test_exit_codes():
    assert lint_text(LATEST, env_type="dev").exit_code == 0      # warnings only
    assert lint_text(LATEST, env_type="prod").exit_code == 1
    assert lint_text("a: [b\n").exit_code == 2


def test_bad_arguments_are_french_input_errors():
    with pytest.raises(InputError, match="Type d'environnement inconnu"):
        lint_text(LATEST, env_type="staging")
    with pytest.raises(InputError, match="Sorte de texte inconnue"):
        lint_text(LATEST, kind="terraform")


def test_problems_render_as_french_text_and_html():
    problems = lint_text(LATEST, env_type="prod")
    text = repr(problems)
    assert text.startswith("<manifeste>\n") and "✘" in text and "Bilan : " in text
    assert "erreur" in text and "[disallow-latest-tag]" in text
    assert "<li" in problems._repr_html_() and "disallow-latest-tag" in problems._repr_html_()
    assert repr(lint_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {A: b}\n")) \
        == "✔ Aucun problème trouvé."
