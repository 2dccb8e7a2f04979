"""JupyterHub for a cohort, on this machine (loopback only): the kit's tested local configuration.

Every learner of the roster logs in with the shared password; their server is a local process whose
environment points the kit at the shared cluster with their own fenced kubeconfig (see `grader.hub`).
Provision the cohort first (`cpin cohort provision --out ACCESS …`), then:

    CPIN_HUB_USERS=apprenants.txt CPIN_HUB_ACCESS=ACCESS CPIN_HUB_COHORT=NOM CPIN_HUB_HOMES=/srv/cpin \
    CPIN_HUB_PASSWORD=… jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

Variables: CPIN_HUB_PORT (8000), CPIN_HUB_API_PORT (8081), CPIN_HUB_PROXY_API_PORT (8001), CPIN_HUB_DIR
(the hub's own state, default: the current folder), CPIN_HUB_TOKEN (an admin service token, for scripts),
CPIN_HUB_WORKSPACE (0: no workspace copy, for load tests), CPIN_HUB_EXCHANGE (the nbgrader exchange folder shared
by the trainer and every learner, for release/collect). All learners' servers run as the hub's Unix
user here: the fence is the cluster's RBAC, not the file system; on Kubernetes (values.yaml) each server
is its own pod and sees only its own kubeconfig.
"""
import asyncio
import os
import sys
from pathlib import Path

from grader import cohort, hub, tools

c = get_config()  # noqa: F821 - provided by JupyterHub

env = os.environ
users = cohort.read_roster(Path(env["CPIN_HUB_USERS"]))
access = Path(env["CPIN_HUB_ACCESS"])
homes = Path(env["CPIN_HUB_HOMES"])
state = Path(env.get("CPIN_HUB_DIR", "."))
context = cohort.context_name(env["CPIN_HUB_COHORT"])

c.JupyterHub.bind_url = f"http://127.0.0.1:{env.get('CPIN_HUB_PORT', '8000')}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{env.get('CPIN_HUB_API_PORT', '8081')}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env.get('CPIN_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(tools.find("configurable-http-proxy"))]
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = env["CPIN_HUB_PASSWORD"]
c.Authenticator.allowed_users = set(users)
if env.get("CPIN_HUB_TOKEN"):
    c.JupyterHub.services = [{"name": "cpin-formateur", "api_token": env["CPIN_HUB_TOKEN"]}]
    c.JupyterHub.load_roles = [{"name": "cpin-formateur", "services": ["cpin-formateur"],
                                "scopes": ["admin:users", "admin:servers", "access:servers", "tokens"]}]

c.JupyterHub.spawner_class = "simple"
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
if os.geteuid() == 0:                     # a CI machine: the servers run as the hub's user, root
    c.Spawner.args = ["--allow-root"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.SimpleLocalProcessSpawner.home_dir_template = str(homes / "{username}")


def prepare(spawner):
    """The learner's home, workspace (module 00 and the course, answers kept) and environment."""
    name = spawner.user.name
    home = homes / name
    home.mkdir(parents=True, exist_ok=True)
    learner = hub.learner_environment(name, home=home, kubeconfig=access / name / "kubeconfig", context=context,
                                      workspace=env.get("CPIN_HUB_WORKSPACE", "1") != "0",
                                      exchange=Path(env["CPIN_HUB_EXCHANGE"]) if env.get("CPIN_HUB_EXCHANGE") else None)
    spawner.environment = {**spawner.environment, **learner}   # a copy: the configured dict is shared
    spawner.notebook_dir = str(home / "cpin-autoformation") if env.get("CPIN_HUB_WORKSPACE", "1") != "0" else str(home)


async def pre_spawn_hook(spawner):
    # The first workspace takes seconds to write: in a thread, so that the hub keeps answering everyone else.
    await asyncio.get_running_loop().run_in_executor(None, prepare, spawner)


c.Spawner.pre_spawn_hook = pre_spawn_hook
