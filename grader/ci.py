"""`cpin ci run`: the learner's `.gitlab-ci-dso.yml` really runs, as on the platform's secondary chain.

The learner's repository is committed (pending changes), pushed to the forge as `<projet>/<app>`,
cloned back from the forge into a work directory, and its pipeline is run there by
gitlab-ci-local (npm, pinned in `grader/tools.py`) with every job on the host
(`--force-shell-executor`, `--shell-isolation`). `include: project: $CATALOG_PATH` is fetched from
the forge through a git `insteadOf` rewrite scoped to the catalogue only. The platform-injected
variables (`CATALOG_PATH`, `VAULT_SERVER_URL`) are passed; gitlab-ci-local computes the
`CI_COMMIT_*` ones from the clone, as GitLab does.

Each pipeline's result (jobs in order, status, durations, logs, images pushed with their digest)
is written as JSON under `<data dir>/ci/<projet>/<app>/pipelines/` for checks to read.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

from grader import ci_artifacts, scan, tools
from grader.config import settings
from grader.errors import CpinError, InputError, ToolFailed
from grader.services import ServiceFailed, get
from grader.services.forge import CATALOG_PATH, CATALOG_SOURCE, check_slug, git, publish_catalogue
from grader.services.secrets import store_path

CI_FILE = ".gitlab-ci-dso.yml"
GITLAB_HOST = "gitlab.cpin.local"          # the forge's name in `gcl-origin`, as GitLab's would be
DEFAULT_TIMEOUT = 900.0
SUMMARY = re.compile(r"^ (PASS|FAIL|WARN) +(\S+)")
FINISHED = re.compile(r"^(\S+)\s+finished in ([\d.]+) (ms|s|min)")
STARTING = re.compile(r"^(\S+)\s+starting ")


@dataclass
class Job:
    name: str
    stage: str
    status: str                 # success | failed | allowed_failure | not_run
    allow_failure: bool = False
    seconds: float | None = None
    log: str = ""               # path of the job's log


@dataclass
class Pipeline:
    id: int
    project: str
    app: str
    repo: str
    branch: str
    commit_sha: str
    short_sha: str
    ref_slug: str
    status: str = "running"     # success | failed | timeout
    started: float = 0.0
    seconds: float = 0.0
    jobs: list[Job] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)   # {repository, tag, digest, reference}
    artifacts: dict[str, list[str]] = field(default_factory=dict)  # job → files kept (absolute paths)
    problems: list[str] = field(default_factory=list)  # French diagnostics of failed jobs

    def to_dict(self) -> dict:
        return asdict(self)


def ref_slug(ref: str) -> str:
    """GitLab's CI_COMMIT_REF_SLUG: lowercase, non-alphanumerics → '-', at most 63, no edge '-'."""
    return re.sub(r"[^a-z0-9]", "-", ref.lower())[:63].strip("-")


def slug(value: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", value.lower())).strip("-")[:63] or "app"


def pipelines_dir(project: str, app: str) -> Path:
    return settings().data_dir / "ci" / project / app / "pipelines"


def last_pipeline(project: str, app: str) -> dict | None:
    """The last pipeline's result as written by `run`, or None (what checks read)."""
    try:
        return json.loads((pipelines_dir(project, app) / "latest.json").read_text())
    except (FileNotFoundError, ValueError):
        return None


# ---------------------------------------------------------------- the learner's file

class _GitLabLoader(yaml.SafeLoader):
    """Safe YAML plus GitLab's `!reference [job, key]` tag."""


_GitLabLoader.add_constructor("!reference", lambda loader, node: loader.construct_sequence(node))


def read_ci_file(path: Path) -> dict:
    """The pipeline file, parsed; InputError in French with line and column on a YAML error."""
    if not path.is_file():
        raise InputError(f"Fichier {CI_FILE} absent de {path.parent}.",
                         hint_fr="Le pipeline de la plateforme se lit dans .gitlab-ci-dso.yml, à la racine du dépôt.")
    from grader.files import read_text
    from grader.yamlload import safe_load
    data = safe_load(read_text(path, shown=CI_FILE), CI_FILE, loader=_GitLabLoader)   # bounded, French errors
    if not isinstance(data, dict):
        raise InputError(f"{CI_FILE} doit contenir un dictionnaire de jobs (il est vide ou n'est qu'une valeur).")
    return data


def catalogue_templates() -> dict[str, str]:
    """Template name → catalogue file, from the files the kit publishes."""
    found = {}
    for path in sorted(CATALOG_SOURCE.glob("*.yml")):
        for key in yaml.safe_load(path.read_text()) or {}:
            if key.startswith("."):
                found[key] = path.name
    return found


# ---------------------------------------------------------------- the learner's repository

def _commit_pending(repo: Path) -> str:
    """Commit pending changes (nothing is lost); the branch name. InputError on a repo with no commit."""
    try:
        top = Path(git("rev-parse", "--show-toplevel", cwd=repo).strip())
    except ToolFailed as error:
        raise InputError(f"{repo} n'est pas un dépôt git.",
                         hint_fr="Créez-le : `git init -b main`, puis un premier commit.") from error
    if top.resolve() != repo.resolve():
        raise InputError(f"{repo} n'est pas la racine de son dépôt git ({top}).",
                         hint_fr=f"Donnez la racine : --repo {top}")
    if subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=repo,
                      capture_output=True).returncode != 0:
        raise InputError(f"Le dépôt {repo} n'a encore aucun commit.",
                         hint_fr="Faites un premier commit : `git add . && git commit -m \"premier commit\"`.")
    if git("status", "--porcelain", cwd=repo).strip():
        git("add", "-A", cwd=repo)
        identity = [] if _has_identity(repo) else ["-c", "user.name=apprenant", "-c", "user.email=apprenant@cpin.local"]
        git(*identity, "commit", "--quiet", "-m", "cpin ci run : modifications en cours", cwd=repo)
    branch = git("rev-parse", "--abbrev-ref", "HEAD", cwd=repo).strip()
    return "main" if branch == "HEAD" else branch


