"""Fast static checks of every module's notebook: exercises load, notebook cells match them, checks are honest.

One parametrised module for what all modules share; each module's own tests (its traps, its live runs) are in
tests/notebooks/test_0N_*_content.py. The notebooks' full runs (solution = full marks, starter = zero) are
tests/notebooks/test_execute.py and `cpin course validate`.
"""
import re
import shutil

import pytest

from grader import exercises as registry
from grader import rules
from grader.rules.severity import level
from grader.checks.registry import OFFLINE
from notebook_content import MODULES, STUB, cells, exercises, nbgrader, notebook, offline, source

# Rule numbers (cpin-reference.md §3.2) each module's recap table must name.
RECAP_NUMBERS = {"00-prise-en-main": (18, 19, 22, 30), "01-conteneurs": (1, 2, 5, 6, 7, 12, 25, 35),
                 "02-kubernetes": (12, 14, 15, 17, 18, 19, 20, 22, 24, 30)}
# Modules whose solution cells are all `%%writefile` of the reference files (05 ships charts under fournis/).
WRITEFILE_ONLY = ("00-prise-en-main", "01-conteneurs", "02-kubernetes", "03-production", "04-openshift")
# Modules whose lint checks grade only rules that can fail (04 and 05 also grade advice rules on purpose).
STRICT_LINT = ("00-prise-en-main", "01-conteneurs", "02-kubernetes", "03-production")
# Check types run offline per module: module 01's docker check has its own tests (test_01_conteneurs_content.py).
OFFLINE_TYPES = {"01-conteneurs": frozenset({"lint"}), "08-secrets": frozenset({"lint"}),  # 08: sops_file in test_08_*
                 "06-integration-continue": frozenset({"lint"})}  # 06: pipeline checks in test_06_*
# Modules staged like their notebook (shipped charts copied from fournis/, helm needed); others from the solution.
STAGED = ("03-production", "04-openshift", "05-helm")
# Break/fix labs: the notebook copies the broken file in, the learner fixes it (issue 14, point 2).
LABS = {"docker-depannage": ("docker-depannage/Dockerfile", "Dockerfile.piege"),
        "k8s-depannage": ("k8s-depannage/catalogue.yaml", "catalogue.yaml"),
        "prod-revue": ("prod-revue/application.yaml", "application.yaml"),
        "ocp-corriger": ("ocp-corriger/deployment.yaml", "deployment.yaml")}
# A lab's answer cell: optional Python that writes the fixed file (the release leaves the copied file alone).
LAB_CELL = re.compile(r'# Vos corrections[^\n]*\n(?:#[^\n]*\n)*### BEGIN SOLUTION\n'
                      r'Path\("(\S+)"\)\.write_text\(r"""\n(.*)\n"""\.lstrip\("\\n"\), encoding="utf-8"\)\n'
                      r'### END SOLUTION', re.S)


def _exercise_params(modules):
    return [pytest.param(e, id=e.id, marks=[pytest.mark.requires_tools("helm")] if m in STAGED else [])
            for m in modules for e in exercises(m)
            if any(c.type in OFFLINE_TYPES.get(m, OFFLINE) for c in e.checks) or m in STAGED]


@pytest.mark.parametrize("module", MODULES)
def test_module_has_graded_exercises_with_two_hint_levels_and_a_solution(module):
    assert len(exercises(module)) >= 2
    for exercise in exercises(module):
        assert set(exercise.hints) == {1, 2}, exercise.id
        assert any((exercise.directory / "solution").rglob("*")), exercise.id
        for rel in exercise.learner_files:
            name = rel.split("/", 1)[1]
            assert (exercise.directory / "solution" / name).is_file(), rel


@pytest.mark.parametrize("module", MODULES)
def test_every_test_cell_grades_one_exercise_of_this_module_with_its_points(module):
    by_id = {e.id: e for e in exercises(module)}
    seen = []
    for cell in (c for c in cells(module) if nbgrader(c).get("grade")):
        meta = nbgrader(cell)
        match = re.fullmatch(r'from grader import grade\ngrade\("([a-z0-9-]+)"\)', source(cell))
        assert match, meta["grade_id"]
        exercise_id = match.group(1)
        assert exercise_id in by_id, exercise_id
        assert meta["grade_id"] == f"test_{exercise_id}" and meta["locked"] and not meta["solution"]
        assert meta["points"] == by_id[exercise_id].points
        assert cell["metadata"]["cpin"] == {"exercise": exercise_id, "skill": by_id[exercise_id].skill}
        seen.append(exercise_id)
    assert sorted(seen) == sorted(by_id)


