"""Feedback never shows hidden checks, their expected values, or the tracebacks of test cells.

`RedactHiddenChecks` is an nbconvert preprocessor for nbgrader's `generate_feedback` (set in the
course's nbgrader_config.py; traitlets only because nbgrader needs it). On test cells it removes the
hidden-tests region and replaces error outputs and stderr with a French message; it keeps the score and
what `grade()` displays (messages and evidence). On every cell, an output that quotes a line of a hidden
region (a learner's cell printing `In`, `_ih` or a source file) is replaced too.
"""
from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_output

from grader.course.sanitize import is_test

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MIN_LINE = 6          # shorter hidden lines (`pass`, `)`) say nothing and would match everywhere
FAILED_FR = "Contrôle échoué : le détail des contrôles cachés n'est pas communiqué."
MASKED_FR = "[sortie masquée : elle reproduit un contrôle caché]"


def split_hidden(text: str) -> tuple[str, list[str]]:
    """(text without hidden regions, the hidden lines)."""
    kept, hidden, inside = [], [], False
    for line in text.split("\n"):
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        elif inside:
            hidden.append(line.strip())
        else:
            kept.append(line)
    return "\n".join(kept), [h for h in hidden if len(h) >= MIN_LINE]


def _text_of(output) -> str:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    elif output.get("output_type") == "error":
        text = "\n".join([output.get("evalue", "")] + list(output.get("traceback", [])))
    else:
        text = "\n".join(str(v) for v in (output.get("data") or {}).values())
    return "".join(text) if isinstance(text, list) else str(text)


def _failure_message(output, secrets: list[str]) -> str:
    """A public test's own message (no code); nothing at all when a hidden line failed."""
    if any(secret in _text_of(output) for secret in secrets) or not output.get("evalue"):
        return FAILED_FR + "\n"
    return f"Contrôle échoué : {output.get('evalue')}\n"


def redact(nb: NotebookNode) -> NotebookNode:
    secrets: list[str] = []
    for cell in nb.cells:
        source = "".join(cell.source) if isinstance(cell.source, list) else cell.source
        if BEGIN in source:
            cell.source, hidden = split_hidden(source)
            secrets += hidden
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        test = is_test(cell)
        outputs = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if test and kind == "error":
                outputs.append(new_output("stream", name="stdout", text=_failure_message(output, secrets)))
            elif test and kind == "stream" and output.get("name") == "stderr":
                outputs.append(new_output("stream", name="stdout", text=FAILED_FR + "\n"))
            elif any(secret in _text_of(output) for secret in secrets):
                outputs.append(new_output("stream", name="stdout", text=MASKED_FR + "\n"))
            else:
                outputs.append(output)
        cell.outputs = outputs
    return nb


class RedactHiddenChecks(Preprocessor):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.enabled = True      # nbconvert preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        return redact(nb), resources
