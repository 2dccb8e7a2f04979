"""What a cohort learner's Jupyter server gets from JupyterHub: the kit on the shared cluster, fenced.

`learner_environment` is called by the hub before each learner's server starts (the local configuration
in `deploy/jupyterhub/`; on Kubernetes, the same variables come from the z2jh values). It records the
learner's kubeconfig (written by `cpin cohort provision`) as the `existing` backend of their own kit data
dir, puts the workspace (every module as nbgrader releases it, module 00 first) in their home, and returns
the environment: `CPIN_BACKEND=existing`, `CPIN_LEARNER`, `CPIN_DATA`, `CPIN_LAB_DIR`, `KUBECONFIG`.
"""
from __future__ import annotations

from pathlib import Path

COURSE_ID = "cpin-autoformation"     # as in course/nbgrader_config.py


def learner_environment(learner: str, *, home: Path, kubeconfig: Path, context: str,
                        workspace: bool = True, exchange: Path | None = None) -> dict[str, str]:
    """Prepare `home` for `learner` and return the variables of their server (idempotent).

    `exchange`: the nbgrader exchange the trainer releases to and collects from (a folder every server
    sees), written into the learner's own Jupyter configuration."""
    import json

    from grader import workspace as lab_workspace
    from grader.cluster import lifecycle
    from grader.errors import InputError

    if not Path(kubeconfig).is_file():
        raise InputError(f"Aucun accès au cluster pour « {learner} » ({kubeconfig} absent).",
                         hint_fr="Le formateur lance d'abord `cpin cohort provision` pour cet apprenant.")
    data, lab = home / ".cpin", home / "cpin-autoformation"
    lifecycle.up("existing", data_dir=data, install_policies=False, context=context, kubeconfig=str(kubeconfig))
    env = {"CPIN_BACKEND": "existing", "CPIN_LEARNER": learner, "CPIN_DATA": str(data),
           "CPIN_LAB_DIR": str(lab), "KUBECONFIG": str(kubeconfig)}
    if workspace:
        lab_workspace.prepare(lab)
        env.update(lab_workspace.configure(lab))
    else:
        env["JUPYTER_CONFIG_DIR"] = str(data / "jupyter")
    if exchange is not None:
        config = Path(env["JUPYTER_CONFIG_DIR"]) / "nbgrader_config.json"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(json.dumps({"CourseDirectory": {"course_id": COURSE_ID},
                                      "Exchange": {"root": str(exchange)}}, indent=1), encoding="utf-8")
    return env
