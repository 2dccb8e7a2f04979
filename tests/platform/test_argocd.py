"""Argo CD on the laptop, for real: controller + repo-server + redis as processes, the kit's cluster, charts
pushed to the forge. Proves sync, self-heal of a manual edit, the rule-31 check, French errors, and that
`down` leaves no process."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from grader import gitops, services
from grader.checks import gitops as checks
from grader.checks.base import CheckContext
from grader.cluster import envs
from grader.kube.client import Kube
from grader.results import Status
from tests.platform.test_services import group_members

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    "values.yaml": "message: bonjour\nreplicas: 1\nimage:\n  repository: \"\"\n  tag: \"\"\n",
    "templates/configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo-cm\n"
        "data:\n  message: {{ .Values.message | quote }}\n"),
    "templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: demo-dep\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: demo}\n"
        "  template:\n    metadata:\n      labels: {app: demo}\n    spec:\n      containers:\n"
        "        - name: web\n"
        "          image: {{ required \"image.repository manquant : ajoutez values-<env>.yaml\" "
        ".Values.image.repository }}:{{ .Values.image.tag }}\n"
        "          resources:\n            requests: {cpu: 10m, memory: 16Mi}\n"
        "            limits: {cpu: 100m, memory: 64Mi}\n"),
}
VALUES_DEV = "image:\n  repository: localhost:5001/demo/web\n  tag: \"1.0\"\n"


def push(url: str, work: Path, files: dict[str, str], message: str) -> str:
    if not work.exists():
        subprocess.run(["git", "clone", "-q", url, str(work)], check=True, capture_output=True)
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", message], check=True)
    subprocess.run([*git, "push", "-q", "origin", "HEAD:main"], check=True, capture_output=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def argocd(local_cluster, need_tools):
    need_tools("argocd", "helm")
    data = local_cluster.data_dir
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CPIN_DATA", str(data))
        rows = services.up(["forge", "argocd"], data_dir=data, log=lambda m: None)
        try:
            yield {"rows": {r.name: r for r in rows}, "kube": Kube(local_cluster.api_client, request_timeout=30),
                   "forge": services.get("forge", data), "data": data}
        finally:
            ours = ("argocd", "argocd-repo-server", "argocd-redis", "forge")   # other tests' services may run too
            pids = [r.pid for r in services.status(data_dir=data) if r.pid and r.name in ours]
            services.down(["argocd", "forge"], data_dir=data)
            assert all(group_members(pid) == [] for pid in pids)


def pods_story(kube, namespace: str) -> list[str]:
    """Why the namespace's pods are (not) ready (their conditions, warning events) and what the nodes still have
    room for: a failure's evidence."""
    story = []
    for pod in (kube.request("GET", f"/api/v1/namespaces/{namespace}/pods").data or {}).get("items", []):
        status = pod.get("status") or {}
        story.append(f"pod {pod['metadata']['name']} {status.get('phase')} on {pod['spec'].get('nodeName')}: "
                     + "; ".join(f"{c['type']}={c['status']} {c.get('message', '')}"
                                 for c in status.get("conditions") or []))
    for event in (kube.request("GET", f"/api/v1/namespaces/{namespace}/events").data or {}).get("items", []):
        if event.get("type") != "Normal":
            story.append(f"event {event.get('reason')} {event['involvedObject'].get('kind')}: {event.get('message')}")
    for node in (kube.request("GET", "/api/v1/nodes").data or {}).get("items", []):
        on_node = [("fieldSelector", f"spec.nodeName={node['metadata']['name']}")]
        pods = kube.request("GET", "/api/v1/pods", query=on_node).data or {}
        story.append(f"node {node['metadata']['name']}: {len(pods.get('items', []))} pods, "
                     f"allocatable {node['status'].get('allocatable')}, taints {node['spec'].get('taints')}")
    return story


def ctx(kube) -> CheckContext:
    import time
    return CheckContext(kube=kube, namespace="argocd", work_dir=Path("."), deadline=time.monotonic() + 120)


def test_the_three_processes_run_on_loopback(argocd):
    names = [r.name for r in services.status(data_dir=argocd["data"])]
    assert {"argocd", "argocd-repo-server", "argocd-redis"} <= set(names)
    for row in services.status(["argocd-redis", "argocd-repo-server", "argocd"], data_dir=argocd["data"]):
        assert row.state == "en marche" and row.healthy and row.address.startswith("127.0.0.1:"), row
    listening = subprocess.run(["ss", "-Htlnp"], capture_output=True, text=True).stdout
    pids = {str(r.pid) for r in services.status(["argocd-repo-server", "argocd", "argocd-redis"],
                                                 data_dir=argocd["data"])}
    for line in listening.splitlines():
        if any(f"pid={pid}," in line for pid in pids):
            assert line.split()[3].startswith("127.0.0.1:"), line     # never [::] or 0.0.0.0
    from grader import doctor
    lines = {i.name: i for i in doctor.check_services()}
    assert all(lines[f"service {n}"].ok for n in ("argocd", "argocd-repo-server", "argocd-redis"))


