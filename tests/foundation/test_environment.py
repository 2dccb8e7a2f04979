"""environment.yml (conda) and pyproject.toml (pip) must describe the same Python environment."""
import re
import tomllib

import yaml

from grader.config import REPO_ROOT


def _pip_section() -> list[str]:
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    for dep in env["dependencies"]:
        if isinstance(dep, dict) and "pip" in dep:
            return dep["pip"]
    raise AssertionError("environment.yml has no pip section")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    expected = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    listed = {d for d in _pip_section() if not d.startswith("--")}
    assert listed == expected, f"only in pyproject: {expected - listed}; only in environment.yml: {listed - expected}"


def test_environment_yml_installs_the_kit_itself():
    assert "--editable ." in _pip_section()


def test_python_floor_is_the_same():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert project["requires-python"] == ">=3.11" and python.startswith("python>=3.11")


def test_every_dependency_is_pinned_in_the_lock():
    """`make lock` was run after the last change of pyproject.toml: each dependency has an exact version."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pinned = {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
              for line in (REPO_ROOT / "requirements.lock").read_text().splitlines() if "==" in line}
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ;]", requirement)[0]).lower()
        assert name in pinned, f"{name} is not in requirements.lock: run `make lock`"
