"""Where the kit keeps its things: one frozen Settings from environment variables and defaults.

Precedence: command-line flags (applied by the CLI) > `CPIN_*` variables > defaults.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path   # CPIN_DATA: kubeconfig of the local cluster, attempt log, keys
    cache_dir: Path  # CPIN_CACHE: built tools, Go caches, base images
    backend: str     # CPIN_BACKEND: local | kind | existing | auto
    learner: str     # CPIN_LEARNER: learner id used in namespaces and the attempt log
    exercises_dir: Path  # CPIN_EXERCISES: the exercise registry (tests and trainers point it elsewhere)
    lab_dir: Path    # CPIN_LAB_DIR: the learner's workspace (notebooks without solutions), outside the repo

    @property
    def tools_dir(self) -> Path:
        return self.cache_dir / "tools"

    def source_of(self, name: str) -> str:
        """Where a setting's value comes from (for `cpin doctor`)."""
        var = {"data_dir": "CPIN_DATA", "cache_dir": "CPIN_CACHE", "backend": "CPIN_BACKEND",
               "learner": "CPIN_LEARNER", "exercises_dir": "CPIN_EXERCISES",
               "lab_dir": "CPIN_LAB_DIR"}[name]
        return f"${var}" if var in os.environ else "défaut"


def _home_path(var: str, default: str) -> Path:
    return Path(os.environ.get(var) or Path(default).expanduser()).expanduser()


def settings() -> Settings:
    """The current settings, read anew each call (tests change the environment)."""
    xdg_data = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Settings(
        data_dir=_home_path("CPIN_DATA", f"{xdg_data}/cpin"),
        cache_dir=_home_path("CPIN_CACHE", "~/.cache/cpin"),
        backend=os.environ.get("CPIN_BACKEND", "auto"),
        learner=os.environ.get("CPIN_LEARNER") or os.environ.get("USER") or "apprenant",
        exercises_dir=Path(os.environ.get("CPIN_EXERCISES") or REPO_ROOT / "exercises"),
        lab_dir=_home_path("CPIN_LAB_DIR", "~/cpin-autoformation"),
    )
