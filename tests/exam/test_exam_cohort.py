"""`cpin exam` end to end on the local control plane: a cohort of three (full, partial, blank).

Each learner starts a session (subject drawn, namespaces reset), works for real (files written,
manifests and a rendered Helm chart applied to the cluster, QCM answered through `cpin exam repondre`),
hands in (« soumis »); then the trainer grades each copy live with `cpin exam noter`. Expected: the full
copy passes with 100 % and gets a signed attestation that `cpin exam verifier` accepts; the partial and
blank copies fail with their grades and get none.

The pool is a copy of the real one where lab 2 (SOPS, not yet checkable by this kit) is stood in for by
`k8s-config`, and each lab keeps one variant so the three copies are solved the same way.
"""
from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest

from grader import api, cli, notebook
from grader.config import REPO_ROOT
from grader.exam import session

EX = REPO_ROOT / "exercises"
RELEASE = "formation-cpin-depannage-agenda-partage-ministere"
_count = itertools.count()

POOL = """\
apiVersion: cpin.dev/v1
kind: ExamPool
passMark: 0.8
qcm:
  pointsEach: 0.5
  draw: {culture: 4, containerisation: 2, kubernetes: 1, gitlab-ci: 2, gitops: 1}
labs:
  - id: lab1
    title: Déployer une application avec des manifestes
    points: 1
    skill: kubernetes
    variants:
      - {id: lab1-deploiement, title: Deployment de démonstration, exercises: [k8s-deployment]}
  - id: lab2
    title: Sortir un mot de passe d'une ConfigMap (à la place du lab SOPS)
    points: 1
    skill: gitops
    variants:
      - {id: lab2-config, title: Configuration sans identifiant, exercises: [k8s-config]}
  - id: lab3
    title: Réparer un chart Helm et l'application
    points: 3
    skill: helm
    variants:
      - id: lab3-agenda
        title: Chart de l'agenda partagé
        exercises: [helm-depannage]
        files:
          - {from: notebooks/05-helm/fournis/agenda, to: helm-depannage/agenda}
"""


def _solve_lab(exercise: str, folder: Path) -> None:
    """What a learner who knows the answer does: write the files, apply them to the cluster."""
    if exercise == "k8s-deployment":
        target = folder / "k8s-deployment" / "deployment.yaml"
        shutil.copy(EX / "02-kubernetes" / "k8s-deployment" / "solution" / "deployment.yaml", target)
        api.apply(target, exercise=exercise)
    elif exercise == "k8s-config":
        target = folder / "k8s-config" / "configmap.yaml"
        shutil.copy(EX / "02-kubernetes" / "k8s-config" / "solution" / "configmap.yaml", target)
        api.apply(target, exercise=exercise)
    elif exercise == "helm-depannage":
        chart = folder / "helm-depannage" / "agenda"
        shutil.copytree(EX / "05-helm" / "helm-depannage" / "solution" / "agenda", chart, dirs_exist_ok=True)
        rendered = notebook.render_chart(chart, values=[chart / "values-dev.yaml"], release=RELEASE)
        out = folder / "helm-depannage" / "rendu-dev.yaml"
        out.write_text(rendered, encoding="utf-8")
        api.apply(out, exercise=exercise)
    else:
        raise AssertionError(f"pas de solution scriptée pour {exercise}")


