"""The image registry: `distribution` v3 (`cmd/registry`, built from tools/platform) on 127.0.0.1.

Stands in for the platform's Harbor as an OCI registry: images under `<projet>/<image>:<tag>`,
pushed by the CI with the project's robot account (handed out by `.vault:read_secret`), pulled by
Docker from `127.0.0.1:<port>` (loopback registries need no TLS for Docker). Subset implemented:
the registry API v2 with htpasswd basic auth, filesystem storage under the data dir, deletes
enabled. Not implemented: Harbor's projects and per-project permissions (every robot may push
anywhere), its UI, signatures, and the Trivy scan Harbor runs on push.
"""
from __future__ import annotations

import base64
import json
import os
import secrets as pysecrets
import urllib.error
import urllib.request
from pathlib import Path

from grader import tools
from grader.services import secrets
from grader.services.base import HOST, Service

MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json"))


class Registry(Service):
    name = "registry"
    stands_for = "Harbor (registre d'images)"
    subset = "API registre v2, comptes robot par projet (htpasswd), stockage local ; pas d'analyse Trivy"

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def htpasswd(self) -> Path:
        return self.root / "htpasswd"

    def argv(self, port: int) -> list[str]:
        return [str(tools.find("registry")), "serve", str(self.config)]

    def env(self) -> dict[str, str]:
        # v3 exports OpenTelemetry traces to localhost:4318 by default: nothing listens there.
        return {**os.environ, "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
                "OTEL_LOGS_EXPORTER": "none"}

    def prepare(self, port: int) -> None:
        tools.find("registry")
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        secrets.write_htpasswd(self.htpasswd, self.data_dir)
        config = {
            "version": 0.1,
            "log": {"level": "info", "formatter": "text"},
            "storage": {"filesystem": {"rootdirectory": str(self.root / "data")}, "delete": {"enabled": True}},
            "http": {"addr": f"{HOST}:{port}", "secret": pysecrets.token_hex(16),
                     "headers": {"X-Content-Type-Options": ["nosniff"]}},
            "auth": {"htpasswd": {"realm": "cpin-registry", "path": str(self.htpasswd)}},
        }
        self.config.write_text(json.dumps(config, indent=2))   # JSON is YAML

    def probe(self, port: int) -> tuple[bool, str]:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/v2/", timeout=2) as response:
                status, headers = response.status, response.headers
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
        except OSError as error:
            return False, str(getattr(error, "reason", error))
        version = headers.get("Docker-Distribution-Api-Version", "")
        return status in (200, 401) and version == "registry/2.0", f"HTTP {status} {version}".strip()

    # ------------------------------------------------------------------ projects and API
    def project_secret(self, project: str) -> dict:
        """The console's gesture: the project's robot account, in the secret store and in htpasswd."""
        secret = secrets.project_registry_secret(project, self.address, self.data_dir)
        secrets.write_htpasswd(self.htpasswd, self.data_dir)
        return secret

    def api(self, path: str, *, method: str = "GET", accept: str = "") -> tuple[int, dict, bytes]:
        """(status, headers, body) of a registry API call as the kit's admin account."""
        user, password = secrets.account(secrets.ADMIN, self.data_dir)
        request = urllib.request.Request(f"http://{self.address}/v2/{path}", method=method)
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
        if accept:
            request.add_header("Accept", accept)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def repositories(self, prefix: str = "") -> list[str]:
        status, _, body = self.api("_catalog?n=1000")
        names = (json.loads(body).get("repositories") or []) if status == 200 else []
        return [n for n in names if not prefix or n.startswith(prefix.rstrip("/") + "/")]

    def tags(self, repository: str) -> list[str]:
        status, _, body = self.api(f"{repository}/tags/list")
        return sorted(json.loads(body).get("tags") or []) if status == 200 else []

    def digest(self, repository: str, tag: str) -> str | None:
        status, headers, _ = self.api(f"{repository}/manifests/{tag}", method="HEAD", accept=MANIFEST_TYPES)
        return headers.get("Docker-Content-Digest") if status == 200 else None

    def snapshot(self, prefix: str) -> dict[str, str]:
        """`repository:tag` → manifest digest, for every image under `prefix/`."""
        return {f"{repo}:{tag}": self.digest(repo, tag) or ""
                for repo in self.repositories(prefix) for tag in self.tags(repo)}
