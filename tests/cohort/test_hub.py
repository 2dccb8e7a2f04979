"""A real JupyterHub (PyPI `jupyterhub`, npm `configurable-http-proxy`) on 127.0.0.1, three learners.

The cohort is provisioned on the local control plane; the hub runs `deploy/jupyterhub/jupyterhub_config.py`.
Each learner's server is started through the hub's API; in a kernel of that server the learner applies the
solution of `intro-configmap` and runs `check()` (full marks, in their own namespace), then tries to read,
change and delete the other learners' objects with the credentials the server was given: every attempt is
refused; and `nbgrader list` sees the module the trainer released in the shared exchange. At the end the hub is stopped and no process it started is left.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from grader import cohort
from grader.cluster.processes import free_port
from grader.config import REPO_ROOT
from grader.course.fence import Admin
from grader.kube.client import Kube

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
COHORT = "hub"
LEARNERS = ("dora", "eli", "fanny")   # not test_cohort.py's learners: their namespaces may still be terminating
CONFIG = REPO_ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
SOLUTION = REPO_ROOT / "exercises" / "00-prise-en-main" / "intro-configmap" / "solution" / "configmap.yaml"

KERNEL_CODE = '''
import json, os, pathlib, shutil
from grader.api import apply, check
from grader.cluster import guard
from grader.errors import ApiFailure
from grader.kube.client import Kube
work = pathlib.Path(os.environ["CPIN_LAB_DIR"]) / "00-prise-en-main"
(work / "intro-configmap").mkdir(parents=True, exist_ok=True)
shutil.copy({solution!r}, work / "intro-configmap" / "configmap.yaml")
apply(work / "intro-configmap" / "configmap.yaml", exercise="intro-configmap")
report = check("intro-configmap", work_dir=work)
kube = Kube(guard.resolve().api_client())
verdicts = {{}}
intrus = {{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": "bienvenue-cm"}}, "data": {{"PRENOM": "x"}}}}
for other in {others!r}:
    ns = "cpin-" + other + "-00-prise-en-main"
    attempts = {{"lire": lambda ns=ns: kube.get("ConfigMap", "bienvenue-cm", ns),
                "lister": lambda ns=ns: kube.list("ConfigMap", ns),
                "ecrire": lambda ns=ns: kube.apply(intrus, ns),
                "supprimer": lambda ns=ns: kube.delete("ConfigMap", "bienvenue-cm", ns),
                "espaces": lambda: kube.list("Namespace")}}
    for what, call in attempts.items():
        try:
            call()
            verdicts[other + "/" + what] = "réussi"
        except ApiFailure as error:
            verdicts[other + "/" + what] = error.status
import subprocess, sys
listing = subprocess.run([str(pathlib.Path(sys.executable).parent / "nbgrader"), "list"], capture_output=True, text=True,
                         cwd=os.environ["CPIN_LAB_DIR"], timeout=120)
print("RESULT " + json.dumps({{"exchange": listing.stdout + listing.stderr, "points": report.points, "max": report.max_points, "learner": os.environ["CPIN_LEARNER"],
                               "backend": os.environ["CPIN_BACKEND"], "target": guard.resolve().backend,
                               "verdicts": verdicts}}))
'''


def marked_pids(marker: str) -> list[int]:
    """Processes whose environment carries `marker` (the hub, its proxy, servers and kernels)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


