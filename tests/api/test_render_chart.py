"""`grader.render_chart`: the real `helm template`, French errors, and `apply()` taking its output."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import grader
from grader import render_chart
from grader.kube.client import Kube
from grader.config import REPO_ROOT
from grader.errors import InputError, ToolFailed

pytestmark = pytest.mark.requires_tools("helm")

DEMO = REPO_ROOT / "exercises" / "05-helm" / "helm-chart-demo" / "solution" / "demo-app"


@pytest.fixture()
def chart(tmp_path) -> Path:
    return Path(shutil.copytree(DEMO, tmp_path / "demo-app"))


def test_renders_with_values_files_in_order(chart):
    dev = render_chart(chart, values=[chart / "values-dev.yaml"], release="demo")
    assert isinstance(dev, str) and "kind: Deployment" in dev and "kind: Service" in dev
    assert "value: \"DEBUG\"" in dev or "value: DEBUG" in dev
    prod = render_chart(str(chart), values=[str(chart / "values-dev.yaml"), str(chart / "values-prod.yaml")],
                        release="demo")
    assert "harbor.apps.dso.example.fr" in prod and "registry-pull-secret" in prod   # the last file wins
    assert render_chart(chart, values=chart / "values-dev.yaml", release="demo") == dev  # one file, not a list


def test_namespace_and_release_reach_the_templates(chart):
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-info\n"
        "data:\n  ns: {{ .Release.Namespace | quote }}\n", encoding="utf-8")
    text = render_chart(chart, release="essai", namespace="cpin-alice-05-helm")
    assert "name: essai-info" in text and 'ns: "cpin-alice-05-helm"' in text


def test_french_errors(chart, tmp_path):
    with pytest.raises(InputError, match="Chart Helm « nulle-part » introuvable"):
        render_chart("nulle-part", release="demo")
    with pytest.raises(InputError, match="Fichier de valeurs « absent.yaml » introuvable"):
        render_chart(chart, values=["absent.yaml"], release="demo")
    (chart / "templates" / "service.yaml").write_text("{{ if .Values.oups }\n", encoding="utf-8")
    with pytest.raises(ToolFailed) as caught:
        render_chart(chart, release="demo")
    error = caught.value
    assert error.message_fr.startswith("Le chart") and "ne se rend pas" in error.message_fr
    assert "service.yaml" in error.output and error.hint_fr             # helm's own words travel with it
    assert "sortie :" in error.render()
    shutil.copytree(DEMO / "templates", chart / "templates", dirs_exist_ok=True)
    with pytest.raises(ToolFailed) as caught:                            # helm's release-name limit
        render_chart(chart, release="formation-cpin-depannage-agenda-partage-ministere-de-l-interieur")
    assert "53" in caught.value.output or "release name" in caught.value.output.lower()


def test_apply_takes_the_rendered_chart(learner, local_cluster, exercise_root, chart):
    exercise_root("rendu", """
        checks:
          - {id: d, type: object, points: 1, title: "D", params: {kind: Deployment, name: demo-app}}
    """)
    rendered = render_chart(chart, values=[chart / "values-dev.yaml"], release="demo-app")
    applied = grader.apply(rendered, exercise="rendu")
    assert {o["objet"] for o in applied.objects} == {"Deployment/demo-app", "Service/demo-app"}
    assert Kube(local_cluster.api_client).get("Deployment", "demo-app", applied.namespace) is not None
    assert grader.check("rendu").points == 2.0


def test_apply_names_the_chart_when_its_render_is_not_usable(learner, exercise_root, chart):
    exercise_root("rendu-vide", """
        checks:
          - {id: d, type: object, points: 1, title: "D", params: {kind: Deployment, name: demo-app}}
    """)
    for template in (chart / "templates").glob("*.yaml"):
        template.write_text("{{- if .Values.jamais }}\n" + template.read_text() + "{{- end }}\n")
    rendered = render_chart(chart, release="demo")
    with pytest.raises(InputError) as caught:
        grader.apply(rendered, exercise="rendu-vide")
    assert caught.value.message_fr == f"Rien à appliquer : le rendu du chart « {chart} » est vide."


@pytest.mark.parametrize("arguments", [(123,), ("chart", 42), ("chart", [None])])
def test_wrong_argument_types_get_a_french_error(arguments, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chart").mkdir()
    (tmp_path / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    with pytest.raises(InputError, match="render_chart|introuvable"):
        grader.render_chart(*arguments)
