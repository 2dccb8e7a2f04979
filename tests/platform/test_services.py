"""The platform services' lifecycle, against the real processes (git daemon, distribution registry)."""
from __future__ import annotations

import os
import subprocess
import time

import pytest

from grader import services
from grader.errors import InputError
from grader.services.forge import CATALOG_PATH, Forge
from tests.conftest import requires_tools


def group_members(pgid: int) -> list[int]:
    """Live processes of a process group, read from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] not in ("Z", "X") and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(tmp_path))
    yield tmp_path
    services.down(data_dir=tmp_path)


def test_forge_up_twice_is_idempotent_and_down_leaves_nothing(data_dir, tmp_path):
    first = services.up(["forge"], data_dir=data_dir, log=lambda m: None)[0]
    second = services.up(["forge"], data_dir=data_dir, log=lambda m: None)[0]
    assert first.healthy and second.healthy
    assert (first.pid, first.port) == (second.pid, second.port)
    assert (data_dir / "services" / "forge" / "pids" / "forge.pid").exists()

    # A clone makes git daemon fork a worker in its group: down must take it too.
    forge = Forge(data_dir)
    subprocess.run(["git", "clone", "-q", forge.url(CATALOG_PATH), str(tmp_path / "catalogue")], check=True)
    assert (tmp_path / "catalogue" / "vault-ci.yml").exists()
    pid = first.pid
    services.down(["forge"], data_dir=data_dir)
    assert group_members(pid) == []
    assert services.status(["forge"], data_dir=data_dir)[0].state == "arrêté"


def test_forge_restart_keeps_its_port_and_repositories(data_dir, tmp_path):
    forge = Forge(data_dir)
    forge.start()
    port = forge.port
    url = forge.ensure_repo("demo", "app")
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    (work / "README").write_text("bonjour\n")
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    subprocess.run([*git, "push", "-q", url, "main"], check=True)
    forge.stop()
    assert not forge.running()
    forge.start()
    assert forge.port == port
    out = subprocess.run(["git", "ls-remote", url, "main"], capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()


def test_a_crashed_service_is_reported_then_restarted(data_dir):
    forge = Forge(data_dir)
    forge.start()
    crashed = forge.proc.pid
    os.kill(crashed, 9)
    for _ in range(100):                 # the kernel delivers the signal asynchronously
        if not forge.running():
            break
        time.sleep(0.05)
    assert forge.status().state == "planté"
    assert forge.start() is True
    assert forge.status().healthy
    assert group_members(crashed) == []  # what the crashed leader had forked (git-daemon) went with it


def test_bad_names_are_refused_in_french(data_dir):
    with pytest.raises(InputError, match="Service inconnu"):
        services.get("gitlab")
    with pytest.raises(InputError, match="invalide"):
        Forge(data_dir).ensure_repo("Mon Projet", "app")


@requires_tools("registry")
def test_registry_up_twice_is_idempotent_and_down_leaves_nothing(data_dir):
    first = services.up(["registry"], data_dir=data_dir, log=lambda m: None)[0]
    second = services.up(["registry"], data_dir=data_dir, log=lambda m: None)[0]
    assert first.healthy and (first.pid, first.port) == (second.pid, second.port)
    registry = services.get("registry", data_dir)
    assert registry.api("_catalog")[0] == 200          # the kit's admin account is accepted
    services.down(["registry"], data_dir=data_dir)
    assert group_members(first.pid) == []


@requires_tools("registry")
def test_cli_platform_up_status_down(data_dir, capsys):
    from grader import cli
    import json

    assert cli.main(["platform", "up"]) == 0
    assert cli.main(["platform", "up"]) == 0
    capsys.readouterr()
    assert cli.main(["platform", "status", "--json"]) == 0
    every = json.loads(capsys.readouterr().out)
    rows = [r for r in every if services.SERVICES[r["name"]].by_default]
    assert [(r["name"], r["state"], r["healthy"]) for r in rows] == [("forge", "en marche", True),
                                                                    ("registry", "en marche", True),
                                                                    ("vault", "en marche", True),
                                                                    ("secrets-operators", "en marche", True)]
    assert {r["state"] for r in every if r not in rows} == {"arrêté"}    # Argo CD starts only when named
    assert all(r["address"].startswith("127.0.0.1:") for r in rows)
    from grader import doctor
    lines = {i.name: i for i in doctor.check_services()}
    assert lines["service forge"].ok and lines["service registry"].ok
    assert cli.main(["platform", "down"]) == 0
    assert all(group_members(r["pid"]) == [] for r in rows)
    assert not any(i.ok for i in doctor.check_services())


def test_argocd_without_a_cluster_is_refused_in_french_and_starts_nothing(data_dir, capsys):
    from grader import cli

    assert cli.main(["platform", "up", "argocd"]) == 1
    assert "Aucun cluster du kit" in capsys.readouterr().err
    assert {r.state for r in services.status(["argocd-redis", "argocd-repo-server", "argocd"],
                                             data_dir=data_dir)} == {"arrêté"}
