"""Module 08-secrets' own tests: the notebook's solution scores full marks and its starter zero, on the real
cluster with the kit's secret services, and no exercise secret reaches the logs, the attempt log or the feedback."""
from __future__ import annotations

import json
import sqlite3

import pytest

from grader.config import REPO_ROOT
from notebook_content import Module, grade_scores, source

MODULE = "08-secrets"
M = Module(MODULE)
# Every plaintext the solution handles (clear files, Vault value, leaked and rotated passwords).
PLAINTEXTS = ("Zq7-formation-Sops-41", "jeton-formation-3f9a", "Agenda-Rotation-7c2e")


@pytest.mark.slow
def test_solution_scores_full_marks_and_starter_zero_without_leaking(local_cluster, notebook_runs):
    points = M.full_marks
    assert len(points) >= 3
    solution = notebook_runs.solution(M.notebook)
    assert grade_scores(solution.nb) == points, solution.errors()
    starter = notebook_runs.starter(M.notebook)
    assert grade_scores(starter.nb) == {e: 0.0 for e in points}
    feedback = "\n".join(json.dumps(out, ensure_ascii=False) for cell in solution.nb.cells
                         if source(cell).startswith(("check(", "apply(")) for out in cell.get("outputs", []))

    # No plaintext in the services' logs, the attempt log (results and evidence) or the check cells' feedback.
    logs = "".join(p.read_text(errors="replace") for p in (local_cluster.data_dir / "services").rglob("*.log"))
    assert "sopssecret" in logs and "vaultstaticsecret" in logs
    attempts = ""
    for db in local_cluster.data_dir.rglob("*.sqlite*"):
        try:
            with sqlite3.connect(db) as conn:
                for table, in conn.execute("select name from sqlite_master where type='table'"):
                    attempts += json.dumps(conn.execute(f"select * from {table}").fetchall(), default=str)
        except sqlite3.DatabaseError:
            continue
    assert "fichier-chiffre" in attempts
    assert "sops-db" in feedback
    for secret in PLAINTEXTS:
        assert secret not in logs and secret not in attempts and secret not in feedback, secret


def test_notebook_has_a_mermaid_diagram_and_explains_argo_cd():
    text = "\n".join(source(c) for c in M.cells() if c["cell_type"] == "markdown")
    assert "```mermaid" in text and "Argo CD" in text and "simulation de Vault" in text


def test_checks_feedback_never_shows_a_plaintext():
    """The check cells print feedback; their text is built from details and evidence, checked in the live test.
    Here: no exercise.yaml message or hint quotes a plaintext of the solution."""
    for exercise in M.exercises:
        text = (exercise.directory / "exercise.yaml").read_text()
        for secret in PLAINTEXTS:
            assert secret not in text, (exercise.id, secret)
    assert (REPO_ROOT / "notebooks" / MODULE / "fournis").is_dir()
