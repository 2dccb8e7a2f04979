"""Fuzzing the entry points (issue #21): `cpin lint`, `cpin check`, `cpin certify verify`, the notebook API.

For every nasty input: no traceback, a French message, never « aucun problème » for what could not be
read, and — in a subprocess under `prlimit` — no case over 10 s of CPU or 500 MB of address space (the
kernel stops the process; a case blocked without using CPU, as on a FIFO, is caught by a wall-clock
bound). These bounds catch hangs and blow-ups, they do not measure speed. Hypothesis adds generated
YAML, Dockerfiles and exercise files.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader import api, cli
from grader.kube.manifests import load_documents
from grader.errors import CpinError
from grader.rules import lint_text

CORPUS = Path(__file__).parent / "corpus"
LINT_FILES = sorted(p for p in (CORPUS / "lint").iterdir())
CERTIFICATES = sorted((CORPUS / "certificats").iterdir())
BROKEN_EXERCISES = sorted(p.name for p in (CORPUS / "exercices" / "fuzz").iterdir() if p.name != "fuzz-lint")
SECONDS, MEGABYTES = 10, 500      # per case: CPU seconds and address space
WALL = 120                        # wall-clock bound for a blocked case (the machine may be shared)
CPIN = [sys.executable, "-m", "grader.cli"]

# English that must not reach the learner outside a « (détail : …) » part or a quotation.
ENGLISH = re.compile(r"Traceback|\b(?:Error|error|usage|Exception|No such file|Permission denied|is not|not allowed|"
                     r"expected|could not|found character|mapping values|invalid choice|the following)\b")
FRENCH = re.compile(r"[éèàùç]|\b(?:le|la|les|du|des|une?|est|pas|aucun|fichier|erreur|exercice|inconnu|"
                    r"chemin|dossier|donnez|indiquez)\b", re.I)


def _shown(text: str) -> str:
    """What the learner reads as the kit's own words: details, quotations and paths removed."""
    text = re.sub(r"\(détail : [^\n]*?\)(?=[.;\s]|$)", "", text)
    text = re.sub(r"«[^»\n]*»|'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`", "", text)
    return re.sub(r"(?:/|\./)[^\s:]+", "", text)


def assert_clean(output: str, code: int, *, unusable: bool = False) -> None:
    assert "Traceback" not in output, output[-2000:]
    assert code in (0, 1, 2, 141), (code, output[-2000:])
    assert not ENGLISH.search(_shown(output)), (ENGLISH.search(_shown(output)), output[-2000:])
    if "✘" in output:
        assert FRENCH.search(output), output[-2000:]
    if unusable:
        assert code == 2 and "Aucun problème" not in output, output[-2000:]


def run_bounded(args: list[str], env: dict | None = None) -> tuple[int, str]:
    """`python -m grader.cli ARGS` with at most SECONDS of CPU time and MEGABYTES of address space."""
    prlimit = shutil.which("prlimit")
    limit = [prlimit, f"--as={MEGABYTES * 2**20}", f"--cpu={SECONDS}", "--"] if prlimit else []
    environment = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    try:
        proc = subprocess.run([*limit, *CPIN, *args], capture_output=True, text=True, timeout=WALL,
                              env=environment, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"cpin {' '.join(args)} : bloqué plus de {WALL} s")
    output = proc.stdout + proc.stderr
    assert proc.returncode >= 0, f"cpin {' '.join(args)} : arrêté par le signal {-proc.returncode} (limite de temps CPU ?)"
    assert "MemoryError" not in output, f"cpin {' '.join(args)} : mémoire dépassée ({output[-500:]})"
    return proc.returncode, output


# ---------------------------------------------------------------- cpin lint, in process
@pytest.mark.parametrize("path", LINT_FILES, ids=lambda p: p.name)
def test_lint_corpus_in_process(path, capsys):
    code = cli.main(["lint", str(path)])
    out = capsys.readouterr()
    assert_clean(out.out + out.err, code)
    code = cli.main(["lint", "--format", "json", str(path)])
    out = capsys.readouterr()
    assert "Traceback" not in out.err and code in (0, 1, 2)


