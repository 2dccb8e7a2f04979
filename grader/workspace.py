"""The learner's workspace: each module as nbgrader releases it, outside the source tree.

`prepare()` builds the release version of every module of `notebooks/` (solutions stripped, hidden tests
hidden: nbgrader's own `generate_assignment`, with the course's configuration, in a scratch course) and
copies it into `Settings.lab_dir` (`CPIN_LAB_DIR`, default `~/cpin-autoformation`). It never overwrites
what a learner wrote: a module is replaced only if none of its files changed and nothing was added since
the kit put it there; otherwise the new version goes beside it (`<module>.nouvelle-version/`).
`jupyter_env()` is what `cpin lab open` gives JupyterLab: French, no news, no nbgrader authoring UI.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.config import REPO_ROOT, settings
from grader.errors import InputError

MANIFEST = ".cpin-espace.json"
NEW_SUFFIX = ".nouvelle-version"
IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
COURSE_CONFIG = REPO_ROOT / "course" / "nbgrader_config.py"

# What the learner's JupyterLab is told (user settings and page config, private to the workspace).
LAB_SETTINGS = {
    "@jupyterlab/translation-extension/plugin.jupyterlab-settings": {"locale": "fr_FR"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
}
PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader": True}}
SERVER_CONFIG = {
    "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"},
    "ServerApp": {"jpserver_extensions": {f"nbgrader.server_extensions.{name}": False for name in
                                          ("formgrader", "assignment_list", "course_list", "validate_assignment")}},
}


@dataclass(frozen=True)
class Placed:
    module: str
    action: str      # "ajouté" | "à jour" | "mis à jour" | "nouvelle version à côté"
    path: Path


def modules(notebooks_dir: Path | None = None) -> list[str]:
    from grader.course.generate import modules as course_modules
    return course_modules(notebooks_dir or REPO_ROOT / "notebooks")


def _files(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file below `root` (checkpoints left out)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts and "__pycache__" not in path.parts:
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _digest(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


def _release_key(source: Path) -> str:
    return _digest({**_files(source), "nbgrader_config.py": hashlib.sha256(COURSE_CONFIG.read_bytes()).hexdigest()})


def releases(names: list[str], notebooks_dir: Path | None = None) -> dict[str, Path]:
    """The release version of each module, built by nbgrader once per source content (one scratch course
    for all that are missing) and kept under CPIN_CACHE/lab."""
    from grader.course.layout import Course, nbgrader

    notebooks_dir = notebooks_dir or REPO_ROOT / "notebooks"
    cache = settings().cache_dir / "lab"
    found = {name: cache / f"{name}-{_release_key(notebooks_dir / name)}" for name in names}
    missing = [name for name, target in found.items() if not (target / MANIFEST).is_file()]
    if not missing:
        return found
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cpin-release-") as scratch:
        root = Path(scratch)
        shutil.copy(COURSE_CONFIG, root / "nbgrader_config.py")
        course = Course(root=root, course_id="cpin-autoformation", exchange=root / "exchange",
                        db_url=f"sqlite:///{root / 'gradebook.db'}")
        for name in missing:
            shutil.copytree(notebooks_dir / name, root / "source" / name, ignore=IGNORED)
            nbgrader(course, "generate_assignment", name, "--force", timeout=300)
            built, target = root / "release" / name, found[name]
            (built / MANIFEST).write_text(json.dumps({"module": name, "release": target.name}), encoding="utf-8")
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(built, target)
    return found


def _load_manifest(lab: Path) -> dict:
    try:
        return json.loads((lab / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _copy(built: Path, target: Path) -> None:
    """A release into the workspace, without the cache's own manifest."""
    shutil.copytree(built, target, ignore=shutil.ignore_patterns(MANIFEST))


def _place(module: str, built: Path, lab: Path, record: dict) -> Placed:
    files = {k: v for k, v in _files(built).items() if k != MANIFEST}
    key = json.loads((built / MANIFEST).read_text(encoding="utf-8"))["release"]
    here, known = lab / module, record.get(module)
    if not here.exists():
        _copy(built, here)
        record[module] = {"release": key, "files": files}
        return Placed(module, "ajouté", here)
    if known and known["release"] == key:
        return Placed(module, "à jour", here)
    untouched = known is not None and _files(here) == known["files"]
    if untouched:
        shutil.rmtree(here)
        _copy(built, here)
        record[module] = {"release": key, "files": files}
        return Placed(module, "mis à jour", here)
    beside = lab / f"{module}{NEW_SUFFIX}"
    shutil.rmtree(beside, ignore_errors=True)
    _copy(built, beside)
    return Placed(module, "nouvelle version à côté", beside)


def prepare(lab: Path | None = None, *, notebooks_dir: Path | None = None) -> list[Placed]:
    """Put every module's release version in the workspace; the learner's work is never overwritten."""
    lab = (lab or settings().lab_dir).expanduser()
    if lab.resolve().is_relative_to(REPO_ROOT.resolve()):
        raise InputError(f"L'espace de travail {lab} est dans le dépôt du kit.",
                         hint_fr="Choisissez un dossier hors du dépôt avec CPIN_LAB_DIR.")
    lab.mkdir(parents=True, exist_ok=True)
    record = _load_manifest(lab)
    built = releases(modules(notebooks_dir), notebooks_dir)
    placed = [_place(module, path, lab, record) for module, path in built.items()]
    tmp = lab / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, lab / MANIFEST)
    return placed


def configure(lab: Path) -> dict[str, str]:
    """Write the learner lab's private Jupyter configuration; the environment variables that select it."""
    config_dir, settings_dir = lab / ".cpin" / "jupyter", lab / ".cpin" / "reglages"
    for name, values in LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=1), encoding="utf-8")
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(PAGE_CONFIG, indent=1), encoding="utf-8")
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG, indent=1), encoding="utf-8")
    # JupyterLab's terminals inherit this environment: the kit's `cpin` (this Python's bin/) comes first on PATH
    kit_bin = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    return {"JUPYTER_CONFIG_DIR": str(config_dir), "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
            "JUPYTER_PREFER_ENV_PATH": "1", "PATH": kit_bin + (os.pathsep + path if path else "")}


def first_notebook(lab: Path) -> Path:
    first = modules()[0]
    main = lab / first / f"{first}.ipynb"        # the module's notebook, not its quiz.ipynb
    return main if main.is_file() else next((lab / first).glob("*.ipynb"))