def test_env_app_syncs_self_heals_and_flags_manual_edits(argocd, tmp_path):
    kube, forge = argocd["kube"], argocd["forge"]
    env = envs.create_env(kube.api_client, "demo", "dev", "dev")
    app = gitops.create_for_env(kube, forge, project="demo", env="dev", namespace=env.namespace, auto_sync=True)
    name = app["metadata"]["name"]
    head = push(app["spec"]["source"]["repoURL"], tmp_path / "infra", {**CHART, "values-dev.yaml": VALUES_DEV},
                "Chart de démo")
    gitops.refresh(kube, name, hard=True)
    s = gitops.wait(kube, name, timeout=120, revision=head)
    assert (s.sync, s.health, s.revision) == ("Synced", "Healthy", head), (s, pods_story(kube, env.namespace))
    assert checks.app_synced(ctx(kube), {"app": name}).status is Status.PASSED
    assert checks.app_managed(ctx(kube), {"app": name}).status is Status.PASSED

    healed = checks.self_heal(ctx(kube), {"app": name, "kind": "Deployment"})
    assert healed.status is Status.PASSED, healed.detail
    healed = checks.self_heal(ctx(kube), {"app": name, "kind": "ConfigMap"})
    assert healed.status is Status.PASSED, healed.detail

    # A manual edit of a field git does not set is not reverted: rule 31's check names who made it.
    kube.request("PATCH", f"/api/v1/namespaces/{env.namespace}/configmaps/demo-cm",
                 query=[("fieldManager", "kubectl-edit")], body={"metadata": {"labels": {"bricole": "oui"}}},
                 content_type="application/merge-patch+json")
    managed = checks.app_managed(ctx(kube), {"app": name})
    assert managed.status is Status.FAILED and "kubectl-edit" in managed.detail

    # A new commit is seen at once after a hard refresh; the previous deployment is in the history.
    head2 = push(app["spec"]["source"]["repoURL"], tmp_path / "infra", {"values-dev.yaml": VALUES_DEV + "message: salut\n"},
                 "Nouveau message")
    assert checks.app_synced(ctx(kube), {"app": name}).status is Status.FAILED   # git moved, Argo CD not yet
    gitops.refresh(kube, name, hard=True)
    s = gitops.wait(kube, name, timeout=120, revision=head2)
    assert (s.sync, s.health) == ("Synced", "Healthy")
    assert kube.get("ConfigMap", "demo-cm", env.namespace)["data"]["message"] == "salut"
    assert [h["revision"] for h in s.history][-2:] == [head, head2]

    # Rollback is a git commit restoring the first deployment's tree; nothing is edited in the cluster.
    first = next(h["id"] for h in s.history if h["revision"] == head)
    commit = gitops.rollback(gitops.get(kube, name), first, author=["-c", "user.name=t", "-c", "user.email=t@t"])
    gitops.refresh(kube, name, hard=True)
    s = gitops.wait(kube, name, timeout=120, revision=commit)
    assert kube.get("ConfigMap", "demo-cm", env.namespace)["data"]["message"] == "bonjour"


def test_missing_values_file_gives_a_french_failure_and_keeps_the_push(argocd, tmp_path):
    kube, forge = argocd["kube"], argocd["forge"]
    env = envs.create_env(kube.api_client, "casse", "dev", "dev")
    app = gitops.create_for_env(kube, forge, project="casse", env="dev", namespace=env.namespace)
    name = app["metadata"]["name"]
    outcome = checks.app_synced(ctx(kube), {"app": name})
    assert outcome.status is Status.FAILED and "n'existe pas" in outcome.detail     # empty repo
    head = push(app["spec"]["source"]["repoURL"], tmp_path / "infra", CHART, "Chart sans values-dev.yaml")
    gitops.refresh(kube, name, hard=True)
    s = gitops.wait(kube, name, timeout=90, until=lambda s: any("values-dev.yaml" in c for c in s.conditions))
    assert any("values-dev.yaml" in c for c in s.conditions), s.conditions
    outcome = checks.app_synced(ctx(kube), {"app": name})
    assert outcome.status is Status.FAILED and "values-dev.yaml" in outcome.detail
    out = subprocess.run(["git", "ls-remote", app["spec"]["source"]["repoURL"], "main"], capture_output=True,
                         text=True).stdout
    assert out.split()[0] == head
    healed = checks.self_heal(ctx(kube), {"app": name})
    assert healed.status is Status.FAILED and "désactivée" in healed.detail


def test_cli_status_and_unknown_app_in_french(argocd, capsys):
    from grader import cli

    assert cli.main(["argocd", "status", "absente"]) == 2
    err = capsys.readouterr().err
    assert "introuvable" in err and "casse-dev-infra" in err
    assert cli.main(["argocd", "status", "casse-dev-infra"]) == 1          # not Synced/Healthy: exit 1
    out = capsys.readouterr().out
    assert "casse-dev-infra" in out and "values-dev.yaml" in out
    assert cli.main(["argocd", "history", "casse-dev-infra"]) == 0
    assert "aucun déploiement" in capsys.readouterr().out


def test_cli_env_create_makes_the_infra_repo_and_the_application(argocd, capsys):
    from grader import cli

    kube = argocd["kube"]
    assert cli.main(["env", "create", "cli", "dev", "--type", "dev", "--auto-sync"]) == 0
    assert "Application Argo CD cli-dev-infra" in capsys.readouterr().out
    assert (argocd["forge"].bare("cli/infra") / "HEAD").exists()
    assert gitops.get(kube, "cli-dev-infra")["spec"]["syncPolicy"]["automated"]["selfHeal"] is True
    assert cli.main(["env", "create", "cli", "dev", "--type", "dev"]) == 0     # the toggle turned off
    assert not (gitops.get(kube, "cli-dev-infra")["spec"].get("syncPolicy") or {}).get("automated")
