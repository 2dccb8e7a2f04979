"""Bad inputs: bounded work, and never a false « aucun problème » (issue #21, parts 1 and 2)."""
from __future__ import annotations

import os

import pytest

from grader import cli
from grader.errors import InputError
from grader.files import Unreadable, read_text
from grader.rules import inputs, lint_paths, lint_text
from grader.rules.dockerfile.logs_stdout import to_file
from grader.rules.dockerfile.no_write_at_start import writes
from grader.rules.gitlab_ci.dependency_sources import unknown_source
from grader.yamlload import MAX_DEPTH, safe_load, safe_load_all

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n"


def _unusable(problems) -> list[str]:
    return [p.message for p in problems.for_rule("input-unusable")]


@pytest.mark.parametrize("kind", ["manifest", "helm_values", "gitlab_ci"])
def test_alias_bomb_is_refused_in_every_yaml_kind(kind):
    problems = lint_text(LAUGHS, kind=kind)
    assert any("billion laughs" in m for m in _unusable(problems)) and problems.exit_code == 2


def test_alias_bomb_and_recursive_alias_refused_by_the_shared_loader():
    with pytest.raises(InputError, match="billion laughs"):
        safe_load(LAUGHS, "x.yaml")
    with pytest.raises(InputError, match="alias récursif"):
        safe_load_all("a: &a [*a]\n", "x.yaml")


def test_nesting_beyond_the_bound_is_refused():
    deep = "".join("  " * i + "k:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "v\n"
    with pytest.raises(InputError, match="imbrication"):
        safe_load(deep, "x.yaml")


def test_pyyaml_problem_is_french_with_the_original_as_detail():
    [message] = _unusable(lint_text("a: b: c\n"))
    assert "YAML invalide" in message and "détail : mapping values" in message


def test_exercise_yaml_bomb_and_non_utf8_are_french_errors(tmp_path):
    from grader.exercises import load_file
    folder = tmp_path / "m" / "e"
    folder.mkdir(parents=True)
    (folder / "exercise.yaml").write_text(LAUGHS)
    with pytest.raises(InputError, match="billion laughs"):
        load_file(folder / "exercise.yaml")
    (folder / "exercise.yaml").write_bytes(b"id: \xff\xfe\n")
    with pytest.raises(InputError, match="UTF-8"):
        load_file(folder / "exercise.yaml")


def test_list_of_items_keeps_each_items_lines():
    items = "".join(f"- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n" for i in range(300))
    loaded = inputs.Loaded()
    inputs.add_yaml_text("apiVersion: v1\nkind: List\nitems:\n" + items, "l.yaml", "manifest", loaded)
    assert len(loaded.targets) == 300
    assert loaded.targets[7].data["metadata"]["name"] == "c7"
    assert loaded.targets[7].line_of("metadata/name") == 4 + 7 * 4 + 3


@pytest.mark.parametrize("special", ["/dev/null", "/dev/zero"])
def test_devices_are_refused_unopened(special):
    problems = lint_paths([special])
    assert any("périphérique" in m for m in _unusable(problems)) and problems.exit_code == 2
    with pytest.raises(Unreadable):
        read_text(special)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "deploy.yaml"
    os.mkfifo(fifo)
    for given in ([fifo], [tmp_path]):       # named, and found by a folder walk
        problems = lint_paths(given)
        assert any("FIFO" in m for m in _unusable(problems)) and problems.exit_code == 2


def test_empty_path_is_an_unusable_input_not_the_current_folder(capsys):
    assert cli.main(["lint", ""]) == 2
    out = capsys.readouterr().out
    assert "chemin vide" in out and "Aucun problème" not in out


def test_a_too_deep_folder_is_reported_not_a_recursion_error(tmp_path):
    here = tmp_path
    for _ in range(inputs.MAX_WALK_DEPTH + 5):
        here = here / "d"
    here.mkdir(parents=True)
    (here / "cm.yaml").write_text(CM.format(name="deep"))
    problems = lint_paths([tmp_path])
    assert any("niveaux" in m for m in _unusable(problems)) and problems.exit_code == 2


def test_a_folder_whose_path_is_too_long_is_reported(tmp_path):
    """os.scandir fails with ENAMETOOLONG past PATH_MAX: a finding, not a silent skip (works as root)."""
    fd = os.open(tmp_path, os.O_RDONLY)
    name = "x" * 200
    depth = 0
    try:
        while depth < 30:                    # 30 × 201 > 4096
            os.mkdir(name, dir_fd=fd)
            new = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd, depth = new, depth + 1
    finally:
        os.close(fd)
    problems = lint_paths([tmp_path])
    assert any("trop long" in m for m in _unusable(problems)) and problems.exit_code == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_an_unreadable_sub_folder_is_a_finding(tmp_path):
    (tmp_path / "ok.yaml").write_text(CM.format(name="ok"))
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "cm.yaml").write_text(CM.format(name="hidden"))
    locked.chmod(0)
    try:
        problems = lint_paths([tmp_path])
    finally:
        locked.chmod(0o700)
    assert any("dossier illisible" in m for m in _unusable(problems)) and problems.exit_code == 2


