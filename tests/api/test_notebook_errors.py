"""Errors the learner meets in a notebook: French message and hint, never a traceback — and the cell still
fails (nbgrader and nbval must see it). Checked by executing tiny notebooks with nbclient on a real kernel."""
from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import grader
from grader.kube.manifests import load_documents
from grader.errors import InputError

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STUB = "# YOUR CODE HERE\nraise NotImplementedError()\n"   # what nbgrader's release version writes


def execute(tmp_path, *sources: str, allow_errors: bool = True):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=120, allow_errors=allow_errors,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return nb


def errors(cell) -> list[dict]:
    return [o for o in cell.outputs if o.output_type == "error"]


# ---------------------------------------------------------------- input errors (no cluster needed)

@pytest.mark.parametrize("text, expected", [
    ("", "Rien à appliquer : le texte ou le chemin donné est vide."),
    ("   \n", "Rien à appliquer"),
    ("apiVersion: v1\nkind: [\n", "texte : YAML illisible (ligne 3, colonne 1)"),
    ("# rien\n---\n", "texte : aucun objet Kubernetes (vide, ou seulement des commentaires)."),
    ("kind: ConfigMap\nmetadata: {name: x}\n", "l'objet ConfigMap du document n° 1 n'a pas de « apiVersion »."),
    ("apiVersion: v1\nkind: ConfigMap\n", "n'a pas de « metadata.name »"),
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n- b\n- c\n",
     "le document n° 2 n'est pas un objet Kubernetes"),
])
def test_unusable_yaml_text_gets_a_french_error(text, expected):
    with pytest.raises(InputError) as caught:
        load_documents(text)
    assert expected in caught.value.message_fr and caught.value.hint_fr


def test_empty_file_and_release_stub_name_the_file(tmp_path):
    (tmp_path / "vide.yaml").write_text("")
    with pytest.raises(InputError, match=r"^vide\.yaml : aucun objet Kubernetes"):
        load_documents("vide.yaml", base=tmp_path)
    (tmp_path / "depart.yaml").write_text(STUB)
    with pytest.raises(InputError) as caught:
        load_documents("depart.yaml", base=tmp_path)
    assert caught.value.message_fr.startswith("depart.yaml : le document n° 1 n'est pas un objet Kubernetes")
    assert "« raise NotImplementedError() »" in caught.value.message_fr and "%%writefile" in caught.value.hint_fr
    with pytest.raises(InputError, match="Fichier « absent.yaml » introuvable"):
        load_documents("absent.yaml", base=tmp_path)


def test_apply_checks_the_text_before_anything_else():
    with pytest.raises(InputError, match="Rien à appliquer"):
        grader.apply("")                                  # not "which exercise?": the text is the problem
    with pytest.raises(InputError, match="chemin de fichier ou du texte YAML"):
        grader.apply(None, exercise="exemple-web")


def test_wrong_kind_or_api_version_suggests_the_right_one(learner):
    with pytest.raises(InputError) as caught:
        grader.apply("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n", exercise="exemple-web")
    message = caught.value.message_fr
    assert "« Deploymnet »" in message and "Vouliez-vous dire « Deployment » (apiVersion: apps/v1) ?" in message
    with pytest.raises(InputError) as caught:
        grader.apply("apiVersion: v1\nkind: Deployment\nmetadata: {name: web}\n", exercise="exemple-web")
    assert "un Deployment s'écrit avec « apiVersion: apps/v1 »" in caught.value.message_fr
    with pytest.raises(InputError, match="Vouliez-vous dire « ConfigMap »"):
        grader.apply("apiVersion: v1\nkind: configmap\nmetadata: {name: web}\n", exercise="exemple-web")


# ---------------------------------------------------------------- in a notebook: message, no traceback, cell fails

def test_cpin_error_shows_french_message_and_hint_and_still_fails_the_cell(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    (tmp_path / "depart.yaml").write_text(STUB)
    nb = execute(tmp_path, "from grader import apply, check",
                 'apply("")', 'apply("depart.yaml", exercise="exemple-web")', 'check("inconnu")', "1 / 0")
    for cell, expected in ((nb.cells[1], "Rien à appliquer"), (nb.cells[2], "depart.yaml : le document n° 1"),
                           (nb.cells[3], "Exercice « inconnu » inconnu.")):
        [error] = errors(cell)
        shown = ANSI.sub("", "\n".join(error.traceback))
        assert shown.startswith("✘ ") and expected in shown and "\n  → " in shown          # message, then hint
        assert "Traceback" not in shown and "File " not in shown and "grader/" not in shown
        assert error.ename == "InputError"
    [other] = errors(nb.cells[4])                         # other exceptions keep IPython's usual traceback
    assert other.ename == "ZeroDivisionError" and "Traceback" in ANSI.sub("", "\n".join(other.traceback))


def test_the_cell_status_is_error_so_execution_stops(tmp_path, monkeypatch):
    """nbclient stops at a cell whose execute_reply has status `error` (as nbval and nbgrader read it)."""
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in (
        "import grader.api", 'grader.api.apply("")', 'print("jamais")')])
    client = NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as caught:
        client.execute()
    assert caught.value.ename == "InputError" and "Rien à appliquer" in str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert nb.cells[2].outputs == []                      # never ran


def test_missing_cluster_is_a_french_error_in_the_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "sans-cluster"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "aucun-kubeconfig"))
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    nb = execute(tmp_path, "from grader import apply", 'apply("cm.yaml", exercise="exemple-web")')
    [error] = errors(nb.cells[1])
    shown = ANSI.sub("", "\n".join(error.traceback))
    assert shown.startswith("✘ ") and "cluster" in shown and "cpin cluster up" in shown
    assert "Traceback" not in shown


def test_outside_ipython_nothing_is_registered():
    from grader import api
    import sys
    assert "IPython" not in sys.modules or sys.modules["IPython"].get_ipython() is None
    api._register_notebook_errors()                       # a no-op here, and no error
