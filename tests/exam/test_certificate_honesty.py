"""The course certificate states the mandatory skills it did not assess and self-reported scores."""
from __future__ import annotations

from grader import certify
from grader.course.export import SOURCES


def _document(**extra):
    cert = {"course": "c", "student": "s", "issued_at": "2026-12-01T00:00:00+00:00",
            "valid_until": "2027-12-01T00:00:00+00:00", "passed": True,
            "total": {"points": 8, "max": 8, "ratio": 1.0}, "reasons": [],
            "skills": [{"label": "Kubernetes", "mandatory": True, "points": 8, "max": 8, "ratio": 1.0}],
            "rules": {"skill_floor": 0.6, "pass_mark": 0.8}, "kubernetes": "1.36", "checks": 1,
            "checks_sha256": "0" * 64, **extra}
    return {"certificate": cert, "signature": {"key_id": "k", "value": "v"}}


def test_not_assessed_lists_every_mandatory_skill_without_points():
    skills = [certify.SkillScore("kubernetes", 3, 3), certify.SkillScore("gitops", 0, 0),
              certify.SkillScore("helm", 2, 2)]
    assert certify.not_assessed(skills) == ["Conteneurisation", "GitLab-CI", "GitOps"]


def test_the_page_states_missing_skills_and_self_reported_scores():
    page = certify.to_html(_document(not_assessed=["GitLab-CI"], sources=[SOURCES["evidence"]]))
    assert "non évaluées par ce parcours : GitLab-CI" in page
    assert "auto-déclarée" in page and "pas une preuve" in page
    live = certify.to_html(_document(not_assessed=[], sources=[SOURCES["live"]]))
    assert "non évaluées" not in live and "auto-déclarée" not in live