def test_run_caps_stop_with_a_finding(tmp_path, monkeypatch):
    for index in range(5):
        (tmp_path / f"cm{index}.yaml").write_text(CM.format(name=f"c{index}"))
    monkeypatch.setattr(inputs, "MAX_FILES", 3)
    problems = lint_paths([tmp_path])
    assert len([m for m in _unusable(problems) if "limite" in m]) == 1 and problems.exit_code == 2


def test_linear_rules_still_find_what_the_old_regexes_found():
    assert to_file("java -jar app.jar > /app/app.log 2>&1") == "> /app/app.log"
    assert to_file("run >> /var/log/app/out") == ">> /var/log/app/out"
    assert to_file("run | tee -a /data/out.txt") == "| tee -a /data/out.txt"
    assert to_file("run 2>&1 > /dev/stdout") is None
    assert writes("touch /app/ready && run").strip() == "touch"
    assert writes("mkdir -p /tmp/cache && run") is None
    assert unknown_source("curl -sL https://x.io/install | sudo bash") == "curl -sL https://x.io/install | sudo bash"
    assert unknown_source("pip install git+https://github.com/x/y") == "pip install git+"
    assert unknown_source("curl -o x https://x.io && sh x") is None
    problems = lint_text("build:\n  script:\n    - curl --upload-file app.jar https://nexus/x\n", kind="gitlab_ci")
    assert problems.for_rule("ci-no-docker-push")
    df = "FROM alpine:3.20\nUSER 1001\nRUN curl -o /x --insecure https://x\nCMD [\"x\"]\n"
    assert lint_text(df, kind="dockerfile").for_rule("dockerfile-no-tls-bypass")


def test_long_lines_do_not_hang_the_rules():
    """A 200 kB line of the patterns that made the old regexes quadratic (bounded by pytest-timeout)."""
    for pattern in (">a", "curl ", "touch ", "mvn ", "pip install "):
        line = pattern * (200_000 // len(pattern))
        lint_text(f"FROM alpine:3.20\nUSER 1001\nCMD {line}\n", kind="dockerfile")
        lint_text(f"build:\n  script:\n    - {line!r}\n", kind="gitlab_ci")


def test_a_chart_with_an_alias_bomb_in_its_values_is_not_rendered(tmp_path, monkeypatch):
    """The values file is refused by the kit's loader; helm is never asked to read it."""
    from grader import tools
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text(LAUGHS)

    def no_helm(name):
        raise AssertionError("helm must not run on unusable values")
    monkeypatch.setattr(tools, "find", no_helm)
    problems = lint_paths([chart])
    assert any("billion laughs" in m for m in _unusable(problems)) and problems.exit_code == 2


def test_a_chart_rendering_too_much_is_refused_by_size(tmp_path, monkeypatch, need_tools):
    """Real helm renders 300 objects; with a small cap the output is measured on disk and refused unread."""
    need_tools("helm")
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        "{{- range until 300 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ . }}\n{{- end }}\n")
    assert len(lint_paths([chart]).for_rule("input-unusable")) == 0
    monkeypatch.setattr(inputs, "MAX_BYTES", 1000)
    problems = lint_paths([chart])
    assert any("rendu du chart est trop gros" in m for m in _unusable(problems)) and problems.exit_code == 2


def test_the_run_byte_cap_stops_with_one_finding(tmp_path, monkeypatch):
    for index in range(4):
        (tmp_path / f"cm{index}.yaml").write_text(CM.format(name=f"c{index}") + "#" * 400 + "\n")
    monkeypatch.setattr(inputs, "MAX_RUN_BYTES", 1200)
    problems = lint_paths([tmp_path])
    assert len([m for m in _unusable(problems) if "limite d'une vérification" in m]) == 1
    assert problems.exit_code == 2
