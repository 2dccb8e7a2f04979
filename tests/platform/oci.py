"""Push a one-layer OCI image to the kit's registry over its HTTP API (no Docker engine needed):
for tests of what reads images from the registry (the Trivy scan job, registry checks).

Also a script, for a pipeline job standing in for a build-push without Docker:
`python3 oci.py HOST REPOSITORY TAG LAYER.tar` with the registry credentials of DOCKER_AUTH."""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request
import zipfile
from pathlib import Path


def layer_from_wheel(wheel: Path, prefix: str = "app/venv/lib/python3.11/site-packages/") -> bytes:
    """A tar layer holding a wheel installed the way pip lays it out (a wheel is a zip of that tree)."""
    out = io.BytesIO()
    with zipfile.ZipFile(wheel) as archive, tarfile.open(fileobj=out, mode="w") as tar:
        for name in archive.namelist():
            data = archive.read(name)
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def layer_from_dir(root: Path, prefix: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                tar.add(path, arcname=prefix + str(path.relative_to(root)))
    return out.getvalue()


def push(host: str, repository: str, tag: str, layer_tar: bytes, data_dir: Path | None = None,
         auth: str | None = None) -> str:
    """Push the image (as the kit's admin unless `auth` is given); its manifest digest."""
    if auth is None:
        from grader.services import secrets
        user, password = secrets.account(secrets.ADMIN, data_dir)
        auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def call(method: str, url: str, body: bytes = b"", content_type: str = "application/octet-stream"):
        request = urllib.request.Request(url if url.startswith("http") else f"http://{host}{url}",
                                         data=body if method in ("PUT", "POST") else None, method=method)
        request.add_header("Authorization", auth)
        request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers

    def blob(data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        location = call("POST", f"/v2/{repository}/blobs/uploads/")["Location"]
        separator = "&" if "?" in location else "?"
        call("PUT", f"{location}{separator}digest={digest}", data)
        return digest

    layer = gzip.compress(layer_tar, mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]}
                         }).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": blob(layer),
                    "size": len(layer)}]}).encode()
    headers = call("PUT", f"/v2/{repository}/manifests/{tag}", manifest, "application/vnd.oci.image.manifest.v1+json")
    return headers["Docker-Content-Digest"]


if __name__ == "__main__":
    host, repository, tag, layer = sys.argv[1:5]
    entry = json.loads(os.environ["DOCKER_AUTH"])["auths"][host]
    digest = push(host, repository, tag, Path(layer).read_bytes(), auth="Basic " + entry["auth"])
    print(f"pushed {host}/{repository}:{tag} {digest}")
