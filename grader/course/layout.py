"""Where the course lives and how nbgrader's own commands run on it."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.config import REPO_ROOT, settings
from grader.errors import InputError, ToolFailed

CONFIG_FILE = "nbgrader_config.py"


@dataclass(frozen=True)
class Course:
    root: Path            # holds nbgrader_config.py, gradebook.db and the step directories
    course_id: str
    exchange: Path
    db_url: str

    def step(self, name: str) -> Path:
        """One of nbgrader's steps: source, release, submitted, autograded, feedback."""
        return self.root / name

    def source_notebooks(self, assignment: str) -> list[Path]:
        folder = self.step("source") / assignment
        if not folder.is_dir():
            raise InputError(f"Le devoir « {assignment} » n'existe pas dans {self.root / 'source'}.",
                             hint_fr="Lancez d'abord `cpin course generate`.")
        return sorted(folder.glob("*.ipynb"))

    def students(self, assignment: str) -> list[str]:
        """Students who have a submission of `assignment` (nbgrader's submitted/<student>/<assignment>/)."""
        submitted = self.step("submitted")
        if not submitted.is_dir():
            return []
        return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir())

    def cpin_dir(self) -> Path:
        """The kit's own records beside nbgrader's (grading records, exports)."""
        return self.root / "cpin"


def default_root() -> Path:
    return settings().course_dir


def default_notebooks() -> Path:
    return REPO_ROOT / "notebooks"


def load(root: Path | None = None) -> Course:
    """Read the course's nbgrader_config.py the way nbgrader does."""
    from traitlets.config.loader import PyFileConfigLoader

    root = (root or default_root()).resolve()
    if not (root / CONFIG_FILE).is_file():
        raise InputError(f"Pas de {CONFIG_FILE} dans {root} : ce n'est pas un cours nbgrader.",
                         hint_fr="Indiquez le dossier du cours avec --course ou CPIN_COURSE.")
    cfg = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    course_id = str(cfg.CourseDirectory.get("course_id") or "")
    if not course_id:
        raise InputError(f"{root / CONFIG_FILE} ne définit pas CourseDirectory.course_id.")
    exchange = Path(str(cfg.Exchange.get("root") or "/usr/local/share/nbgrader/exchange"))
    db_url = str(cfg.CourseDirectory.get("db_url") or f"sqlite:///{root / 'gradebook.db'}")
    return Course(root=root, course_id=course_id, exchange=exchange, db_url=db_url)


def venv_path() -> str:
    """PATH with this interpreter's bin first: nbgrader's Gradebook runs `alembic` from PATH."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def open_gradebook(course: Course):
    """nbgrader's Gradebook on the course database (a context manager)."""
    from nbgrader.api import Gradebook

    os.environ["PATH"] = venv_path() if str(Path(sys.executable).parent) not in os.environ.get("PATH", "") \
        else os.environ["PATH"]
    return Gradebook(course.db_url, course.course_id)


def nbgrader(course: Course, command: str, *args: str, timeout: float | None = None) -> str:
    """Run `nbgrader COMMAND ARGS` in the course directory; its output, or ToolFailed in French."""
    argv = [sys.executable, "-m", "nbgrader", command, *args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PATH": venv_path()}
    try:
        done = subprocess.run(argv, cwd=course.root, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"nbgrader {command} n'a pas fini en {timeout:.0f} s.", command=argv,
                         output=str(error.output or "")) from error
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise ToolFailed(f"nbgrader {command} a échoué (code {done.returncode}).", command=argv, output=output,
                         hint_fr="Lisez la sortie ci-dessous ; la commande nbgrader équivalente donne le même résultat.")
    return output
