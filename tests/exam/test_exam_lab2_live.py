"""The mock exam's lab 2 (SOPS) on the live cluster: the reference answer of each variant scores full
marks, a plain Secret left in the repository scores less, and the untouched subject scores 0."""
from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from grader import exam_pool as pools
from grader.exam import session as sessions
from grader.exam.notebook import NotebookExam

pytestmark = pytest.mark.slow


@pytest.fixture
def exam_learner(local_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.setenv("CPIN_LEARNER", f"lab2-{tmp_path.name[-8:].lower().replace('_', '-')}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _open(folder, variant_id):
    """An exam whose lab 2 is `variant_id` (a pool with that one variant), reset on the cluster."""
    data = yaml.safe_load(pools.POOL_PATH.read_text(encoding="utf-8"))
    lab2 = next(lab for lab in data["labs"] if lab["id"] == "lab2")
    lab2["variants"] = [v for v in lab2["variants"] if v["id"] == variant_id]
    custom = folder.parent / f"pool-{variant_id}.yaml"
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    found = sessions.start(folder, learner=os.environ["CPIN_LEARNER"], duration_minutes=60, seed="s",
                           seat=1, pool_path=custom, prepare=True)
    assert found.labs[1].variant == variant_id
    return NotebookExam(folder, found, custom)


@pytest.mark.parametrize("variant_id", ["lab2-sops-base", "lab2-secret-clair"])
def test_reference_answer_of_lab2_scores_full_marks(exam_learner, variant_id):
    exam = _open(exam_learner / "examen", variant_id)
    repo = exam.folder / "sops-db" / "infra"
    assert (repo / ".git").is_dir(), "the learner gets an empty repository to commit into"
    subject = sessions.subject_text(exam.session, exam.folder)
    assert "sops-db/infra/templates/db-sops.yaml" in subject and f"dépôt git : {repo}" in subject
    assert exam.note_lab(2) == 0.0, "the untouched subject scores nothing"

    exam.copier_corrige()
    exam.deployer()
    assert not (repo / "templates" / "secret.yaml").exists()
    log = subprocess.run(["git", "-C", str(repo), "log", "--name-only", "--format="], capture_output=True,
                         text=True, check=True).stdout.split()
    assert sorted(log) == ["templates/db-sops.yaml", "templates/deployment.yaml"]
    assert "ENC[" in (repo / "templates" / "db-sops.yaml").read_text()
    assert exam.note_lab(2) == 1.0
