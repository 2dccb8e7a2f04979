"""Helm charts rendered by the real `helm template`, with the values file chosen per environment."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.rules import lint_paths

pytestmark = pytest.mark.requires_tools("helm")
DATA = Path(__file__).parent / "data"
CHART = DATA / "helm-values-traceable-tag" / "ok" / "chart"   # values-dev.yaml: sha tag, values-prod.yaml: main


def test_rendered_objects_go_through_the_manifest_rules_and_point_at_their_template():
    problems = lint_paths([CHART])
    [labels] = [p for p in problems if p.rule == "network-policy-selects-pods"]
    assert labels.file == str(CHART / "templates" / "deployment.yaml")
    assert labels.object == "Deployment/cpin-api-dep" and labels.line is None


def test_values_file_follows_the_environment_type():
    assert lint_paths([CHART], env_type="dev").for_rule("helm-values-traceable-tag") == []
    [problem] = lint_paths([CHART], env_type="prod").for_rule("helm-values-traceable-tag")
    assert problem.file == str(CHART / "values-prod.yaml") and problem.line == 1


def test_explicit_values_files_win(tmp_path):
    values = tmp_path / "values-recette.yaml"
    values.write_text("image:\n  tag: latest\n")
    problems = lint_paths([CHART], values=[values])
    assert [p.file for p in problems.for_rule("helm-values-traceable-tag")] == [str(values)]
    rendered = problems.for_rule("disallow-latest-tag")
    assert rendered and "harbor.apps.dso.example.fr/projet/api:latest" in rendered[0].message


def test_a_chart_that_fails_to_render_is_reported_and_the_rest_checked(tmp_path):
    chart = tmp_path / "broken"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\ndata: {{ .Values.nope.deeper }}\n")
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: NodePort}\n")
    problems = lint_paths([tmp_path])
    [broken] = problems.for_rule("input-unusable")
    assert broken.file == str(chart) and "helm template" in broken.message and "nil pointer" in broken.message
    assert problems.for_rule("restrict-nodeport") and problems.exit_code == 2


def test_missing_values_file_is_an_input_error(tmp_path):
    problems = lint_paths([CHART], values=[tmp_path / "absent.yaml"])
    assert "introuvable" in problems.for_rule("input-unusable")[0].message
