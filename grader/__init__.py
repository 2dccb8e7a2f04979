"""cpin-autoformation: the notebook API (`check`, `grade`, `hint`, `reset`, `apply`, `progress`).

Names are resolved lazily so that `import grader` stays instant; the Kubernetes client is only
imported by the first call that needs a cluster.
"""
from __future__ import annotations

__all__ = ["check", "grade", "hint", "reset", "apply", "progress"]


def __getattr__(name: str):
    if name == "progress":
        import importlib
        return importlib.import_module("grader.progress")  # a callable module: grader.progress()
    if name in __all__:
        from grader import api
        return getattr(api, name)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
