"""The Vault training stand-in, driven by `hvac` (the real Vault client) over HTTP."""
from __future__ import annotations

import hvac
import hvac.exceptions
import pytest

from grader.services import kvstore, secrets
from grader.services.vault import Vault, address, project_access

SECRET = "vault-Pa55-0b7e"


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("vault")
    service = Vault(data_dir)
    service.start()
    try:
        yield data_dir, address(data_dir)
    finally:
        service.stop()


def test_health_says_it_is_a_stand_in(vault):
    data_dir, url = vault
    health = hvac.Client(url).sys.read_health_status(method="GET")
    assert health["cluster_name"] == "cpin-simulation-formation" and "simulation" in health["version"]
    assert Vault(data_dir).status().healthy


def test_approle_kv_v2_versions_and_metadata(vault):
    data_dir, url = vault
    access = project_access("demo", data_dir)
    client = hvac.Client(url)
    client.auth.approle.login(role_id=access["VAULT_ROLE_ID"], secret_id=access["VAULT_SECRET_ID"])
    assert client.is_authenticated()
    kv = client.secrets.kv.v2
    kv.create_or_update_secret(path="formation/exemple", secret={"DB_PASSWORD": "first"}, mount_point="demo")
    kv.create_or_update_secret(path="formation/exemple", secret={"DB_PASSWORD": SECRET}, mount_point="demo")
    latest = kv.read_secret_version(path="formation/exemple", mount_point="demo", raise_on_deleted_version=True)
    assert latest["data"]["data"] == {"DB_PASSWORD": SECRET} and latest["data"]["metadata"]["version"] == 2
    first = kv.read_secret_version(path="formation/exemple", version=1, mount_point="demo",
                                   raise_on_deleted_version=True)
    assert first["data"]["data"]["DB_PASSWORD"] == "first"
    meta = kv.read_secret_metadata(path="formation/exemple", mount_point="demo")
    assert meta["data"]["current_version"] == 2 and set(meta["data"]["versions"]) == {"1", "2"}
    assert kv.list_secrets(path="formation", mount_point="demo")["data"]["keys"] == ["exemple"]
    with pytest.raises(hvac.exceptions.InvalidRequest):
        kv.create_or_update_secret(path="formation/exemple", secret={"x": "y"}, cas=1, mount_point="demo")
    with pytest.raises(hvac.exceptions.InvalidPath):
        kv.read_secret_version(path="formation/absent", mount_point="demo", raise_on_deleted_version=True)

    # Same store as `.vault:read_secret`: one file, mode 0600.
    assert secrets.store_path(data_dir).stat().st_mode & 0o777 == 0o600
    assert secrets.read_store(data_dir)["vault/kv/demo/formation/exemple"]["current"] == 2


def test_a_project_token_reaches_only_its_mount(vault):
    data_dir, url = vault
    project_access("demo", data_dir)
    other = project_access("other", data_dir)
    client = hvac.Client(url)
    client.auth.approle.login(role_id=other["VAULT_ROLE_ID"], secret_id=other["VAULT_SECRET_ID"])
    with pytest.raises(hvac.exceptions.Forbidden):
        client.secrets.kv.v2.read_secret_version(path="formation/exemple", mount_point="demo",
                                                 raise_on_deleted_version=True)
    with pytest.raises(hvac.exceptions.InvalidRequest):
        hvac.Client(url).auth.approle.login(role_id=other["VAULT_ROLE_ID"], secret_id="wrong")
    with pytest.raises(hvac.exceptions.Forbidden):
        hvac.Client(url, token="hvs.nope").secrets.kv.v2.read_secret_version(path="x", mount_point="demo",
                                                                       raise_on_deleted_version=True)


def test_root_token_enables_mounts_and_the_log_holds_no_value(vault):
    data_dir, url = vault
    client = hvac.Client(url, token=kvstore.root_token(data_dir))
    client.sys.enable_secrets_engine("kv", path="team", options={"version": "2"})
    assert "team/" in client.sys.list_mounted_secrets_engines()["data"]
    client.secrets.kv.v2.create_or_update_secret(path="a", secret={"k": SECRET}, mount_point="team")
    log = Vault(data_dir).proc.log.read_text()
    assert "POST /v1/team/data/a" in log and SECRET not in log
