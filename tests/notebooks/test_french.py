"""Learner-facing text is French (issue 14, point 3): notebooks (Markdown, comments learners keep), the exercises
(titles, hints, messages, starter and provided files), the rule messages; and French typography in the notebooks."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from grader.config import REPO_ROOT
from grader.course.typography import plain_spaces
from grader.rules import RULES
from notebook_content import MODULES, cells, exercises, source

ENGLISH = frozenset("the and is are of with your you this that must should for from when it be by will only each "
                    "every into then than which these those here there what how does do has have was were "
                    "works breaks written default values override like many as its before first always gets may "
                    "runs adds stores on".split())
FRENCH = frozenset("le la les des du de et est un une pour dans sur vous votre pas ne qui que au aux ce cette "
                   "avec sans se son sa ses il elle plus".split())
WORD = re.compile(r"[A-Za-zÀ-ÿ']+")
CODE = re.compile(r"```.*?```|`[^`\n]*`|\{\{.*?\}\}|https?://\S+", re.S)


def english_lines(text: str) -> list[str]:
    """Lines that read as English: at least three English function words and more English than French ones."""
    found = []
    for line in CODE.sub(" ", text).splitlines():
        words = [w.lower() for w in WORD.findall(line)]
        english = sum(w in ENGLISH for w in words)
        french = sum(w in FRENCH for w in words)
        if (english >= 3 and english > french) or (english >= 2 and not french and len(words) >= 5):
            found.append(line.strip())
    return found


def _learner_code_text(code: str) -> str:
    """The comments of a code cell that reach the learner (solutions are stripped from the release)."""
    kept = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "", code, flags=re.S)
    return "\n".join(line.split("#", 1)[1] for line in kept.splitlines() if "#" in line)


def test_the_detector_tells_english_from_french():
    assert english_lines("# Copied from a generic Kubernetes tutorial: fine on a laptop, refused by the platform.")
    assert not english_lines("Copié d'un tutoriel Kubernetes générique : il marche sur un poste, pas sur la plateforme.")
    assert not english_lines("`the file is for you and the team`")          # code is not prose


@pytest.mark.parametrize("module", MODULES)
def test_notebook_text_is_french(module):
    bad = []
    for cell in cells(module):
        text = source(cell) if cell["cell_type"] == "markdown" else _learner_code_text(source(cell))
        bad += english_lines(text)
    assert bad == []


@pytest.mark.parametrize("module", MODULES)
def test_notebook_markdown_uses_french_typography(module):
    bad = [hit for c in cells(module) if c["cell_type"] == "markdown" for hit in plain_spaces(source(c))]
    assert bad == [], bad[:5]


def _exercise_strings(raw) -> list[str]:
    if isinstance(raw, dict):
        return [s for key, value in raw.items() if key not in ("params", "expect", "reset", "apiVersion")
                for s in _exercise_strings(value)]
    if isinstance(raw, list):
        return [s for item in raw for s in _exercise_strings(item)]
    return [raw] if isinstance(raw, str) else []


@pytest.mark.parametrize("module", MODULES)
def test_exercise_texts_and_provided_files_are_french(module):
    bad = []
    for exercise in exercises(module):
        raw = yaml.safe_load((exercise.directory / "exercise.yaml").read_text(encoding="utf-8"))
        bad += [line for text in _exercise_strings(raw) for line in english_lines(text)]
        for provided in sorted((exercise.directory / "starter").rglob("*")) if (exercise.directory / "starter").is_dir() else ():
            if provided.is_file() and provided.suffix not in (".whl", ".tar", ".gz"):     # shipped archives: not text
                comments = "\n".join(line.split("#", 1)[1] for line in provided.read_text(encoding="utf-8").splitlines()
                                     if "#" in line and not line.startswith("#!"))
                bad += [f"{provided.name}: {line}" for line in english_lines(comments)]
    fournis = REPO_ROOT / "notebooks" / module / "fournis"
    for provided in sorted(fournis.rglob("*")) if fournis.is_dir() else ():
        if provided.is_file() and provided.suffix in (".yaml", ".yml", ".tpl", ".txt"):
            comments = "\n".join(line.split("#", 1)[1] for line in provided.read_text(encoding="utf-8").splitlines()
                                 if line.lstrip().startswith("#"))
            bad += [f"{provided.name}: {line}" for line in english_lines(comments)]
    assert bad == []


def test_rule_messages_and_docs_are_french():
    bad = []
    for rule in RULES:
        bad += [f"{rule.ID}: {line}" for line in english_lines(rule.MESSAGE_FR + "\n" + rule.HINT_FR)]
        prose = re.sub(r"```.*?```", "", rule.__doc__ or "", flags=re.S)
        bad += [f"{rule.ID} (doc): {line}" for line in english_lines(prose)]
    assert bad == []


@pytest.mark.parametrize("module", MODULES)
def test_notebooks_name_the_french_stub_only(module):
    text = "\n".join(source(c) for c in cells(module))
    assert "YOUR CODE HERE" not in text and "NotImplementedError" not in text
