"""cpin-autoformation: the notebook API.

`check`, `grade`, `hint`, `reset`, `apply`, `progress`, `quiz`, `grade_quiz` (`grader.api`); `kubectl`, `namespace`,
`render_chart`, `provided_path`, `show_provided`, `kit_path`, `copy_starter`, `base_image`, `try_image`
(`grader.notebook`); `ci_run`, `trivy_report` (`grader.ci_notebook`); `argocd_push`, `argocd_status`,
`argocd_sync` (`grader.gitops_notebook`).
Names are resolved lazily so that `import grader` stays instant; the Kubernetes client is only
imported by the first call that needs a cluster.
"""
from __future__ import annotations

_HOMES = {"check": "api", "grade": "api", "hint": "api", "reset": "api", "apply": "api", "progress": "api",
          "kubectl": "notebook", "namespace": "notebook", "render_chart": "notebook", "provided_path": "notebook",
          "show_provided": "notebook", "kit_path": "notebook", "copy_starter": "notebook",
          "base_image": "notebook", "prepare_base_image": "notebook", "try_image": "notebook",
          "ci_run": "ci_notebook", "trivy_report": "ci_notebook",
          "quiz": "api", "grade_quiz": "api",
          "argocd_push": "gitops_notebook", "argocd_status": "gitops_notebook", "argocd_sync": "gitops_notebook"}
__all__ = list(_HOMES)


def __getattr__(name: str):
    if name in _HOMES:
        import importlib
        return getattr(importlib.import_module(f"grader.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
