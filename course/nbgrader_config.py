"""nbgrader configuration of the cpin-autoformation course.

Trainers may run nbgrader and formgrader directly from this directory; `cpin course ...` does the same
with isolated, parallel grading. The exchange defaults to a directory under the kit's data dir
(`$CPIN_DATA/exchange`); set CPIN_EXCHANGE to a directory shared by the cohort on a multi-user server.
"""
import os
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

_here = Path(__file__).resolve().parent
_data = Path(os.environ.get("CPIN_DATA") or Path(os.environ.get("XDG_DATA_HOME") or "~/.local/share").expanduser() / "cpin")

c.CourseDirectory.root = str(_here)
c.CourseDirectory.course_id = "cpin-autoformation"
c.CourseDirectory.db_url = f"sqlite:///{_here / 'gradebook.db'}"
c.Exchange.root = os.environ.get("CPIN_EXCHANGE") or str(_data / "exchange")
c.Exchange.path_includes_course = True
c.Execute.timeout = 300
# Missing test cells are put back from the source, as `cpin course grade` does.
c.OverwriteCells.add_missing_cells = True
# Feedback never shows hidden checks, their expected values or the tracebacks of test cells.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grader.course.redact.RedactHiddenChecks",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# The stub that replaces a solution in the learner's version: French, and a single comment line, so that it is
# valid in every answer cell (Python, and the YAML or Dockerfile written by `%%writefile`), and running it
# leaves a file copied in by the notebook (break/fix labs) untouched.
c.ClearSolutions.code_stub = {"python": "# VOTRE RÉPONSE ICI : remplacez cette ligne par votre réponse"}
c.ClearSolutions.text_stub = "VOTRE RÉPONSE ICI"
