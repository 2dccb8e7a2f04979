"""`cpin doctor`: one line per item, French hints, exit 1 only when a required item is missing."""
import yaml

from grader import cli, doctor


def test_missing_tools_make_doctor_fail_with_a_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CPIN_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("CPIN_TOOLS_PATH", raising=False)
    assert cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "✘ outil kube-apiserver" in out
    assert "→ `cpin tools build` (hors ligne) ou `cpin tools fetch` (internet)" in out
    assert "CPIN_CACHE" in out  # each setting is shown with its source


def test_stopped_docker_is_a_warning_not_a_failure(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    item = doctor.check_docker()
    assert not item.ok and not item.required and item.symbol == "⚠"
    assert "injoignable" in item.detail


def test_foreign_context_is_named_as_not_created_by_the_kit(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod-ministere",
        "clusters": [{"name": "prod", "cluster": {"server": "https://10.0.0.1:6443"}}],
        "users": [{"name": "admin", "user": {"token": "x"}}],
        "contexts": [{"name": "prod-ministere", "context": {"cluster": "prod", "user": "admin"}}],
    }))
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    item = doctor.check_context()
    assert "prod-ministere" in item.detail and "PAS créé par le kit" in item.detail


def test_exit_code_ignores_optional_items():
    items = [doctor.Item("a", True, ""), doctor.Item("b", False, "", required=False)]
    assert doctor.exit_code(items) == 0
    assert doctor.exit_code(items + [doctor.Item("c", False, "")]) == 1


def test_kit_context_is_recognised_as_the_kits_own(local_cluster, monkeypatch):
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    monkeypatch.setenv("KUBECONFIG", str(local_cluster.kubeconfig))
    item = doctor.check_context()
    assert f"{local_cluster.context} (créé par le kit)" in item.detail


def test_doctor_passes_on_a_ready_machine(local_cluster, monkeypatch, capsys):
    """With the tools built (always true in CI), every required item holds."""
    monkeypatch.setenv("CPIN_DATA", str(local_cluster.data_dir))
    items = doctor.diagnose()
    assert doctor.exit_code(items) == 0, doctor.render(items)