UNUSABLE = ["dev-null", "dev-zero", "chemin-vide", "fifo", "dossier-fifo", "dossier-profond", "chemin-long",
            "nom-trop-long", "gros"]


@pytest.mark.parametrize("name", UNUSABLE + ["liste-5000", "ligne-200k-redirections", "ligne-200k-arith",
                                             "ci-ligne-200k"])
def test_lint_generated_inputs_in_process(made, name, capsys):
    code = cli.main(["lint", made[name]])
    out = capsys.readouterr()
    assert_clean(out.out + out.err, code, unusable=name in UNUSABLE)


# ---------------------------------------------------------------- subprocesses under time and memory limits
@pytest.mark.parametrize("name", ["bombe-alias.yaml", "imbrication-flux.yaml", "values.yaml", ".gitlab-ci-dso.yml"])
def test_lint_subprocess_bounded(name):
    code, output = run_bounded(["lint", str(CORPUS / "lint" / name)])
    assert_clean(output, code, unusable=name != ".gitlab-ci-dso.yml")


@pytest.mark.parametrize("name", ["dev-zero", "fifo", "liste-5000", "ligne-200k-curl", "ligne-200k-touch"])
def test_lint_generated_subprocess_bounded(made, name):
    code, output = run_bounded(["lint", made[name]])
    assert_clean(output, code, unusable=name in UNUSABLE)