@pytest.fixture
def cohort(local_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.delenv("CPIN_EXERCISES", raising=False)
    monkeypatch.chdir(tmp_path)
    pool_path = tmp_path / "pool.yaml"
    pool_path.write_text(POOL, encoding="utf-8")
    return tmp_path


def _sit(kind: str, base: Path, monkeypatch, seat: int) -> tuple[str, Path]:
    learner = f"x{kind[0]}{next(_count)}{base.name[-6:].lower().replace('_', '')}"
    monkeypatch.setenv("CPIN_LEARNER", learner)
    folder = base / learner
    assert cli.main(["exam", "demarrer", "--dossier", str(folder), "--duree", "90", "--graine", "cohorte",
                     "--place", str(seat), "--pool", str(base / "pool.yaml")]) == 0
    subject = session.load(folder)
    if kind in ("full", "partial"):
        labs = subject.labs if kind == "full" else subject.labs[:2]
        for lab in labs:
            for exercise in lab.exercises:
                _solve_lab(exercise, folder)
        quiz = session.questionnaire(subject, folder)
        for n, q in enumerate(quiz.questions):
            right = sorted(q.answers)
            if kind == "partial" and n % 2:        # half of the QCM wrong
                right = [next(x for x in q.letters if x not in q.answers)]
            assert cli.main(["exam", "repondre", q.id, ",".join(right), "--dossier", str(folder)]) == 0
    assert cli.main(["exam", "rendre", "--dossier", str(folder)]) == 0
    return learner, folder


@pytest.mark.cluster
@pytest.mark.slow
@pytest.mark.requires_tools("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "helm")
def test_a_cohort_of_three_is_graded_live_and_only_the_full_copy_is_attested(cohort, monkeypatch, capsys):
    copies = {kind: _sit(kind, cohort, monkeypatch, seat) for seat, kind in enumerate(("full", "partial", "blank"))}
    out = capsys.readouterr().out
    assert out.count("soumis") == 3 and "enregistré" in out
    assert "réponse(s)" not in out and "Indice" not in out       # no correction, no hint during the exam

    monkeypatch.setenv("CPIN_LEARNER", "formateur")             # the trainer grades
    results = {}
    for kind, (learner, folder) in copies.items():
        assert cli.main(["exam", "noter", "--dossier", str(folder)]) == 0
        results[kind] = json.loads((folder / "resultat" / f"{learner}.releve.json").read_text(encoding="utf-8"))
    sheet = capsys.readouterr().out

    full, partial, blank = results["full"], results["partial"], results["blank"]
    assert full["total"] == {"points": 10.0, "max": 10.0, "ratio": 1.0}, json.dumps(full["labs"], indent=1)
    assert full["passed"] is True and full["reasons"] == [] and full["not_assessed"] == []
    assert [lab["points"] for lab in full["labs"]] == [1.0, 1.0, 3.0]
    assert all(lab["status"] == "évalué" for lab in full["labs"])

    assert [lab["points"] for lab in partial["labs"]] == [1.0, 1.0, 0.0]
    assert sum(q["points"] for q in partial["questions"]) == 2.5
    assert partial["total"]["points"] == 4.5 and partial["passed"] is False
    assert any("80 %" in r for r in partial["reasons"])

    assert blank["total"]["points"] == 0.0 and blank["passed"] is False
    assert all(q["chosen"] == [] for q in blank["questions"])

    for result in results.values():
        assert "en direct" in result["mode"]
        assert len(result["questions"]) == 10 and all(q["explanation"] for q in result["questions"])
        assert result["labs"][2]["checks"], "le détail par contrôle est donné à la fin"
    assert "RÉUSSI" in sheet and sheet.count("NON RÉUSSI") == 2

    learner, folder = copies["full"]
    attestation = folder / "resultat" / f"{learner}.attestation.json"
    assert attestation.is_file()
    for kind in ("partial", "blank"):
        other, other_folder = copies[kind]
        assert not (other_folder / "resultat" / f"{other}.attestation.json").exists()
    assert cli.main(["exam", "verifier", str(attestation)]) == 0
    assert "réussi" in capsys.readouterr().out

    document = json.loads(attestation.read_text(encoding="utf-8"))
    document["attestation"]["learner"] = copies["partial"][0]
    forged = cohort / "forged.json"
    forged.write_text(json.dumps(document), encoding="utf-8")
    assert cli.main(["exam", "verifier", str(forged)]) == 1
