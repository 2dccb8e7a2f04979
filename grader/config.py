"""Where the kit keeps its things: one frozen Settings from environment variables and defaults.

Precedence: command-line flags (applied by the CLI) > `CPIN_*` variables > defaults. Every `CPIN_*`
variable is read here, and only here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path   # CPIN_DATA: kubeconfig of the local cluster, attempt log, keys
    cache_dir: Path  # CPIN_CACHE: built tools, Go caches, base images
    backend: str     # CPIN_BACKEND: local | kind | existing | auto
    learner: str     # CPIN_LEARNER: learner id used in namespaces and the attempt log
    exercises_dir: Path  # CPIN_EXERCISES: the exercise registry (tests and trainers point it elsewhere)
    lab_dir: Path = Path("~/cpin-autoformation").expanduser()  # CPIN_LAB_DIR: learner's workspace, outside the repo
    course_dir: Path = REPO_ROOT / "course"  # CPIN_COURSE: the trainer's nbgrader course
    images: str = "auto"      # CPIN_IMAGES: base images auto | offline | online
    debian_mirror: str = ""   # CPIN_DEBIAN_MIRROR: Debian mirror for offline base images ("": the default)
    tools_path: tuple[Path, ...] = field(default_factory=tuple)  # CPIN_TOOLS_PATH: folders searched first
    kind_image: str = ""      # CPIN_KIND_IMAGE: kind node image ("": the pinned one)
    registry_mirror: str = ""  # CPIN_REGISTRY_MIRROR: image registry mirror for kind nodes

    @property
    def tools_dir(self) -> Path:
        return self.cache_dir / "tools"

    def source_of(self, name: str) -> str:
        """Where a setting's value comes from (for `cpin doctor`)."""
        var = VARIABLES[name]
        return f"${var}" if var in os.environ else "défaut"


VARIABLES = {"data_dir": "CPIN_DATA", "cache_dir": "CPIN_CACHE", "backend": "CPIN_BACKEND",
             "learner": "CPIN_LEARNER", "exercises_dir": "CPIN_EXERCISES", "lab_dir": "CPIN_LAB_DIR",
             "course_dir": "CPIN_COURSE",
             "images": "CPIN_IMAGES", "debian_mirror": "CPIN_DEBIAN_MIRROR", "tools_path": "CPIN_TOOLS_PATH",
             "kind_image": "CPIN_KIND_IMAGE", "registry_mirror": "CPIN_REGISTRY_MIRROR"}


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
        course_dir=Path(os.environ.get("CPIN_COURSE") or REPO_ROOT / "course"),
        images=os.environ.get("CPIN_IMAGES") or "auto",
        debian_mirror=os.environ.get("CPIN_DEBIAN_MIRROR", ""),
        tools_path=tuple(Path(d) for d in os.environ.get("CPIN_TOOLS_PATH", "").split(":") if d),
        kind_image=os.environ.get("CPIN_KIND_IMAGE", ""),
        registry_mirror=os.environ.get("CPIN_REGISTRY_MIRROR", ""),
    )