@pytest.mark.parametrize("module", MODULES)
def test_solution_cells_have_markers_and_grade_ids_are_unique(module):
    ids = [nbgrader(c)["grade_id"] for c in cells(module) if nbgrader(c)]
    assert len(ids) == len(set(ids))
    solutions = [c for c in cells(module) if nbgrader(c).get("solution")]
    assert solutions
    for cell in solutions:
        lines = source(cell).splitlines()
        assert "### BEGIN SOLUTION" in lines and "### END SOLUTION" in lines, nbgrader(cell)["grade_id"]


@pytest.mark.parametrize("module", MODULES)
def test_every_learner_file_is_written_by_the_notebook_or_shipped_beside_it(module):
    written = {m.group(1) for c in cells(module) for m in re.finditer(r"^%%writefile (\S+)", source(c), re.M)}
    written |= {m.group(1) for c in cells(module) for m in [LAB_CELL.fullmatch(source(c))] if m}
    for exercise in exercises(module):
        for rel in exercise.learner_files:
            assert rel in written or (notebook(module).parent / "fournis").is_dir(), rel


@pytest.mark.parametrize("module", MODULES)
def test_writefile_cells_hold_the_reference_solution(module):
    for cell in cells(module):
        match = re.match(r"%%writefile (\S+)\n### BEGIN SOLUTION\n(.*)\n### END SOLUTION$", source(cell), re.S)
        if not match:
            continue
        exercise_id, _, rest = match.group(1).partition("/")
        reference = registry.get(exercise_id).directory / "solution" / rest
        assert reference.is_file(), reference
        assert match.group(2).strip() == reference.read_text(encoding="utf-8").strip(), reference


@pytest.mark.parametrize("module", WRITEFILE_ONLY)
def test_solution_cells_write_the_reference_files_between_markers(module):
    written = set()
    for cell in (c for c in cells(module) if nbgrader(c).get("solution")):
        match = re.fullmatch(r"%%writefile (\S+)\n### BEGIN SOLUTION\n(.*)\n### END SOLUTION", source(cell), re.S) \
            or LAB_CELL.fullmatch(source(cell))
        assert match, nbgrader(cell)["grade_id"]
        exercise_id, _, name = match.group(1).partition("/")
        reference = registry.get(exercise_id).directory / "solution" / name
        assert match.group(2) == reference.read_text(encoding="utf-8").rstrip("\n"), reference
        written.add(match.group(1))
    assert written == {rel for e in exercises(module) for rel in e.learner_files}


@pytest.mark.parametrize("module", MODULES)
def test_every_rule_id_exists_and_the_recap_names_the_rules(module):
    for exercise in exercises(module):
        for rule_id in list(exercise.rules) + [r for c in exercise.checks if c.type == "lint"
                                               for r in c.params.get("rules", [])]:
            rules.get(rule_id)  # raises on an unknown id
    recap = [source(c) for c in cells(module) if c["cell_type"] == "markdown" and "Récapitulatif" in source(c)]
    assert recap and "| Règle" in recap[0]
    for number in RECAP_NUMBERS.get(module, ()):
        assert f"\n| {number} |" in recap[0], number


@pytest.mark.parametrize("module", STRICT_LINT)
def test_lint_checks_only_grade_rules_that_can_fail(module):
    """An advice/info rule only ever warns, and a warning scores: such a sub-check could never fail."""
    for exercise in exercises(module):
        for check in (c for c in exercise.checks if c.type == "lint"):
            assert check.params.get("envType") == "prod" and check.params.get("rules"), exercise.id
            for rule_id in check.params["rules"]:
                assert level(rule_id) in ("audit", "enforce"), rule_id


