"""The kit's CI catalogue and the pipeline file reader: pure checks, no process."""
from __future__ import annotations

import os

import pytest
import yaml

from grader import ci
from grader.errors import InputError
from grader.services.forge import CATALOG_SOURCE


def test_catalogue_has_the_platform_template_names():
    templates = ci.catalogue_templates()
    for name, file in ((".vault:read_secret", "vault-ci.yml"), (".kaniko:simple-build-push", "kaniko-ci.yml"),
                       (".kaniko:build-push", "kaniko-ci.yml")):
        assert templates[name] == file
    assert not any(name.startswith(".sonar") for name in templates)   # the stand-in is honestly named
    quality = yaml.safe_load((CATALOG_SOURCE / "quality-ci.yml").read_text())[".quality:python"]
    assert quality["allow_failure"] is True


def test_every_script_line_is_a_string():
    """A plain YAML scalar holding ': ' becomes a mapping, which gitlab-ci-local refuses."""
    for path in CATALOG_SOURCE.glob("*.yml"):
        for name, job in yaml.safe_load(path.read_text()).items():
            for key in ("script", "before_script", "after_script"):
                for line in job.get(key) or []:
                    assert isinstance(line, str), (path.name, name, line)


def test_read_secret_writes_the_platform_dotenv_variables():
    script = "\n".join(yaml.safe_load((CATALOG_SOURCE / "vault-ci.yml").read_text())[".vault:read_secret"]["script"])
    for variable in ("REGISTRY_HOST", "IMAGE_REPOSITORY", "PROJECT_PATH", "DOCKER_AUTH"):
        assert f'"{variable}"' in script


@pytest.mark.parametrize("ref, expected", [("main", "main"), ("feature/Login_Page", "feature-login-page"),
                                           ("-x-", "x"), ("a" * 80, "a" * 63)])
def test_ref_slug_follows_gitlab(ref, expected):
    assert ci.ref_slug(ref) == expected


def test_yaml_error_names_line_and_column(tmp_path):
    path = tmp_path / ".gitlab-ci-dso.yml"
    path.write_text("stages: [test]\njob:\n  script: [echo\n")
    with pytest.raises(InputError, match=r"\.gitlab-ci-dso\.yml : YAML illisible \(ligne \d+, colonne \d+\)"):
        ci.read_ci_file(path)


def test_gitlab_reference_tag_is_accepted(tmp_path):
    path = tmp_path / ".gitlab-ci-dso.yml"
    path.write_text("job:\n  script:\n    - !reference [.setup, script]\n")
    assert ci.read_ci_file(path)["job"]["script"] == [[".setup", "script"]]


def test_missing_file_is_a_french_error(tmp_path):
    with pytest.raises(InputError, match="absent"):
        ci.read_ci_file(tmp_path / ".gitlab-ci-dso.yml")


def test_pushed_tags_are_read_from_docker_push_output(tmp_path):
    log = tmp_path / "build.log"
    log.write_text("The push refers to repository [127.0.0.1:5000/alice/app]\n"
                   "abc: Pushed\n"
                   "1a2b3c4d: digest: sha256:" + "0" * 64 + " size: 1150\n"
                   "The push refers to repository [docker.io/library/other]\n"
                   "latest: digest: sha256:" + "1" * 64 + " size: 1150\n")
    jobs = [ci.Job("build", "build", "success", log=str(log))]
    assert ci._pushed_in_logs(jobs, "127.0.0.1:5000") == {"alice/app:1a2b3c4d"}


@pytest.mark.timeout(30)   # hang guard: the bomb once expanded without bound
def test_alias_bomb_and_fifo_in_the_pipeline_file_are_refused_in_french(tmp_path):
    path = tmp_path / ".gitlab-ci-dso.yml"
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + "".join(
        f'{chr(98 + i)}: &{chr(98 + i)} [{",".join(["*" + chr(97 + i)] * 10)}]\n' for i in range(8))
    path.write_text(bomb)
    with pytest.raises(InputError, match="billion laughs"):
        ci.read_ci_file(path)
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(InputError, match="gitlab-ci-dso.yml"):
        ci.read_ci_file(path)
