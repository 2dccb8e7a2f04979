"""Unit tests of the renderers: one Report, shown as HTML checklist, widget, terminal text, JSON."""
from __future__ import annotations

import json

from grader import feedback
from grader.results import Report, Result, Status

REPORT = Report("ex", "Déployer <web>", (
    Result("a", "Répliques", Status.PASSED, 1.5, "2 répliques"),
    Result("b", "Sélecteur", Status.FAILED, 1, "aucun pod ne porte app=web", hint="comparez les labels",
           evidence={"sélecteur": {"app": "web"}}),
    Result("c", "Règle latest", Status.WARNING, 1, "image en latest"),
    Result("d", "HTTP", Status.SKIPPED, 1, "non vérifiable sur ce cluster simulé"),
    Result("e", "Caché", Status.ERROR, 1, "Contrôle caché : n'a pas pu s'exécuter.", hidden=True),
))


def test_html_checklist():
    out = feedback.to_html(REPORT)
    assert "Déployer &lt;web&gt;" in out and "<web>" not in out          # escaped
    assert out.count("<li") == 5 and "✔" in out and "✘" in out and "⚠" in out
    assert "2,5 / 4,5 pt" in out                                          # French decimals, skipped left out
    assert "<details" in out and "comparez les labels" in out and "Éléments observés" in out
    assert REPORT._repr_html_() == out


def test_text_rendering_with_and_without_colour():
    plain = feedback.to_text(REPORT)
    assert plain.splitlines()[0] == "Déployer <web> (ex) : 2,5 / 4,5 pt"
    assert "  ✘ Sélecteur [0 / 1 pt]" in plain and "→ indice : comparez les labels" in plain
    assert "\x1b[" not in plain and repr(REPORT) == plain
    assert "\x1b[31m✘\x1b[0m" in feedback.to_text(REPORT, color=True)
    assert '"app": "web"' in feedback.to_text(REPORT, evidence=True)


def test_json_rendering():
    data = json.loads(feedback.to_json(REPORT))
    assert data["points"] == 2.5 and data["max_points"] == 4.5
    assert [r["status"] for r in data["results"]] == ["passed", "failed", "warning", "skipped", "error"]


def test_widget():
    widget = feedback.to_widget(REPORT)
    assert widget.value == feedback.to_html(REPORT)


def test_a_skill_without_exercise_is_shown_as_coming_not_as_zero():
    """GitLab-CI, GitOps, ArgoCD without exercises: « à venir », never a red 0 % the learner can do nothing about."""
    from grader.attempts import Overview, SkillProgress
    view = Overview("apprenant", (SkillProgress("kubernetes", "Kubernetes", "obligatoire", 3, 6, 1, 2),
                                  SkillProgress("gitops", "GitOps", "obligatoire", 0, 0, 0, 0)))
    text = repr(view)
    [gitops] = [line for line in text.splitlines() if "GitOps" in line]
    assert "à venir" in gitops and "%" not in gitops
    assert "50.0 %" in text
    page = view._repr_html_()
    row = page.split("GitOps")[1].split("</tr>")[0]
    assert "à venir" in row and "#c62828" not in row and "%" not in row