def _has_identity(repo: Path) -> bool:
    return all(subprocess.run(["git", "config", key], cwd=repo, capture_output=True).returncode == 0
               for key in ("user.name", "user.email"))


def _workdir(url: str, project: str, app: str, branch: str, root: Path) -> Path:
    """A fresh clone of the forge's copy, with the GitLab-like `gcl-origin` gitlab-ci-local reads."""
    work = root / "work"
    shutil.rmtree(work, ignore_errors=True)
    git("clone", "--quiet", "--branch", branch, url, str(work))
    git("remote", "add", "gcl-origin", f"https://{GITLAB_HOST}/{project}/{app}.git", cwd=work)
    git("config", "user.name", "cpin-ci", cwd=work)
    git("config", "user.email", "ci@cpin.local", cwd=work)
    return work


def _gitconfig(root: Path, forge_port: int) -> Path:
    """Rewrite only the catalogue's URLs to the forge (a whole-host rewrite breaks the remote's parsing)."""
    path = root / "gitconfig"
    target = f"git://127.0.0.1:{forge_port}/{CATALOG_PATH}"
    path.write_text(f'[url "{target}"]\n'
                    f"\tinsteadOf = https://{GITLAB_HOST}:443/{CATALOG_PATH}\n"
                    f"\tinsteadOf = https://{GITLAB_HOST}/{CATALOG_PATH}\n")
    return path


# ---------------------------------------------------------------- running