def _stage(exercise, work_dir, with_solution: bool):
    """The learner's work dir: shipped files (fournis) copied as the notebook does, plus the solution or the
    nbgrader stub; modules without shipped files get the solution, or the stub in every learner file."""
    work_dir.mkdir(parents=True, exist_ok=True)
    if exercise.id in LABS and not with_solution:   # the notebook copies the broken file in
        rel, provided = LABS[exercise.id]
        (work_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(exercise.directory / "starter" / provided, work_dir / rel)
        return
    if exercise.module not in STAGED:
        if with_solution:
            shutil.copytree(exercise.directory / "solution", work_dir / exercise.id, dirs_exist_ok=True)
        for rel in () if with_solution else exercise.learner_files:
            (work_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (work_dir / rel).write_text(STUB, encoding="utf-8")
        return
    fournis = notebook(exercise.module).parent / "fournis"
    for rel in exercise.learner_files:
        top = rel.split("/")[1] if rel.count("/") >= 2 else None
        if top and (fournis / top).is_dir() and not (work_dir / exercise.id / top).exists():
            shutil.copytree(fournis / top, work_dir / exercise.id / top)
    (work_dir / exercise.id).mkdir(exist_ok=True)
    if with_solution:
        shutil.copytree(exercise.directory / "solution", work_dir / exercise.id, dirs_exist_ok=True)
    else:  # what nbgrader's release version writes: its code stub
        for rel in exercise.learner_files:
            target = work_dir / rel
            if target.suffix in (".yaml", ".yml") and "fournis" not in str(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                if not (fournis.is_dir() and target.exists() and "depannage" in exercise.id):
                    target.write_text(STUB, encoding="utf-8")


def _offline_report(exercise, work_dir):
    types = OFFLINE_TYPES.get(exercise.module, OFFLINE)
    if not any(c.type in types for c in exercise.checks):
        pytest.skip("no offline check")
    return offline(exercise, work_dir, types)


@pytest.mark.parametrize("exercise", _exercise_params(MODULES))
def test_static_checks_pass_on_the_solution(exercise, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    _stage(exercise, tmp_path / "solution", with_solution=True)
    report = _offline_report(exercise, tmp_path / "solution")
    assert report.points == report.max_points > 0, repr(report)


@pytest.mark.parametrize("exercise", _exercise_params(MODULES))
def test_static_checks_give_nothing_to_the_starter(exercise, tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path / "data"))
    _stage(exercise, tmp_path / "stub", with_solution=False)
    report = _offline_report(exercise, tmp_path / "stub")
    assert report.points == 0 and report.max_points > 0, repr(report)


@pytest.mark.parametrize("module", MODULES)
def test_recap_table_states_each_rule_as_the_severity_table_does(module):
    """Facts: the recap says « conseil » / « imposée », dev and prod exactly as the linter and the policies do."""
    from grader.rules.severity import words
    recap = next(source(c) for c in cells(module) if c["cell_type"] == "markdown" and "Récapitulatif" in source(c))
    lines = recap.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Règle"))
    table = lines[start:next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in table]
    header, body = rows[0], [r for r in rows[2:]]
    assert {"Règle", "Identifiant", "Statut", "Dev", "Prod"} <= set(header), header
    column = {name: header.index(name) for name in header}
    assert body
    for row in body:
        rule_id = row[column["Identifiant"]].strip("`")
        said = words(rule_id)
        assert int(row[column["Règle"]]) == rules.get(rule_id).REF, row
        assert [row[column["Statut"]], row[column["Dev"]], row[column["Prod"]]] == \
            [said["status"], said["dev"], said["prod"]], row


WRONG_FACTS = (
    "sont des clusters **OpenShift**",      # the platform runs K8s or OpenShift, shared, dedicated or the project's
    "s'appuie sur OpenShift",
    "tournent sur OpenShift",
    "fourni par la plateforme",             # the team writes SopsSecret/VaultStaticSecret; an operator makes the Secret
    "la plateforme fournit le Secret",
    "le même objet serait **refusé**",      # only enforced rules are refused in prod
)


@pytest.mark.parametrize("module", MODULES)
def test_no_wrong_fact_from_the_content_review(module):
    text = "\n".join(source(c) for c in cells(module))
    assert [fact for fact in WRONG_FACTS if fact in text] == []


@pytest.mark.parametrize("lab", sorted(LABS))
def test_a_lab_starts_from_the_broken_file_and_does_not_list_its_faults(lab):
    """The fix cell is the copied broken file, not an empty stub; the text gives the goal and the evidence."""
    exercise = registry.get(lab)
    rel, provided = LABS[lab]
    texts = [source(c) for c in cells(exercise.module)]
    copy = f'copy_starter(provided_path("{lab}", "{provided}"), "{rel}")'
    at = next(i for i, text in enumerate(texts) if copy in text)
    answer = next(i for i, text in enumerate(texts) if (m := LAB_CELL.fullmatch(text)) and m.group(1) == rel)
    assert at < answer
    between = "\n".join(texts[at:answer])
    assert "Consigne" in between and "Le résultat attendu" in between
    assert "| Problème | Règle |" not in between          # no table of the faults before the learner looks
    assert "lint" in between                                # the evidence: the linter's output (and the cluster's)


def test_the_release_stub_is_french_and_a_single_comment_line():
    """nbgrader's stub lands in YAML and Dockerfile cells: one French comment line is valid in all of them."""
    from grader.config import REPO_ROOT
    from traitlets.config import Config
    config = Config()
    path = REPO_ROOT / "course" / "nbgrader_config.py"
    exec(path.read_text(encoding="utf-8"), {"get_config": lambda: config, "__file__": str(path)})
    stub = config.ClearSolutions.code_stub["python"]
    assert stub + "\n" == STUB and stub.startswith("# VOTRE RÉPONSE ICI") and "\n" not in stub
    assert config.ClearSolutions.text_stub == "VOTRE RÉPONSE ICI"
    assert rules.lint_text(STUB, kind="manifest").exit_code == 0          # an empty YAML document, not an error
    compile(STUB, "<stub>", "exec")                                      # and valid Python


# Pictures where people would rather look than read (issue 14, point 5): module → words its diagrams must show.
DIAGRAMS = {"02-kubernetes": ("Deployment", "ReplicaSet", "Pod", "Service", "ResourceQuota", "registry-pull-secret",
                              "NetworkPolicy", "Argo CD"),
            "03-production": ("BestEffort", "Burstable", "Guaranteed"),
            "04-openshift": ("SCC", "Pod Security"),
            "05-helm": ("values.yaml", "values-prod.yaml", "helm template")}
MERMAID = re.compile(r"```mermaid\n(.*?)```", re.S)


@pytest.mark.parametrize("module", sorted(DIAGRAMS))
def test_diagrams_in_markdown_cells(module):
    blocks = [b for c in cells(module) if c["cell_type"] == "markdown" for b in MERMAID.findall(source(c))]
    assert blocks
    for block in blocks:
        assert block.split()[0] in ("flowchart", "graph"), block      # a diagram type JupyterLab 4 renders
        assert block.count("[") == block.count("]") and block.count('"') % 2 == 0, block
    text = "\n".join(blocks)
    assert [word for word in DIAGRAMS[module] if word not in text] == []


@pytest.mark.parametrize("module", MODULES)
def test_module_states_objectives_prerequisites_time_and_ends_with_a_recap(module):
    first = source(cells(module)[0])
    for field in ("**Objectifs**", "**Prérequis**", "**Durée estimée**"):
        assert field in first, field
    assert re.search(r"\*\*Durée estimée\*\*\s:\s(\d+\sh(\s\d+)?|\d+\smin)\.", first)
    recap = [source(c) for c in cells(module) if "Récapitulatif" in source(c)]
    assert "**En bref**" in recap[-1]


@pytest.mark.parametrize("module", MODULES)
def test_a_module_citing_rule_numbers_points_to_the_catalogue(module):
    """« règle 18 » means something: the module names `cpin rules` and `cpin lint --explain <numéro>`."""
    text = "\n".join(source(c) for c in cells(module) if c["cell_type"] == "markdown")
    cited = {int(n) for n in re.findall(r"[Rr]ègles?\W(\d+)", text)}
    from grader.rules.catalogue import PROCESS_ROWS, find
    for number in cited:
        assert str(number) in PROCESS_ROWS or find(str(number)), number     # every cited number exists
    if cited:
        assert "`cpin rules`" in text and "`cpin lint --explain 18`" in text
