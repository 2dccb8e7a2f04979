"""`grader.checks.docker` on the real engine: the demo app's correct and broken Dockerfiles, failure paths, cleanup."""
from __future__ import annotations

import pytest

from grader import images
from grader.checks import docker as checks
from grader.config import REPO_ROOT
from grader.results import Status

APP_DIR = REPO_ROOT / "exercises" / "app"

ALL_IDS = ["docker.build", "docker.user", "docker.port", "docker.size", "docker.starts", "docker.health",
           "docker.config", "docker.logs", "docker.stop"]
# What each broken variant must fail; everything else must pass.
VARIANTS = {
    "Dockerfile": set(),
    "broken/Dockerfile.root": {"docker.user"},
    "broken/Dockerfile.port80": {"docker.port", "docker.starts", "docker.health", "docker.config", "docker.stop"},
    "broken/Dockerfile.selfmodify": {"docker.starts", "docker.health", "docker.config", "docker.logs",
                                     "docker.stop"},
    "broken/Dockerfile.bakedconfig": {"docker.config"},
}


def _by_id(results):
    return {r.check_id: r for r in results}


def _leftovers(client) -> list:
    selector = {"label": f"{checks.OWNER_LABEL}={checks.OWNER}"}
    return client.containers.list(all=True, filters=selector) + client.images.list(all=True, filters=selector)


def _run(client, args, context=APP_DIR, **kwargs):
    kwargs.setdefault("config_probe", ("APP_MESSAGE", "/"))
    return checks.check_image(context, build_args=args, client=client, **kwargs)


def _context(tmp_path, dockerfile: str, **files: str):
    (tmp_path / "Dockerfile").write_text(dockerfile)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return tmp_path


pytestmark = pytest.mark.docker


@pytest.mark.parametrize("dockerfile", list(VARIANTS))
def test_each_variant_fails_exactly_its_checks(docker_client, offline_args, dockerfile):
    results = _run(docker_client, offline_args, dockerfile=dockerfile)
    assert [r.check_id for r in results] == ALL_IDS
    failed = {r.check_id for r in results if not r.status.scores}
    assert failed == VARIANTS[dockerfile], {r.check_id: r.message for r in results if not r.status.scores}
    assert all(r.status is not Status.ERROR for r in results)
    assert all(r.title and r.message for r in results)
    assert _leftovers(docker_client) == []


def test_broken_variants_explain_themselves(docker_client, offline_args):
    port80 = _by_id(_run(docker_client, offline_args, dockerfile="broken/Dockerfile.port80"))
    assert "80" in port80["docker.port"].message
    assert "port réservé à root" in port80["docker.starts"].hint
    assert any('"port": 80' in line for line in port80["docker.starts"].evidence["dernieres_lignes"])
    assert port80["docker.health"].evidence == {"bloqué_par": "docker.starts"}

    selfmodify = _by_id(_run(docker_client, offline_args, dockerfile="broken/Dockerfile.selfmodify"))
    starts = selfmodify["docker.starts"]
    assert "Read-only file system" in "\n".join(starts.evidence["dernieres_lignes"])
    assert "lecture seule" in starts.hint and "sed -i" in starts.hint

    baked = _by_id(_run(docker_client, offline_args, dockerfile="broken/Dockerfile.bakedconfig"))
    config = baked["docker.config"]
    assert config.evidence["valeur_injectée"].startswith("cpin-")
    assert "Bonjour depuis la production" in config.evidence["réponse"]


def test_correct_image_facts_and_labels(docker_client, offline_args):
    results = _by_id(_run(docker_client, offline_args,
                          required_labels=("org.opencontainers.image.title", "org.opencontainers.image.version")))
    facts = results["docker.build"].evidence
    assert facts["utilisateur"] == "1001" and facts["ports"] == ["8080/tcp"]
    assert facts["labels"]["org.opencontainers.image.version"] == "1.0.0"
    assert results["docker.labels"].status is Status.PASSED
    assert results["docker.health"].evidence["réponse"].startswith("{")
    assert results["docker.stop"].evidence["code"] == 0

    root = _by_id(_run(docker_client, offline_args, dockerfile="broken/Dockerfile.root",
                       required_labels=("org.opencontainers.image.version",)))
    assert root["docker.labels"].status is Status.FAILED


def test_size_limit_can_fail(docker_client, offline_args):
    size = _by_id(_run(docker_client, offline_args, max_size_mb=1))["docker.size"]
    assert size.status is Status.FAILED and size.evidence["taille_mo"] > 1


def test_target_stage_is_built(docker_client, offline_args):
    results = _by_id(_run(docker_client, offline_args, target="test", start_timeout=5))
    assert results["docker.build"].status is Status.PASSED
    assert results["docker.build"].evidence["labels"] == {}  # the test stage has none of the final labels
    assert results["docker.user"].status is Status.FAILED