def test_lint_into_a_closed_pipe_is_quiet(made):
    """`cpin lint … | head -1`: no BrokenPipeError trace."""
    proc = subprocess.run(f"{' '.join(CPIN)} lint {made['liste-5000']} {CORPUS / 'lint'} | head -c 10",
                          shell=True, capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


@pytest.mark.parametrize("exercise", BROKEN_EXERCISES)
def test_check_broken_exercise_files(exercise, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CPIN_EXERCISES", str(CORPUS / "exercices"))
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    code = cli.main(["check", exercise, "--workdir", str(tmp_path)])
    out = capsys.readouterr()
    assert_clean(out.out + out.err, code)
    assert code == 2 and "✘" in out.err


def test_check_broken_exercise_file_bounded(tmp_path):
    env = {"CPIN_EXERCISES": str(CORPUS / "exercices"), "CPIN_DATA": str(tmp_path / "data")}
    code, output = run_bounded(["check", "bombe", "--workdir", str(tmp_path)], env)
    assert_clean(output, code)
    assert code == 2 and "billion laughs" in output


@pytest.mark.parametrize("learner_file", ["bombe-alias.yaml", "non-utf8.yaml", "fifo", "dev-zero"])
def test_check_with_nasty_learner_files(made, learner_file, tmp_path, capsys, monkeypatch):
    work = tmp_path / "travail"
    work.mkdir()
    source = made.get(learner_file) or str(CORPUS / "lint" / learner_file)
    if learner_file == "fifo":
        os.mkfifo(work / "fichier.yaml")
    elif learner_file == "dev-zero":
        (work / "fichier.yaml").symlink_to(source)
    else:
        shutil.copy(source, work / "fichier.yaml")
    env = {"CPIN_EXERCISES": str(CORPUS / "exercices"), "CPIN_DATA": str(tmp_path / "data")}
    if learner_file in ("fifo", "dev-zero"):
        code, output = run_bounded(["check", "fuzz-lint", "--workdir", str(work)], env)
    else:
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        code = cli.main(["check", "fuzz-lint", "--workdir", str(work)])
        captured = capsys.readouterr()
        output = captured.out + captured.err
    assert_clean(output, code)
    assert "0 / 1 pt" in output            # never full marks for a file that could not be read


@pytest.mark.parametrize("path", CERTIFICATES, ids=lambda p: p.name)
def test_certify_verify_corpus(path, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path))
    code = cli.main(["certify", "verify", str(path), "--public-key", str(CORPUS / "lint" / "vide.yaml")])
    out = capsys.readouterr()
    assert_clean(out.out + out.err, code)
    assert code in (1, 2) and "authentique" not in out.out


@pytest.mark.parametrize("name", ["dev-zero", "fifo", "dossier-profond"])
def test_certify_verify_special_files_bounded(made, name):
    code, output = run_bounded(["certify", "verify", made[name]])
    assert_clean(output, code)
    assert code in (1, 2)


@pytest.mark.parametrize("argv", [["lint", "--format"], ["check", "--format", "xml"], ["certify"], ["nimporte"],
                                  ["lint", "--env-type", "qa", "x"], ["-v"], ["env"], ["course", "--inconnu"]])
def test_argument_errors_are_french(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    assert code == 2
    assert_clean(out.out + out.err, code)


# ---------------------------------------------------------------- notebook API
@pytest.mark.parametrize("value", [123, None, "", "../x", "a/b", "*", "x" * 5000, "\0", ["k8s"], 1.5])
def test_notebook_api_refuses_bad_ids_in_french(value, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path))
    for call in (api.check, api.hint):
        with pytest.raises(CpinError) as error:
            call(value)
        assert FRENCH.search(error.value.render())
    assert api.grade(value) == 0.0


@pytest.mark.parametrize("path", [p for p in LINT_FILES if p.suffix == ".yaml"], ids=lambda p: p.name)
def test_apply_parser_on_the_corpus(path):
    """apply()'s reader: objects, or a French InputError; nothing else."""
    try:
        load_documents(path)
    except CpinError as error:
        assert FRENCH.search(error.render()) and "Traceback" not in error.render()


# ---------------------------------------------------------------- generated inputs (Hypothesis)
YAML_TOKENS = st.sampled_from([
    "a", "b", ": ", ":", "- ", "-", "\n", "  ", "\t", "&x ", "*x", "&y ", "*y", "<<: *x", "[", "]", "{", "}", ", ",
    "'", '"', "!!binary ", "!!python/object ", "!t ", "? ", "|", ">", "#", "---\n", "...\n", "%YAML 1.1\n", "\\",
    "kind: List\n", "items:\n", "apiVersion: v1\n", "kind: Deployment\n", "metadata:\n  name: x\n", ".nan", ".inf",
    "2024-13-40", "0x", "1e999", "~", "null", "\ufeff", "é", "\x85", "\u2028", "\0",
])
DOCKER_TOKENS = st.sampled_from([
    "FROM ", "alpine:3.20", "RUN ", "USER ", "1001", "root", "CMD ", "ENTRYPOINT ", "ARG ", "ENV ", "COPY ",
    "<<EOF", "<<-EOF", "<<<", "$((1<<2))", "EOF", "\n", " ", "\\\n", "${A:-${B}}", "$", "[", "]", '"', "# escape=`\n",
    "`", "> /var/log/x", "| tee ", "curl ", "-k ", "touch ", "AS build", "--from=build ", "é", "\t",
])
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.lists(YAML_TOKENS, max_size=60).map("".join), st.sampled_from(["manifest", "helm_values", "gitlab_ci"]))
def test_generated_yaml(text, kind):
    problems = lint_text(text, kind=kind)
    assert_clean(repr(problems), 2 if problems.input_unusable else 0)


@FUZZ
@given(st.lists(DOCKER_TOKENS, max_size=60).map("".join))
def test_generated_dockerfiles(text):
    problems = lint_text(text, kind="dockerfile")
    assert_clean(repr(problems), 2 if problems.input_unusable else 0)


@FUZZ
@given(st.lists(YAML_TOKENS, max_size=40).map("".join))
def test_generated_exercise_files_and_apply_text(text):
    from grader import exercises
    from grader.yamlload import safe_load
    for parse in (lambda: exercises.validate(safe_load(text, "exercise.yaml"), "exercise.yaml"),
                  lambda: load_documents(text + "\nx: y")):
        try:
            parse()
        except CpinError as error:
            assert FRENCH.search(error.render())
