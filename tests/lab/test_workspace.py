"""The learner's workspace: nbgrader's release version of each module, outside the repo, answers never lost."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader import workspace
from grader.config import REPO_ROOT
from grader.errors import InputError

pytestmark = pytest.mark.slow
HIDDEN_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS")


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Path:
    lab = tmp_path_factory.mktemp("espace")
    placed = workspace.prepare(lab)
    assert {p.action for p in placed} == {"ajouté"}
    return lab


def test_every_module_is_there_without_solutions(lab):
    assert sorted(p.name for p in lab.iterdir() if not p.name.startswith(".")) == workspace.modules()
    for path in lab.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            assert not any(marker in text for marker in HIDDEN_MARKERS), path


def test_notebooks_keep_their_graded_cells(lab):
    notebook = json.loads(workspace.first_notebook(lab).read_text(encoding="utf-8"))
    graded = [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert graded and all("grade(" in "".join(c["source"]) for c in graded)
    answers = [c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("solution")]
    assert answers and all("Camille" not in "".join(c["source"]) for c in answers)


def test_provided_files_come_along(lab):
    assert (lab / "05-helm" / "fournis").is_dir()


def test_a_second_run_changes_nothing(lab):
    before = workspace._files(lab)
    assert {p.action for p in workspace.prepare(lab)} == {"à jour"}
    assert workspace._files(lab) == before


def _new_release(tmp_path: Path, *changed: str) -> Path:
    """A copy of notebooks/ where the `changed` modules have a new version (as after a `git pull` of the kit)."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(REPO_ROOT / "notebooks", notebooks)
    for module in changed:
        notebook = notebooks / module / f"{module}.ipynb"
        data = json.loads(notebook.read_text(encoding="utf-8"))
        data["cells"][0]["source"] = ["# Version corrigée\n"] + data["cells"][0]["source"]
        notebook.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return notebooks


def test_a_changed_module_never_overwrites_the_learners_answers(tmp_path):
    lab = tmp_path / "espace"
    workspace.prepare(lab)
    first, second = workspace.modules()[:2]
    answer = lab / first / "intro-configmap" / "configmap.yaml"
    answer.parent.mkdir(parents=True, exist_ok=True)
    answer.write_text("apiVersion: v1\nkind: ConfigMap\n", encoding="utf-8")

    notebooks = _new_release(tmp_path, first, second)
    actions = {p.module: p for p in workspace.prepare(lab, notebooks_dir=notebooks)}

    assert actions[first].action == "nouvelle version à côté"
    assert answer.read_text(encoding="utf-8") == "apiVersion: v1\nkind: ConfigMap\n"
    beside = lab / f"{first}{workspace.NEW_SUFFIX}"
    assert "Version corrigée" in (beside / f"{first}.ipynb").read_text(encoding="utf-8")
    assert actions[second].action == "mis à jour"     # untouched by the learner: replaced in place
    assert "Version corrigée" in (lab / second / f"{second}.ipynb").read_text(encoding="utf-8")


def test_the_workspace_cannot_be_inside_the_repo():
    with pytest.raises(InputError, match="dans le dépôt"):
        workspace.prepare(REPO_ROOT / "espace")
