"""CI executes every module notebook (its solution version: the nbgrader source) with nbval.

Each notebook is copied to a tmp dir first (its cells write the learner's artefacts next to it) and run
by nbval in a subprocess against the session's local control plane, with a learner id of its own.
That starter notebooks score zero and solutions full marks is proved by `cpin course validate`
(tests/course/).
"""
import shutil
import subprocess
import sys

import pytest

from grader.config import REPO_ROOT

NOTEBOOKS = sorted(p for p in (REPO_ROOT / "notebooks").glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_every_module_has_a_notebook():
    modules = {p.parent.name for p in NOTEBOOKS}
    assert {"00-prise-en-main", "01-conteneurs", "02-kubernetes", "03-production", "04-openshift",
            "05-helm"} <= modules


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS])
def test_solution_notebook_runs_under_nbval(notebook, local_cluster, tmp_path):
    work = tmp_path / notebook.parent.name
    shutil.copytree(notebook.parent, work)
    env = {**local_cluster.env(), "CPIN_LEARNER": f"nbval-{notebook.parent.name[:2]}",
           "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         "--nbval-cell-timeout=600", "-o", "addopts=", "-o", "testpaths=", str(work / notebook.name)],
        cwd=work, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
