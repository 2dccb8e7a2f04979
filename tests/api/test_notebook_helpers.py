"""The helpers notebooks import from `grader` (no notebook reaches into `grader.cluster`, `tools`, `config`,
`images`, `checks`…)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import grader
from grader.errors import InputError

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*/*.ipynb"))
INTERNAL = ("grader.cluster", "grader.tools", "grader.config", "grader.exercises", "grader.api", "grader.images",
            "grader.checks", "grader.runner", "grader.kube", "grader.course")


def test_every_exported_name_resolves():
    for name in grader.__all__:
        assert callable(getattr(grader, name)), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_no_notebook_imports_an_internal_module_or_defines_a_shared_helper(path):
    cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    source = "\n".join("".join(c["source"]) for c in cells)
    assert not [name for name in INTERNAL if name in source]
    assert not [helper for helper in ("def kubectl", "def fichier_fourni", "def copier_fourni", "def essai",
                                      "def image_de_base") if helper in source]


def test_provided_files_and_starters(tmp_path, capsys):
    path = grader.provided_path("k8s-depannage", "catalogue.yaml")
    assert path.is_file()
    grader.show_provided("k8s-depannage", "catalogue.yaml")
    assert capsys.readouterr().out.strip() == path.read_text(encoding="utf-8").strip()
    with pytest.raises(InputError, match="ne fournit pas de fichier « absent.yaml »"):
        grader.provided_path("k8s-depannage", "absent.yaml")
    target = tmp_path / "travail" / "catalogue.yaml"
    grader.copy_starter(path, target)
    assert target.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    target.write_text("mon travail\n", encoding="utf-8")
    grader.copy_starter(path, target)                               # the learner's work is kept
    assert target.read_text(encoding="utf-8") == "mon travail\n"
    assert "vos modifications sont conservées" in capsys.readouterr().out
    grader.copy_starter(path, target, overwrite=True, quiet=True)
    assert target.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    with pytest.raises(InputError, match="introuvable"):
        grader.copy_starter(tmp_path / "rien", tmp_path / "x")
    assert (grader.kit_path("app") / "app.py").is_file()


def test_namespace_of_an_exercise(monkeypatch):
    monkeypatch.setenv("CPIN_LEARNER", "alice")
    assert grader.namespace("k8s-config") == grader.namespace("k8s-deployment") == "cpin-alice-02-kubernetes"
