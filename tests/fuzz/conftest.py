"""The fuzz suite's nasty inputs that cannot live in git: devices, FIFOs, deep and long folders, big files."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"


def _long_path_folder(root: Path) -> Path:
    """A folder whose full path is longer than PATH_MAX, built with relative calls."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(25):
            os.mkdir("y" * 200, dir_fd=fd)
            new = os.open("y" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        with os.fdopen(os.open("cm.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: loin}\n")
    finally:
        try:
            os.close(fd)
        except OSError:
            pass
    return root


@pytest.fixture(scope="session")
def made(tmp_path_factory) -> dict[str, str]:
    """name → path of the generated nasty inputs."""
    root = tmp_path_factory.mktemp("nasty")
    out: dict[str, str] = {"dev-null": "/dev/null", "dev-zero": "/dev/zero", "chemin-vide": ""}
    os.mkfifo(root / "tube.yaml")
    out["fifo"] = str(root / "tube.yaml")
    folder = root / "dossier-avec-tube"
    folder.mkdir()
    os.mkfifo(folder / "deploy.yaml")
    out["dossier-fifo"] = str(folder)
    deep = root / "profond"
    here = deep
    for _ in range(120):
        here = here / "d"
    here.mkdir(parents=True)
    (here / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: profond}\n")
    out["dossier-profond"] = str(deep)
    long_root = root / "long"
    long_root.mkdir()
    out["chemin-long"] = str(_long_path_folder(long_root))
    out["nom-trop-long"] = str(root / ("z" * 300 + ".yaml"))
    for pattern, name in ((">a", "redirections"), ("curl ", "curl"), ("touch ", "touch"), ("$((1<<2)) ", "arith")):
        (root / f"Dockerfile.{name}").write_text(f"FROM alpine:3.20\nUSER 1001\nCMD {pattern * (200_000 // len(pattern))}\n")
        out[f"ligne-200k-{name}"] = str(root / f"Dockerfile.{name}")
    ci = root / "ci"
    ci.mkdir()
    (ci / ".gitlab-ci-dso.yml").write_text("build:\n  script:\n    - " + repr("curl " * 40_000) + "\n")
    out["ci-ligne-200k"] = str(ci / ".gitlab-ci-dso.yml")
    items = "".join(f"- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c{i}\n" for i in range(5000))
    (root / "liste-5000.yaml").write_text("apiVersion: v1\nkind: List\nitems:\n" + items)
    out["liste-5000"] = str(root / "liste-5000.yaml")
    (root / "gros.yaml").write_text("a: " + "x" * (5 * 2**20) + "\n")
    out["gros"] = str(root / "gros.yaml")
    return out