class Hub:
    def __init__(self, url: str, token: str):
        self.url, self.token = url, token

    def call(self, method: str, path: str, body: dict | None = None, *, timeout: float = 30):
        import urllib.request
        request = urllib.request.Request(self.url + path, method=method, data=json.dumps(body or {}).encode()
                                         if method != "GET" else None,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text else None

    def wait(self, predicate, what: str, timeout: float = 180):
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = predicate()
                if value:
                    return value
            except OSError:
                pass
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.5)

    def execute(self, user: str, code: str, timeout: float = 180) -> str:
        """Run `code` in a new kernel of `user`'s server (through the proxy); its stdout."""
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        _, kernel = self.call("POST", f"/user/{user}/api/kernels", {"name": "python3"})

        async def run() -> str:
            ws_url = self.url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel['id']}/channels"
            conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {self.token}"}))
            msg_id = uuid.uuid4().hex
            conn.write_message(json.dumps({
                "header": {"msg_id": msg_id, "username": user, "session": uuid.uuid4().hex, "msg_type": "execute_request",
                           "version": "5.3"}, "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                            "allow_stdin": False}}))
            out = []
            while True:
                raw = await asyncio.wait_for(conn.read_message(), timeout)
                assert raw is not None, "kernel channel closed"
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind == "stream":
                    out.append(msg["content"]["text"])
                elif kind == "error":
                    out.append("\n".join(msg["content"]["traceback"]))
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    conn.close()
                    return "".join(out)
        try:
            return asyncio.run(run())
        finally:
            self.call("DELETE", f"/user/{user}/api/kernels/{kernel['id']}")


@pytest.fixture(scope="module")
def hub(local_cluster, tmp_path_factory, need_tools):
    need_tools("configurable-http-proxy")
    root = tmp_path_factory.mktemp("hub")
    roster = root / "apprenants.txt"
    roster.write_text("\n".join(LEARNERS) + "\n")
    admin = Admin(local_cluster.kubeconfig, local_cluster.context)
    cohort.provision(admin, COHORT, list(LEARNERS), root / "acces", days=1)
    marker = f"cpin-hub-test-{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    port = free_port()
    (root / "etat").mkdir()
    released = root / "echange" / "cpin-autoformation" / "outbound" / "00-prise-en-main"   # as release_assignment does
    released.mkdir(parents=True)
    (released / "00-prise-en-main.ipynb").write_text("{}")
    (root / "echange").chmod(0o777)
    env = {**os.environ, "CPIN_HUB_RUN": marker, "CPIN_HUB_USERS": str(roster), "CPIN_HUB_ACCESS": str(root / "acces"),
           "CPIN_HUB_HOMES": str(root / "homes"), "CPIN_HUB_EXCHANGE": str(root / "echange"), "CPIN_HUB_DIR": str(root / "etat"), "CPIN_HUB_COHORT": COHORT,
           "CPIN_HUB_PASSWORD": uuid.uuid4().hex, "CPIN_HUB_TOKEN": token, "CPIN_HUB_PORT": str(port),
           "CPIN_HUB_API_PORT": str(free_port()), "CPIN_HUB_PROXY_API_PORT": str(free_port()),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("KUBECONFIG", None)
    log = (root / "hub.log").open("w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(CONFIG)], cwd=root / "etat",
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    client = Hub(f"http://127.0.0.1:{port}", token)
    try:
        client.wait(lambda: proc.poll() is None and client.call("GET", "/hub/api/")[0] == 200
                    or proc.poll() is not None, "the hub to answer", timeout=120)
        assert proc.poll() is None, (root / "hub.log").read_text()[-3000:]
        yield client, proc, marker, local_cluster, root
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
        for pid in marked_pids(marker):          # only what this test started (its marker)
            os.kill(pid, signal.SIGKILL)
        cohort.revoke(admin, COHORT, out_dir=root / "acces")
        log.close()
        print("hub log:\n" + "".join(line for line in (root / "hub.log").open(errors="replace") if "GET /hub/api/users/" not in line)[-8000:])  # on failure


def test_three_learners_each_check_in_their_own_namespace_and_no_further(hub):
    client, proc, marker, cluster, root = hub
    for user in LEARNERS:
        status, _ = client.call("POST", f"/hub/api/users/{user}/server", timeout=120)
        assert status in (201, 202)
    for user in LEARNERS:
        client.wait(lambda user=user: (client.call("GET", f"/hub/api/users/{user}")[1]["servers"].get("") or {})
                    .get("ready"), f"{user}'s server", timeout=float(os.environ.get("CPIN_TEST_HUB_TIMEOUT", 300)))
    results = {}
    for user in LEARNERS:
        others = [u for u in LEARNERS if u != user]
        out = client.execute(user, KERNEL_CODE.format(solution=str(SOLUTION), others=others))
        line = next((l for l in out.splitlines() if l.startswith("RESULT ")), None)
        assert line, out[-3000:]
        results[user] = json.loads(line[len("RESULT "):])
    for user, result in results.items():
        assert (result["learner"], result["backend"], result["target"]) == (user, "existing", "existing")
        assert result["points"] == result["max"] > 0, result
        assert set(result["verdicts"].values()) == {403}, result["verdicts"]
        assert "cpin-autoformation 00-prise-en-main" in result["exchange"], result["exchange"]   # nbgrader exchange
    # each learner's object is in their own namespace, untouched by the others
    admin = Kube(cluster.api_client)
    for user in LEARNERS:
        cm = admin.get("ConfigMap", "bienvenue-cm", f"cpin-{user}-00-prise-en-main")
        assert cm is not None and cm["data"]["PRENOM"] != "x"
        assert (root / "homes" / user / "cpin-autoformation" / "00-prise-en-main").is_dir()   # the workspace

    # stop everything: servers, then the hub (which stops its proxy); nothing of this run is left
    for user in LEARNERS:
        client.call("DELETE", f"/hub/api/users/{user}/server")
    client.wait(lambda: all(not client.call("GET", f"/hub/api/users/{u}")[1]["servers"] for u in LEARNERS),
                "the servers to stop", timeout=120)
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    deadline = time.monotonic() + 30
    while marked_pids(marker) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert marked_pids(marker) == []
