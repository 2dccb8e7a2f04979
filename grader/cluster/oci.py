"""OCI image archives written from plain tar layers, with no registry and no Docker.

The real node's runtime (containerd) imports them with `ctr images import`: the pause image (Debian's
static catatonit), the kit's base images (the debootstrap rootfs of `grader.images`) and the demo app
(that rootfs plus one layer with the app) exist on an offline machine without any engine.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

LAYER = "application/vnd.oci.image.layer.v1.tar"
CONFIG = "application/vnd.oci.image.config.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"


@dataclass(frozen=True)
class Image:
    """What a container runs: a name, its layers (uncompressed tar files, base first) and its config."""
    ref: str                                   # e.g. "cpin.local/pause:1"
    layers: tuple[Path, ...]
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[str, ...] = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",)
    user: str = ""
    workdir: str = ""
    ports: tuple[int, ...] = ()
    labels: dict = field(default_factory=dict)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def config(image: Image, diff_ids: list[str]) -> dict:
    """The image config (pure): what `docker inspect` calls Config, plus the rootfs diff ids."""
    body: dict = {"Env": list(image.env)}
    for key, value in (("Entrypoint", list(image.entrypoint)), ("Cmd", list(image.cmd)),
                       ("User", image.user), ("WorkingDir", image.workdir), ("Labels", dict(image.labels))):
        if value:
            body[key] = value
    if image.ports:
        body["ExposedPorts"] = {f"{port}/tcp": {} for port in image.ports}
    return {"architecture": "amd64", "os": "linux", "config": body,
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{d}" for d in diff_ids]},
            "created": "1970-01-01T00:00:00Z"}


def write_archive(image: Image, target: Path) -> Path:
    """Write `image` as an OCI image-layout tar that `ctr images import` reads; returns `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    with tarfile.open(partial, "w") as tar:
        def add_bytes(name: str, payload: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))

        def add_blob(payload: bytes, media_type: str) -> dict:
            digest = hashlib.sha256(payload).hexdigest()
            add_bytes(f"blobs/sha256/{digest}", payload)
            return {"mediaType": media_type, "digest": f"sha256:{digest}", "size": len(payload)}

        layers = []
        for layer in image.layers:
            digest = _sha256_file(layer)
            tar.add(layer, arcname=f"blobs/sha256/{digest}")
            layers.append({"mediaType": LAYER, "digest": f"sha256:{digest}", "size": layer.stat().st_size})
        cfg = add_blob(json.dumps(config(image, [d["digest"][7:] for d in layers])).encode(), CONFIG)
        manifest = add_blob(json.dumps({"schemaVersion": 2, "mediaType": MANIFEST, "config": cfg,
                                        "layers": layers}).encode(), MANIFEST)
        manifest["annotations"] = {"io.containerd.image.name": image.ref,
                                   "org.opencontainers.image.ref.name": image.ref.rsplit(":", 1)[-1]}
        add_bytes("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        add_bytes("index.json", json.dumps({"schemaVersion": 2, "mediaType": INDEX,
                                            "manifests": [manifest]}).encode())
    partial.replace(target)
    return target


def files_layer(files: dict[str, tuple[bytes, int]], target: Path, *, owner: tuple[int, int] = (0, 0)) -> Path:
    """A layer tar holding `files` (path in the image → (content, mode)), parent directories included."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w") as tar:
        seen: set[str] = set()
        for name in sorted(files):
            parts = name.strip("/").split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if directory not in seen:
                    seen.add(directory)
                    info = tarfile.TarInfo(directory)
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
            content, mode = files[name]
            info = tarfile.TarInfo("/".join(parts))
            info.size, info.mode = len(content), mode
            info.uid, info.gid = owner
            tar.addfile(info, io.BytesIO(content))
    return target