def run(repo_dir: Path | str, *, project: str | None = None, app: str | None = None,
        timeout: float = DEFAULT_TIMEOUT, log=print) -> Pipeline:
    """Commit, push to the forge and run the repository's pipeline; the result is also written as JSON.

    Raises InputError (file, repository, template) or ServiceFailed (forge or registry down) before
    running; a pipeline that runs and fails returns with status `failed` (or `timeout`)."""
    repo = Path(repo_dir).expanduser().resolve()
    if not repo.is_dir():
        raise InputError(f"Le dossier {repo} n'existe pas.")
    project = check_slug(project or slug(settings().learner), "projet")
    app = check_slug(app or slug(repo.name), "dépôt")
    read_ci_file(repo / CI_FILE)
    forge, registry = get("forge"), get("registry")
    for service in (forge, registry):
        if not service.running() or not service.probe(service.port)[0]:
            raise ServiceFailed(f"Le service {service.name} ({service.stands_for}) est arrêté : "
                                f"impossible de lancer le pipeline.", hint_fr="Démarrez-le : `cpin platform up`.")
    gitlab_ci_local = tools.find("gitlab-ci-local")
    branch = _commit_pending(repo)

    root = settings().data_dir / "ci" / project / app
    root.mkdir(parents=True, exist_ok=True)
    publish_catalogue(forge)
    url = forge.ensure_repo(project, app)
    registry.project_secret(project)
    git("push", "--quiet", "--force", url, f"HEAD:refs/heads/{branch}", cwd=repo)
    work = _workdir(url, project, app, branch, root)
    sha = git("rev-parse", "HEAD", cwd=work).strip()
    pipeline = Pipeline(_next_id(project, app), project, app, str(repo), branch, sha, sha[:8], ref_slug(branch),
                        started=time.time())
    log(f"Pipeline n° {pipeline.id} de {project}/{app} sur {branch} ({pipeline.short_sha})…")

    before = registry.snapshot(project)
    command = [str(gitlab_ci_local), "--file", CI_FILE, "--force-shell-executor", "--shell-isolation",
               "--no-color", "--home", str(root / "home"),
               "--variable", f"CATALOG_PATH={CATALOG_PATH}",
               "--variable", f"VAULT_SERVER_URL=file://{store_path()}"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(_gitconfig(root, forge.port)), "GIT_TERMINAL_PROMPT": "0",
           **scan.runner_env()}
    env.pop("DOCKER_CONFIG", None)
    for name in ("FORCE_COLOR", "CLICOLOR_FORCE"):   # set by Jupyter's kernel: would colour the job summary
        env.pop(name, None)
    output, timed_out = _stream(command, env, work, timeout, log)
    pipeline.seconds = round(time.time() - pipeline.started, 2)

    summary = {m.group(2): m.group(1) for m in map(SUMMARY.match, output) if m}
    if not summary and not timed_out:
        _raise_config_error(output)
    pipeline.jobs = _jobs(work, output, summary, root)
    pipeline.artifacts = ci_artifacts.keep(work, root / "artifacts" / str(pipeline.id),
                                           [j.name for j in pipeline.jobs])
    after = registry.snapshot(project)
    pushed = {ref for ref, digest in after.items() if digest and before.get(ref) != digest}
    pushed |= {ref for ref in _pushed_in_logs(pipeline.jobs, registry.address) if after.get(ref)}
    pipeline.images = [_image(registry.address, ref, after[ref]) for ref in sorted(pushed)]
    failed = [j for j in pipeline.jobs if j.status == "failed"]
    pipeline.status = "timeout" if timed_out else ("failed" if failed else "success")
    if timed_out:
        running = [j.name for j in pipeline.jobs if j.status == "running"] or ["?"]
        pipeline.problems.append(f"Délai dépassé : le pipeline a été arrêté après {timeout:.0f} s "
                                 f"(job en cours : {', '.join(running)}).")
    pipeline.problems += [p for j in failed for p in _diagnose(j, registry.address)]
    _save(pipeline)
    return pipeline


def _stream(command: list[str], env: dict, cwd: Path, timeout: float, log) -> tuple[list[str], bool]:
    """Run gitlab-ci-local in its own process group, line by line to `log`; kill the group on timeout."""
    lines: list[str] = []
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)

    def pump() -> None:
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            log(lines[-1])

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        # Jobs run in gitlab-ci-local's group: whatever is left of them goes too (timeout, Ctrl-C).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    reader.join(timeout=5)
    return lines, timed_out


def _raise_config_error(output: list[str]) -> None:
    """gitlab-ci-local refused the pipeline before any job: say why in French."""
    text = "\n".join(output)
    if m := re.search(r"(\S+) is unspecified, used by (\S+) extends", text):
        templates = catalogue_templates()
        raise InputError(f"Modèle inconnu « {m.group(1)} » (dans `extends` du job {m.group(2)}).",
                         hint_fr="Modèles du catalogue : " + ", ".join(f"{k} ({v})" for k, v in templates.items())
                                 + ". Un modèle n'existe que si son fichier est inclus.")
    if m := re.search(r"cannot stat '.*/([^/']+)': No such file", text):
        raise InputError(f"Le fichier « {m.group(1)} » n'existe pas dans le catalogue ($CATALOG_PATH).",
                         hint_fr="Fichiers du catalogue : " + ", ".join(sorted({*catalogue_templates().values()})))
    if m := re.search(r"stage:(\S+) not found for (\S+)", text):
        raise InputError(f"Le job {m.group(2)} est dans le stage « {m.group(1)} », absent de `stages`.",
                         hint_fr="Ajoutez ce stage à la liste `stages:` (dans l'ordre d'exécution).")
    tail = "\n".join(line for line in output[-15:] if line.strip())
    raise InputError(f"gitlab-ci-local a refusé {CI_FILE} sans lancer de job.", hint_fr=f"Sa sortie :\n{tail}")


