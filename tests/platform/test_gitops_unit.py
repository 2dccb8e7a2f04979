"""Pure parts of the GitOps layer: the console's Application, the summary read from status, the managers
that count as a manual change, and the selection of Argo CD's install manifests."""
from __future__ import annotations

import shutil

import pytest

from grader import gitops
from grader.checks.gitops import hand_edits


def test_application_is_the_consoles():
    app = gitops.application(project="demo", env="dev", namespace="demo-dev", repo_url="git://127.0.0.1:1/demo/infra.git")
    assert app["metadata"] == {"name": "demo-dev-infra", "namespace": "argocd",
                               "labels": {"cpin.dev/project": "demo", "cpin.dev/env": "dev"}}
    source = app["spec"]["source"]
    assert (source["path"], source["targetRevision"]) == (".", "HEAD")
    assert source["helm"]["valueFiles"] == ["values.yaml", "values-dev.yaml"]
    assert app["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "demo-dev"}
    assert "syncPolicy" not in app["spec"]
    auto = gitops.application(project="demo", env="prod", namespace="demo-prod", repo_url="u", auto_sync=True)
    assert auto["spec"]["syncPolicy"] == {"automated": {"prune": True, "selfHeal": True}}


def test_summary_reads_status_only():
    empty = gitops.summary({"metadata": {"name": "a"}, "spec": {}})
    assert (empty.sync, empty.health, empty.revision, empty.resources) == ("Unknown", "Unknown", "", [])
    s = gitops.summary({"metadata": {"name": "a"}, "spec": {"source": {"repoURL": "r", "path": "p"}},
                        "status": {"sync": {"status": "OutOfSync", "revision": "abc"}, "health": {"status": "Degraded"},
                                   "conditions": [{"type": "ComparisonError", "message": "boum"}]}})
    assert (s.sync, s.health, s.revision, s.conditions) == ("OutOfSync", "Degraded", "abc", ["ComparisonError: boum"])


def test_hand_edits_ignore_argocd_controllers_and_status():
    obj = {"metadata": {"managedFields": [
        {"manager": "argocd-controller", "operation": "Update"},
        {"manager": "kube-controller-manager", "operation": "Update"},
        {"manager": "kwok", "operation": "Update", "subresource": "status"},
        {"manager": "kubectl-edit", "operation": "Update", "time": "t"},
    ]}}
    assert hand_edits(obj) == ["kubectl-edit (Update t)"]
    assert hand_edits({"metadata": {}}) == []


def test_rollback_of_an_unknown_deployment_is_refused_in_french():
    from grader.errors import InputError
    app = {"metadata": {"name": "a"}, "status": {"history": [{"id": 0, "revision": "x"}]}}
    with pytest.raises(InputError, match="Pas de déploiement n° 3"):
        gitops.history_revision(app, 3)


@pytest.mark.skipif(shutil.which("go") is None, reason="Argo CD's manifests come from its Go module")
def test_install_keeps_crds_config_and_controller_rbac_but_no_deployment():
    from grader.services.argocd import install_manifests
    objects = install_manifests()
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert ("CustomResourceDefinition", "applications.argoproj.io") in kinds
    assert ("CustomResourceDefinition", "appprojects.argoproj.io") in kinds
    assert ("ConfigMap", "argocd-cm") in kinds and ("Secret", "argocd-secret") in kinds
    assert ("ClusterRole", "argocd-application-controller") in kinds
    assert not {k for k, _ in kinds} & {"Deployment", "StatefulSet", "Service", "NetworkPolicy"}
    assert all(o["metadata"].get("namespace") == "argocd" for o in objects
               if o["kind"] in ("ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding"))


@pytest.mark.skipif(shutil.which("go") is None, reason="the patch reads Argo CD's Go module")
def test_argocd_source_patch_binds_loopback_and_refuses_a_stale_patch(tmp_path, monkeypatch):
    from grader import tools
    from grader.errors import ToolFailed
    modfile = tools._patched_modfile(shutil.which("go"), "argocd", tmp_path / "a")
    text = modfile.read_text()
    assert text.startswith((tools.module_dir("argocd") / "go.mod").read_text())
    replace = text.strip().splitlines()[-1]
    assert replace.startswith("replace github.com/argoproj/argo-cd/v3 => ")
    patched = (tmp_path / "a" / "patched").glob("*/controller/appcontroller.go")
    source = next(patched).read_text()
    assert 'fmt.Sprintf("127.0.0.1:%d", metricsPort)' in source and '"0.0.0.0:%d"' not in source
    assert (modfile.parent / "go.sum").is_file()
    module, rel, _, new = tools.PATCHES["argocd"][0]
    monkeypatch.setitem(tools.PATCHES, "argocd", [(module, rel, "texte absent", new)])
    with pytest.raises(ToolFailed, match="Correctif inapplicable"):
        tools._patched_modfile(shutil.which("go"), "argocd", tmp_path / "b")


def test_long_learner_names_still_give_a_valid_helm_release():
    """Argo CD names the Helm release after the Application: Helm refuses more than 53 characters."""
    import re

    long_ns = "cpin-jean-baptiste-delacroix-argocd-premiere-synchro"
    app = gitops.application(project=long_ns, env="dev", namespace=long_ns, repo_url="git://127.0.0.1:1/x.git")
    release = app["spec"]["source"]["helm"]["releaseName"]
    assert len(release) <= 53 and re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", release), release
    assert len(app["metadata"]["name"]) <= 63
    other = gitops.application(project=long_ns + "x", env="dev", namespace=long_ns, repo_url="git://127.0.0.1:1/x.git")
    assert other["spec"]["source"]["helm"]["releaseName"] != release            # truncation keeps names apart
    short = gitops.application(project="demo", env="dev", namespace="demo-dev", repo_url="git://127.0.0.1:1/x.git")
    assert short["spec"]["source"]["helm"]["releaseName"] == short["metadata"]["name"] == "demo-dev-infra"


def test_out_of_sync_without_automation_is_said_at_once():
    """No automated policy, no operation requested, compared at HEAD: only a SYNC changes it, so no check waits."""
    app = {"metadata": {"name": "a"}, "spec": {"source": {}},
           "status": {"sync": {"status": "OutOfSync", "revision": "abc"}, "health": {"status": "Missing"}}}
    s = gitops.summary(app)
    assert gitops.left_out_of_sync(s, "abc", in_flight=False)
    assert not gitops.left_out_of_sync(s, "def", in_flight=False)                    # git moved: Argo CD will look
    assert not gitops.left_out_of_sync(s, "abc", in_flight=True)                     # a SYNC is on its way
    for policy in ({}, {"prune": True}):                                             # Argo CD will sync it
        automated = gitops.summary({**app, "spec": {"source": {}, "syncPolicy": {"automated": policy}}})
        assert automated.auto_sync and not gitops.left_out_of_sync(automated, "abc", in_flight=False)
    disabled = gitops.summary({**app, "spec": {"source": {}, "syncPolicy": {"automated": {"enabled": False}}}})
    assert not disabled.auto_sync


def test_a_finished_sync_that_stays_progressing_settles(monkeypatch):
    import time as clock

    from grader.gitops_notebook import Settled
    now = [100.0]
    monkeypatch.setattr(clock, "monotonic", lambda: now[0])
    settled = Settled(seconds=10)
    running = gitops.Summary("a", "Synced", "Progressing", "r1", "", "", "", False, operation={"phase": "Running"})
    done = gitops.Summary("a", "Synced", "Progressing", "r1", "", "", "", False, operation={"phase": "Succeeded"})
    assert not settled(running)
    assert not settled(done)
    now[0] += 9
    assert not settled(done)
    now[0] += 2
    assert settled(done)
