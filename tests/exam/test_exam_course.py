"""The mock exam as an nbgrader assignment: graded by `cpin course` with the modules' isolation.

`cpin course validate` runs the same pipeline as `cpin course grade` (sandboxed kernel, cluster fenced to
the grading learner's namespaces, nbgrader's scoring): the solution version must score full marks and the
learner's blank version zero. The notebook is the kit's own, with two cells adapted for the test: the pool
(lab 2, SOPS, stood in for by k8s-config, which this kit can check) and the reference answer, written inline
because the sandbox never sees the exercises' `solution/` folders.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from grader import cli
from grader.config import REPO_ROOT
from grader.course.autograde import EXAM_ASSIGNMENT, namespaces_for
from grader import exam_pool as pool
from grader.exam.notebook import points_per_skill

NOTEBOOK = REPO_ROOT / "notebooks" / EXAM_ASSIGNMENT / "examen.ipynb"
TEST_POOL = """\
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
      - id: lab1-deploiement
        title: Deployment de démonstration
        exercises: [k8s-deployment]
        deploy: [{exercise: k8s-deployment, apply: k8s-deployment/deployment.yaml}]
  - id: lab2
    title: Configuration sans identifiant (à la place du lab SOPS)
    points: 1
    skill: gitops
    variants:
      - id: lab2-config
        title: ConfigMap étiquetée
        exercises: [k8s-config]
        deploy: [{exercise: k8s-config, apply: k8s-config/configmap.yaml}]
  - id: lab3
    title: Réparer un chart Helm et l'application
    points: 3
    skill: helm
    variants:
      - id: lab3-agenda
        title: Chart de l'agenda partagé
        exercises: [helm-depannage]
        files: [{from: notebooks/05-helm/fournis/agenda, to: helm-depannage/agenda}]
        deploy:
          - {exercise: helm-depannage, chart: helm-depannage/agenda, values: helm-depannage/agenda/values-dev.yaml,
             release: formation-cpin-depannage-agenda-partage-ministere, output: helm-depannage/rendu-dev.yaml}
"""


def test_the_notebook_grades_each_lab_and_each_qcm_skill_with_the_pools_points():
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    graded = {c.metadata["nbgrader"]["grade_id"]: (c.metadata["nbgrader"]["points"], c.metadata["cpin"]["skill"])
              for c in cells if c.metadata.get("nbgrader", {}).get("grade")}
    labs = pool.load().labs
    assert [graded[f"test_examen_lab{n}"] for n in (1, 2, 3)] == [(lab.points, lab.skill) for lab in labs]
    assert {k: v for k, v in graded.items() if "qcm" in k} == {
        f"test_examen_qcm_{skill}": (pts, skill) for skill, pts in points_per_skill().items()}


def test_the_exam_fence_covers_the_learners_lab_namespaces_only():
    names = namespaces_for("g-anne-123456", EXAM_ASSIGNMENT)
    assert "cpin-g-anne-123456-02-kubernetes" in names and "cpin-g-anne-123456-05-helm" in names
    assert all("g-anne-123456" in n for n in names)
    assert namespaces_for("g-anne-123456", "02-kubernetes") == ("cpin-g-anne-123456-02-kubernetes",)


def _reference_cell() -> str:
    """Python that writes the kit's reference answers of the test pool's labs under examen/."""
    files = {}
    for module, exercise in (("02-kubernetes", "k8s-deployment"), ("02-kubernetes", "k8s-config"),
                             ("05-helm", "helm-depannage")):
        base = REPO_ROOT / "exercises" / module / exercise / "solution"
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            files[f"examen/{exercise}/{path.relative_to(base).as_posix()}"] = path.read_text(encoding="utf-8")
    return ("from pathlib import Path\n### BEGIN SOLUTION\n"
            f"for _chemin, _texte in {files!r}.items():\n"
            "    Path(_chemin).parent.mkdir(parents=True, exist_ok=True)\n"
            "    Path(_chemin).write_text(_texte, encoding='utf-8')\n### END SOLUTION")


@pytest.fixture
def exam_course(local_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.setenv("CPIN_EXCHANGE", str(tmp_path / "exchange"))
    monkeypatch.delenv("CPIN_EXERCISES", raising=False)
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO_ROOT / "course" / "nbgrader_config.py", root / "nbgrader_config.py")
    notebooks = tmp_path / "notebooks" / EXAM_ASSIGNMENT
    notebooks.mkdir(parents=True)
    (notebooks / "pool-test.yaml").write_text(TEST_POOL, encoding="utf-8")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "examen-ouverture":
            cell.source = cell.source.replace("POOL = None", 'POOL = "pool-test.yaml"')
        elif gid == "examen-labs":
            cell.source = _reference_cell()
    nbformat.write(nb, notebooks / "examen.ipynb")
    return root, tmp_path / "notebooks"


@pytest.mark.cluster
@pytest.mark.slow
@pytest.mark.requires_tools("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "helm")
def test_cpin_course_validates_the_exam_in_the_sandbox(exam_course, capsys):
    root, notebooks = exam_course
    assert cli.main(["course", "--course", str(root), "generate", "--notebooks", str(notebooks)]) == 0
    released = (root / "release" / EXAM_ASSIGNMENT / "examen.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in released and "copier_corrige" not in released
    code = cli.main(["course", "--course", str(root), "validate", EXAM_ASSIGNMENT, "--cluster", "kit"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"✔ {EXAM_ASSIGNMENT} (solution) : 10/10, attendu 10" in out
    assert f"✔ {EXAM_ASSIGNMENT} (départ) : 0/10, attendu 0" in out