def test_build_error_shows_failing_step_and_output(docker_client, offline_args, tmp_path):
    context = _context(tmp_path, "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo préparation\n"
                                 "RUN echo 'avant la panne' && ls /chemin/absent\nCMD [\"true\"]\n")
    results = _run(docker_client, offline_args, context=context)
    build = results[0]
    assert build.status is Status.FAILED
    assert "RUN echo 'avant la panne'" in build.evidence["étape"]
    assert "avant la panne" in build.evidence["sortie"]
    assert any("/chemin/absent" in line for line in build.evidence["sortie"])
    assert "RUN" in build.hint
    assert {r.status for r in results[1:]} == {Status.FAILED}
    assert all(r.evidence == {"bloqué_par": "docker.build"} for r in results[1:])
    assert _leftovers(docker_client) == []


def test_missing_base_image_hints_at_prepare(docker_client, tmp_path):
    context = _context(tmp_path, "FROM cpin-grader-test/absent:0\n")
    build = checks.check_image(context, client=docker_client)[0]
    assert build.status is Status.FAILED and "cpin images prepare" in build.hint


def test_missing_dockerfile_is_a_failure_not_a_crash(docker_client, tmp_path):
    results = checks.check_image(tmp_path, client=docker_client)
    assert results[0].status is Status.FAILED and "Dockerfile introuvable" in results[0].message


def test_port_never_answers(docker_client, offline_args, tmp_path):
    context = _context(tmp_path, "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nUSER 1001\nEXPOSE 8080\n"
                                 'CMD ["python3", "-m", "http.server", "9090"]\n')
    results = _by_id(_run(docker_client, offline_args, context=context, config_probe=None, start_timeout=4))
    assert results["docker.starts"].status is Status.PASSED
    health = results["docker.health"]
    assert health.status is Status.FAILED and "Aucune réponse HTTP" in health.message and "0.0.0.0" in health.hint


def test_plain_text_logs_and_ignored_sigterm(docker_client, offline_args, tmp_path):
    server = ("import http.server, json\n"
              "class H(http.server.BaseHTTPRequestHandler):\n"
              "    def do_GET(self):\n"
              "        self.send_response(200); self.end_headers(); self.wfile.write(b'{\"status\": \"UP\"}')\n"
              "        print('GET', self.path, flush=True)\n"
              "print('serveur prêt', flush=True)\n"
              "http.server.HTTPServer(('0.0.0.0', 8080), H).serve_forever()\n")
    # Shell form: /bin/sh is PID 1, ignores SIGTERM and does not pass it on.
    context = _context(tmp_path, "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY server.py /srv/server.py\nUSER 1001\n"
                                 "EXPOSE 8080\nCMD python3 /srv/server.py\n", **{"server.py": server})
    results = _by_id(_run(docker_client, offline_args, context=context, config_probe=None, stop_grace=2))
    assert results["docker.health"].status is Status.PASSED
    logs = results["docker.logs"]
    assert logs.status is Status.FAILED and "serveur prêt" in logs.evidence["lignes_non_json"]
    stop = results["docker.stop"]
    assert stop.status is Status.FAILED and "SIGTERM" in stop.message and "exec" in stop.hint
    assert _leftovers(docker_client) == []


def test_tmpfs_declared_by_the_exercise_is_writable(docker_client, offline_args, tmp_path):
    server = ("import pathlib, runpy, sys\n"
              "pathlib.Path('/var/cache/app/ok').write_text('x')\n"
              "sys.argv = ['app.py']\nrunpy.run_path('/srv/app.py', run_name='__main__')\n")
    context = _context(tmp_path, "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN mkdir -p /var/cache/app && chmod g=u /var/cache/app\n"
                                 "COPY app.py start.py /srv/\nUSER 1001\n"
                                 'EXPOSE 8080\nCMD ["python3", "/srv/start.py"]\n',
                       **{"app.py": (APP_DIR / "app.py").read_text(), "start.py": server})
    without = _by_id(_run(docker_client, offline_args, context=context, config_probe=None, start_timeout=10))
    assert without["docker.starts"].status is Status.FAILED
    assert "Read-only file system" in "\n".join(without["docker.starts"].evidence["dernieres_lignes"])
    with_tmpfs = _by_id(_run(docker_client, offline_args, context=context, config_probe=None,
                             tmpfs=("/var/cache/app",)))
    assert with_tmpfs["docker.starts"].status is Status.PASSED


def test_cleanup_sweeps_leftovers_by_label(docker_client, prepared):
    container = docker_client.containers.create("cpin/python:3.11", ["sleep", "60"],
                                                labels={checks.OWNER_LABEL: checks.OWNER})
    assert checks.cleanup(docker_client)["containers"] >= 1
    assert _leftovers(docker_client) == []
    with pytest.raises(Exception):
        docker_client.containers.get(container.id)


def test_kit_demo_app_image_is_prepared(docker_client, prepared):
    outcome, = [p for p in images.prepare(["demo-app"], client=docker_client) if p.key == "demo-app"]
    image = docker_client.images.get("cpin/demo-app:1.0.0")
    assert outcome.tag == "cpin/demo-app:1.0.0" and image.labels[images.KIT_LABEL] == "app"
    assert image.attrs["Config"]["User"] == "1001"

