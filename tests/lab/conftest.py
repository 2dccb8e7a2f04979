"""A real JupyterLab server on the learner's workspace, configured as `cpin lab open` configures it."""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import workspace
from grader.cluster.processes import free_port


@dataclass
class LabServer:
    url: str
    token: str
    lab: Path
    log: Path

    def get(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def json(self, path: str) -> dict:
        status, body = self.get(path)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)


@pytest.fixture(scope="session")
def learner_lab(tmp_path_factory) -> Path:
    lab = tmp_path_factory.mktemp("espace-apprenant")
    workspace.prepare(lab)
    return lab


@contextlib.contextmanager
def _serve(lab: Path, env: dict[str, str], log: Path):
    port, token = free_port(), secrets.token_hex(16)
    argv = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={lab}"]
    if os.geteuid() == 0:
        argv.append("--allow-root")    # CI runs as root
    with open(log, "w") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", token, lab, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if server.get("/api/status")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def lab_server(learner_lab, tmp_path_factory):
    """JupyterLab on the workspace, with the learner's configuration (no cluster)."""
    env = {**os.environ, **workspace.configure(learner_lab)}
    with _serve(learner_lab, env, tmp_path_factory.mktemp("jupyter") / "jupyter.log") as server:
        yield server


@pytest.fixture(scope="module")
def lab_server_on_cluster(local_cluster, tmp_path_factory):
    """The same, on a fresh workspace whose kernels use the session's local cluster."""
    lab = tmp_path_factory.mktemp("espace-cluster")
    workspace.prepare(lab)
    env = {**os.environ, **workspace.configure(lab), **local_cluster.env()}
    with _serve(lab, env, tmp_path_factory.mktemp("jupyter") / "jupyter.log") as server:
        yield server