def _jobs(work: Path, output: list[str], summary: dict[str, str], root: Path) -> list[Job]:
    """Jobs in pipeline order (stages, then file order), from the expanded file gitlab-ci-local wrote."""
    state = work / ".gitlab-ci-local"
    try:
        expanded = yaml.load((state / "expanded-gitlab-ci.yml").read_text(), Loader=_GitLabLoader) or {}
    except (OSError, yaml.YAMLError):
        expanded = {}
    stages = list(expanded.get("stages") or ["build", "test", "deploy"])
    names = [k for k, v in expanded.items() if isinstance(v, dict) and "script" in v and not k.startswith(".")]
    names.sort(key=lambda n: stages.index(expanded[n].get("stage", "test")) if expanded[n].get("stage", "test")
               in stages else len(stages))
    seconds = {}
    started = set()
    for line in output:
        if m := FINISHED.match(line):
            value = float(m.group(2))
            seconds[m.group(1)] = value / 1000 if m.group(3) == "ms" else value * (60 if m.group(3) == "min" else 1)
        elif m := STARTING.match(line):
            started.add(m.group(1))
    logs = root / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir()
    jobs = []
    for name in names:
        verdict = summary.get(name)
        status = {"PASS": "success", "FAIL": "failed", "WARN": "allowed_failure"}.get(
            verdict, "running" if name in started and name not in seconds else "not_run")
        source = state / "output" / f"{name}.log"
        log = ""
        if source.exists():
            shutil.copyfile(source, logs / f"{name}.log")
            log = str(logs / f"{name}.log")
        jobs.append(Job(name, expanded[name].get("stage", "test"), status,
                        bool(expanded[name].get("allow_failure", False)), seconds.get(name), log))
    return jobs


def _pushed_in_logs(jobs: list[Job], host: str) -> set[str]:
    """`repository:tag` pushed to the kit's registry according to `docker push` output in job logs
    (an unchanged image re-pushed under the same tag keeps its digest: the snapshot alone misses it)."""
    refs = set()
    for job in jobs:
        repository = None
        try:
            text = Path(job.log).read_text(errors="replace") if job.log else ""
        except OSError:
            continue
        for line in text.splitlines():
            if m := re.search(r"The push refers to repository \[([^\]]+)\]", line):
                repository = m.group(1).removeprefix(host + "/") if m.group(1).startswith(host + "/") else None
            elif repository and (m := re.search(r"(\S+): digest: sha256:[0-9a-f]{64}", line)):
                refs.add(f"{repository}:{m.group(1)}")
    return refs


def _image(host: str, ref: str, digest: str) -> dict:
    repository, tag = ref.rsplit(":", 1)
    return {"repository": repository, "tag": tag, "digest": digest, "reference": f"{host}/{repository}:{tag}"}


def _diagnose(job: Job, registry_host: str) -> list[str]:
    """French explanations of a failed job, from its log."""
    try:
        text = Path(job.log).read_text(errors="replace") if job.log else ""
    except OSError:
        text = ""
    problems = [f"Le job {job.name} a échoué."]
    if registry_host in text and re.search(r"connection refused|no such host|EOF", text):
        problems.append(f"Le registre {registry_host} ne répond pas : démarrez-le (`cpin platform up`).")
    elif re.search(r"unauthorized|authentication required|denied|no basic auth credentials", text):
        problems.append("Push refusé par le registre : identifiants absents ou faux. Le job de construction "
                        "doit recevoir DOCKER_AUTH du job read_secret (`needs`), pas d'identifiants écrits à la main.")
    elif "Cannot connect to the Docker daemon" in text:
        problems.append("Le moteur Docker de la machine ne répond pas (`cpin doctor`).")
    elif "image-scan : vulnérabilités" in text:
        problems.append("L'analyse Trivy a trouvé des vulnérabilités bloquantes dans l'image : lisez le rapport "
                        "(artefact trivy-report.json) et corrigez l'image.")
    elif "read_secret :" in text:
        problems.append("La lecture des secrets a échoué : voyez le message du job ci-dessus.")
    return problems


def _next_id(project: str, app: str) -> int:
    directory = pipelines_dir(project, app)
    numbers = [int(p.stem) for p in directory.glob("*.json") if p.stem.isdigit()] if directory.exists() else []
    return max(numbers, default=0) + 1


def _save(pipeline: Pipeline) -> Path:
    directory = pipelines_dir(pipeline.project, pipeline.app)
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(pipeline.to_dict(), indent=2, ensure_ascii=False)
    path = directory / f"{pipeline.id}.json"
    path.write_text(text)
    tmp = directory / "latest.tmp"
    tmp.write_text(text)
    tmp.replace(directory / "latest.json")
    return path


__all__ = ["CpinError", "Job", "Pipeline", "run", "last_pipeline", "read_ci_file", "ref_slug"]
