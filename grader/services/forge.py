"""The forge: bare git repositories served by `git daemon` on 127.0.0.1.

Stands in for the platform's GitLab as a *git host*: the learner's repositories `<projet>/<app>`
(later `<projet>/<app>-infra`) and the CI catalogue `cpin/gitlab-ci-catalog`, written by the kit.
Subset implemented: clone, fetch and push over `git://` (receive-pack enabled, no authentication:
loopback only). No web UI, no merge requests, no mirror project; pipelines are run by `cpin ci run`,
not triggered by a push.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from grader.errors import InputError, ToolFailed, ToolMissing
from grader.services.base import HOST, Service, tcp_open

CATALOG_PATH = "cpin/gitlab-ci-catalog"
CATALOG_SOURCE = Path(__file__).with_name("catalogue")
SLUG = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
KIT_AUTHOR = ["-c", "user.name=cpin", "-c", "user.email=cpin@kit.local"]


def git(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 60) -> str:
    command = ["git", *args]
    try:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as error:
        raise ToolMissing("git est introuvable.", hint_fr="Installez git (paquet Debian git).") from error
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"git {args[0]} n'a pas répondu en {timeout:.0f} s.", command=command,
                         output=str(error.stderr or "")) from error
    if proc.returncode != 0:
        raise ToolFailed(f"git {args[0]} a échoué (code {proc.returncode}).", command=command,
                         output=proc.stderr + proc.stdout)
    return proc.stdout


def check_slug(value: str, what: str) -> str:
    if not SLUG.match(value or ""):
        raise InputError(f"Nom de {what} invalide : « {value} ».",
                         hint_fr="Minuscules, chiffres et tirets, sans tiret au début ni à la fin "
                                 "(comme les noms de projets de la console).")
    return value


class Forge(Service):
    name = "forge"
    stands_for = "GitLab (dépôts git)"
    subset = "clone, fetch et push en git:// ; dépôts <projet>/<app> et catalogue CI ; pas d'interface web"

    @property
    def repos(self) -> Path:
        return self.root / "repos"

    def argv(self, port: int) -> list[str]:
        git_bin = shutil.which("git")
        if git_bin is None:
            raise ToolMissing("git est introuvable.", hint_fr="Installez git (paquet Debian git).")
        return [git_bin, "daemon", "--reuseaddr", f"--listen={HOST}", f"--port={port}",
                f"--base-path={self.repos}", "--export-all", "--enable=receive-pack",
                "--informative-errors", str(self.repos)]

    def prepare(self, port: int) -> None:
        self.repos.mkdir(parents=True, exist_ok=True)
        publish_catalogue(self)

    def probe(self, port: int) -> tuple[bool, str]:
        if not tcp_open(port):
            return False, f"port {port} fermé"
        try:
            git("ls-remote", self.url(CATALOG_PATH), "HEAD", timeout=5)
        except ToolFailed as error:
            return False, error.output.strip()[-200:]
        return True, f"git://{HOST}:{port}/"

    # ------------------------------------------------------------------ repositories
    def url(self, path: str) -> str:
        return f"git://{HOST}:{self.port}/{path}.git"

    def bare(self, path: str) -> Path:
        return self.repos / f"{path}.git"

    def ensure_repo(self, project: str, app: str) -> str:
        """Create the bare repository `<project>/<app>` if needed (the console's gesture); its URL."""
        path = f"{check_slug(project, 'projet')}/{check_slug(app, 'dépôt')}"
        bare = self.bare(path)
        if not (bare / "HEAD").exists():
            bare.parent.mkdir(parents=True, exist_ok=True)
            git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
            git("config", "uploadpack.allowFilter", "true", cwd=bare)
        return self.url(path)


def publish_catalogue(forge: Forge) -> bool:
    """Write the kit's CI catalogue into its bare repository; commit only when it changed."""
    bare = forge.bare(CATALOG_PATH)
    if not (bare / "HEAD").exists():
        bare.parent.mkdir(parents=True, exist_ok=True)
        git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
        git("config", "uploadpack.allowFilter", "true", cwd=bare)
    with tempfile.TemporaryDirectory(prefix="cpin-catalogue-") as tmp:
        work = Path(tmp)
        git("init", "--quiet", "--initial-branch=main", str(work))
        if _has_head(bare):
            git("fetch", "--quiet", str(bare), "main", cwd=work)
            git("reset", "--quiet", "--hard", "FETCH_HEAD", cwd=work)
        for source in sorted(CATALOG_SOURCE.iterdir()):
            shutil.copyfile(source, work / source.name)
        git("add", "-A", cwd=work)
        if not git("status", "--porcelain", cwd=work).strip():
            return False
        git(*KIT_AUTHOR, "commit", "--quiet", "-m", "Catalogue CI du kit", cwd=work)
        git("push", "--quiet", str(bare), "HEAD:main", cwd=work)
    return True


def _has_head(bare: Path) -> bool:
    proc = subprocess.run(["git", "--git-dir", str(bare), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
                          capture_output=True, text=True)
    return proc.returncode == 0
