"""Live checks of a learner's container image on a real Docker engine, run the way the platform runs it.

`check_image(dockerfile_dir, ...)` builds the image, inspects it, starts one container with the
platform's constraints (read-only root filesystem, a random UID in group 0, no added capability,
no privilege escalation, ports below 1024 not bindable) and probes it. It returns one `SubCheck` per
sub-check; each sub-check is also a function of its own (`check_build`, `check_user`, …).

Every container and image created here carries `cpin.dev/owner=grader` and the run's own
`cpin.dev/run=<token>`; they are removed when the check ends, also on failure. `cleanup()` sweeps
what an interrupted run left behind.
"""
from __future__ import annotations

import json
import random
import re
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from grader.images import docker_client
from grader.checks.base import SubCheck
from grader.results import Status

OWNER_LABEL = "cpin.dev/owner"
OWNER = "grader"
RUN_LABEL = "cpin.dev/run"
UID_RANGE = (1_000_600_000, 1_000_699_999)   # like an OpenShift project's range
TAIL_LINES = 15
UNPRIVILEGED_PORTS = {"net.ipv4.ip_unprivileged_port_start": "1024"}  # Docker lowers it to 0; the platform does not

TITLES = {
    "docker.build": "L'image se construit",
    "docker.user": "L'image ne tourne pas en root (règle 1)",
    "docker.port": "Ports déclarés au-dessus de 1024 (règle 5)",
    "docker.size": "Image de taille raisonnable (règle 35)",
    "docker.labels": "Labels de l'image",
    "docker.starts": "Démarre en lecture seule, avec un UID quelconque du groupe 0 (règles 2, 6, 7)",
    "docker.health": "Répond sur son point de santé (règle 37)",
    "docker.config": "Configuration lue dans les variables d'environnement (règle 24)",
    "docker.logs": "Journaux JSON sur la sortie standard (règle 25)",
    "docker.stop": "S'arrête proprement sur SIGTERM",
}
NO_IMAGE = "Non vérifié : l'image ne s'est pas construite."
NOT_RUNNING = "Non vérifié : le conteneur ne tourne pas (voir le contrôle de démarrage)."


def _result(check_id: str, status: Status, message: str = "", hint: str = "", evidence: Any = None) -> SubCheck:
    return SubCheck(check_id, TITLES[check_id], status, message=message, hint=hint, evidence=evidence)


def _blocked(check_id: str, message: str, by: str) -> SubCheck:
    return _result(check_id, Status.FAILED, message, evidence={"bloqué_par": by})


def _tail(text: str, lines: int = TAIL_LINES) -> list[str]:
    return [line for line in text.strip().splitlines() if line.strip()][-lines:]


# ---------------------------------------------------------------- build


@dataclass
class Build:
    """What `check_build` made: the result, the image id if any, the ids to remove afterwards."""
    result: SubCheck
    image_id: str | None = None
    layer_ids: list[str] = field(default_factory=list)


STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
LAYER = re.compile(r"^ ---> ([0-9a-f]{12})$")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
BUILDER_CHATTER = ("Removing intermediate container", " ---> Running in", "Successfully built", "Successfully tagged")
PULL_PROBLEMS = ("pull access denied", "registry-1.docker.io", "dial tcp", "manifest unknown",
                 "repository does not exist", "no such host", "toomanyrequests")


def _build_hint(error: str) -> str:
    if any(p in error for p in PULL_PROBLEMS):
        return ("L'image de base n'est pas disponible localement et aucun registre n'est joignable : lancez "
                "« cpin images prepare » puis construisez avec --build-arg BASE_IMAGE=<image du kit> "
                "(voir exercises/images.yaml).")
    if "COPY failed" in error or "ADD failed" in error or "no such file or directory" in error:
        return "Un fichier copié n'existe pas dans le contexte de construction (chemins relatifs au dossier, .dockerignore)."
    if "returned a non-zero code" in error:
        return "Une commande RUN a échoué : lisez la sortie de l'étape ci-dessus et corrigez-la."
    return "Relisez l'étape indiquée ; « docker build » en local donne la même erreur."


def check_build(client, context: str | Path, *, dockerfile: str = "Dockerfile", target: str | None = None,
                build_args: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                tag: str | None = None) -> Build:
    """Build `dockerfile` (relative to `context`); on failure, name the failing step and show its output."""
    import docker
    context = Path(context)
    if not (context / dockerfile).is_file():
        return Build(_result("docker.build", Status.FAILED, f"Dockerfile introuvable : {context / dockerfile}.",
                             "Écrivez le Dockerfile à l'emplacement indiqué par l'exercice."))
    step, step_output, output, layer_ids, image_id, pending = "", [], [], [], None, ""
    try:
        for chunk in client.api.build(path=str(context), dockerfile=dockerfile, target=target,
                                      buildargs=dict(build_args or {}), labels=dict(labels or {}), tag=tag,
                                      rm=True, forcerm=True, pull=False, decode=True):
            pending += ANSI.sub("", chunk.get("stream", ""))
            *lines, pending = pending.split("\n")
            if "error" in chunk and pending:
                lines, pending = [*lines, pending], ""
            for line in lines:
                if line.startswith(BUILDER_CHATTER):
                    continue
                output.append(line)
                if match := STEP.match(line):
                    step, step_output = f"étape {match[1]}/{match[2]} : {match[3]}", []
                elif match := LAYER.match(line):
                    layer_ids.append(match[1])
                elif not line.startswith(" ---> "):
                    step_output.append(line)
            if "aux" in chunk and "ID" in chunk["aux"]:
                image_id = chunk["aux"]["ID"]
            if "error" in chunk:
                error = chunk["error"].strip()
                return Build(_result(
                    "docker.build", Status.FAILED,
                    f"La construction échoue à l'{step or 'analyse du Dockerfile'} — {error}",
                    _build_hint(error),
                    {"étape": step, "erreur": error, "sortie": _tail("\n".join(step_output))}), None, layer_ids)
    except docker.errors.APIError as error:  # e.g. a Dockerfile the daemon cannot parse
        text = str(error.explanation or error)
        return Build(_result("docker.build", Status.FAILED, f"Le moteur refuse la construction : {text}",
                             _build_hint(text), {"erreur": text}), None, layer_ids)
    if image_id is None:
        return Build(_result("docker.build", Status.ERROR, "La construction n'a pas renvoyé d'image.",
                             evidence={"sortie": _tail("\n".join(output))}), None, layer_ids)
    facts = describe(client.images.get(image_id).attrs)
    return Build(_result("docker.build", Status.PASSED, f"Image construite ({facts['taille_mo']} Mo).",
                         evidence=facts), image_id, layer_ids)


# ---------------------------------------------------------------- inspection


def describe(attrs: Mapping) -> dict:
    """The facts of an image the learner cares about (JSON-serialisable)."""
    config = attrs.get("Config") or {}
    health = config.get("Healthcheck")
    return {
        "utilisateur": config.get("User") or "",
        "ports": sorted((config.get("ExposedPorts") or {}).keys()),
        "taille_mo": round(attrs.get("Size", 0) / 1e6, 1),
        "couches": len((attrs.get("RootFS") or {}).get("Layers") or []),
        "labels": {k: v for k, v in (config.get("Labels") or {}).items() if not k.startswith("cpin.dev/")},
        "healthcheck": " ".join(health["Test"]) if health and health.get("Test") else None,
        "entrypoint": config.get("Entrypoint"),
        "cmd": config.get("Cmd"),
    }


def check_user(attrs: Mapping) -> SubCheck:
    """Rule 1: the final USER is neither empty, 0 nor root; a named user gets a warning (not verifiable)."""
    user = ((attrs.get("Config") or {}).get("User") or "").strip()
    name = user.split(":", 1)[0]
    evidence = {"USER": user or "(aucun)"}
    if name in ("", "0", "root"):
        return _result("docker.user", Status.FAILED,
                       f"L'image tourne en root (USER {user or 'absent'}).",
                       "Terminez le Dockerfile par un utilisateur non root numérique, par exemple « USER 1001 ».",
                       evidence)
    if not name.isdigit():
        return _result("docker.user", Status.WARNING,
                       f"Utilisateur nommé « {name} » : Kubernetes ne peut pas vérifier qu'il n'est pas root.",
                       "Préférez un UID numérique (« USER 1001 ») : runAsNonRoot le vérifie alors.", evidence)
    return _result("docker.user", Status.PASSED, f"Utilisateur final : {user}.", evidence=evidence)


def check_ports(attrs: Mapping, expected: int | None = None) -> SubCheck:
    """Rule 5: at least one EXPOSE, all above 1024; warns when the exercise's port is not declared."""
    exposed = sorted((((attrs.get("Config") or {}).get("ExposedPorts")) or {}).keys())
    numbers = [int(p.split("/", 1)[0]) for p in exposed]
    evidence = {"EXPOSE": exposed}
    if not numbers:
        return _result("docker.port", Status.FAILED, "Aucun port déclaré (EXPOSE).",
                       f"Déclarez le port d'écoute de l'application : « EXPOSE {expected or 8080} ».", evidence)
    low = [n for n in numbers if n <= 1024]
    if low:
        return _result("docker.port", Status.FAILED,
                       f"Port(s) réservé(s) à root : {', '.join(map(str, low))}.",
                       "La plateforme n'autorise que les ports au-dessus de 1024 : écoutez par exemple sur 8080 "
                       "(variable PORT) et déclarez « EXPOSE 8080 ».", evidence)
    if expected and expected not in numbers:
        return _result("docker.port", Status.WARNING,
                       f"Ports déclarés : {', '.join(exposed)} ; le port {expected} de l'exercice n'y est pas.",
                       f"Déclarez « EXPOSE {expected} ».", evidence)
    return _result("docker.port", Status.PASSED, f"Ports déclarés : {', '.join(exposed)}.", evidence=evidence)


def check_size(attrs: Mapping, max_size_mb: float) -> SubCheck:
    """Rule 35: the image stays under `max_size_mb`."""
    size = round(attrs.get("Size", 0) / 1e6, 1)
    evidence = {"taille_mo": size, "limite_mo": max_size_mb,
                "couches": len((attrs.get("RootFS") or {}).get("Layers") or [])}
    if size > max_size_mb:
        return _result("docker.size", Status.FAILED, f"Image de {size} Mo, au-delà de {max_size_mb} Mo.",
                       "Partez d'une image de base minimale (slim, distroless) et utilisez une construction "
                       "multi-étapes : les outils de build ne doivent pas rester dans l'image finale.", evidence)
    return _result("docker.size", Status.PASSED, f"Image de {size} Mo (limite {max_size_mb} Mo).", evidence=evidence)


def check_labels(attrs: Mapping, required: Iterable[str]) -> SubCheck:
    """The image carries the labels the exercise asks for (e.g. org.opencontainers.image.version)."""
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    missing = [name for name in required if not labels.get(name)]
    evidence = {"labels": {k: v for k, v in labels.items() if not k.startswith("cpin.dev/")}}
    if missing:
        return _result("docker.labels", Status.FAILED, f"Label(s) manquant(s) : {', '.join(missing)}.",
                       f"Ajoutez par exemple « LABEL {missing[0]}=\"…\" » au Dockerfile.", evidence)
    return _result("docker.labels", Status.PASSED, "Labels demandés présents.", evidence=evidence)


# ---------------------------------------------------------------- run


@dataclass(frozen=True)
class RunSpec:
    """How the exercise says the container must behave."""
    port: int = 8080
    health_path: str = "/health"
    # Writable paths the exercise declares (an emptyDir on the platform). Unlike an emptyDir, runc gives the
    # tmpfs the mode of the image's directory when it exists: it must be writable by group 0 (rule 2).
    tmpfs: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    config_probe: tuple[str, str] | None = None  # (variable, path): a random value of the variable must show at path
    start_timeout: float = 30.0
    stop_grace: float = 10.0


@dataclass
class Run:
    """The container under test and what was seen while starting it."""
    container: Any
    spec: RunSpec
    uid: int
    probe_value: str | None = None
    host_port: int | None = None
    response: tuple[int, str, str] | None = None  # (HTTP status, content type, body) of the last answer
    seconds: float = 0.0
    exited: bool = False
    start_error: str = ""                          # the engine refused to start it (bad CMD…)


def _get(url: str, timeout: float = 2.0) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("Content-Type", ""), answer.read(65536).decode("utf-8", "replace")


def _host_port(container, port: int) -> int | None:
    bindings = ((container.attrs.get("NetworkSettings") or {}).get("Ports") or {}).get(f"{port}/tcp") or []
    return int(bindings[0]["HostPort"]) if bindings else None


def start(client, image_id: str, spec: RunSpec, labels: Mapping[str, str]) -> Run:
    """Create and start the container as the platform would, then poll the health path until it answers 200,
    the container exits, or `spec.start_timeout` runs out."""
    import docker
    uid = random.randint(*UID_RANGE)
    env = dict(spec.env)
    probe_value = None
    if spec.config_probe:
        probe_value = f"cpin-{secrets.token_hex(4)}"
        env[spec.config_probe[0]] = probe_value
    container = client.containers.create(
        image_id, detach=True, labels=dict(labels), user=f"{uid}:0", read_only=True,
        tmpfs={path: "rw,mode=1777,size=64m" for path in spec.tmpfs}, environment=env,
        ports={f"{spec.port}/tcp": ("127.0.0.1", None)}, sysctls=UNPRIVILEGED_PORTS,
        security_opt=["no-new-privileges"], mem_limit="512m", pids_limit=512)
    run = Run(container, spec, uid, probe_value)
    began = time.monotonic()
    try:
        container.start()
    except docker.errors.APIError as error:
        run.start_error, run.exited = str(error.explanation or error), True
        return run
    while True:
        container.reload()
        if container.status in ("exited", "dead"):
            run.exited = True
            break
        run.host_port = run.host_port or _host_port(container, spec.port)
        if run.host_port:
            try:
                run.response = _get(f"http://127.0.0.1:{run.host_port}{spec.health_path}")
            except (OSError, ValueError):  # refused, reset, timeout while the app starts
                pass
            if run.response and run.response[0] == 200:
                break
        if time.monotonic() - began > spec.start_timeout:
            break
        time.sleep(0.3)
    run.seconds = round(time.monotonic() - began, 1)
    return run


def _logs(container, *, stdout: bool = True, stderr: bool = True) -> str:
    return container.logs(stdout=stdout, stderr=stderr).decode("utf-8", "replace")


BIND_REFUSED = re.compile(r"(?i)(port|bind|listen)[^\n]{0,80}(permission denied|eacces)"
                          r"|(permission denied|eacces)[^\n]{0,80}(port|bind|listen)")


def diagnose(logs: str, spec: RunSpec) -> str:
    """A French hint from what the container printed before it stopped."""
    hints = []
    if "Read-only file system" in logs:
        hints.append("Le conteneur écrit dans sa propre image au démarrage (sed -i, fichier de log, cache…) : "
                     "la plateforme monte la racine en lecture seule. Passez la configuration par variables "
                     "d'environnement et écrivez seulement dans un volume déclaré.")
    if BIND_REFUSED.search(logs):
        hints.append("L'application ne peut pas écouter sur un port réservé à root (1024 ou moins) : la plateforme "
                     f"ne donne ni root ni capacité réseau. Écoutez sur {spec.port} (variable PORT).")
    elif re.search(r"Permission denied|PermissionError|EACCES", logs):
        hints.append("Permission refusée : le conteneur tourne avec un UID quelconque du groupe 0. Les fichiers "
                     "doivent appartenir au groupe 0 avec les droits du propriétaire (chown 1001:0, chmod g=u).")
    if not hints:
        hints.append(f"Reproduisez en local : docker run --read-only --user 1000650000:0 -p {spec.port}:{spec.port} "
                     "<image>, puis lisez les journaux (docker logs).")
    return " ".join(hints)


def check_starts(run: Run) -> SubCheck:
    """Rules 2, 6, 7: the container keeps running under the platform's constraints."""
    evidence = {"uid": f"{run.uid}:0", "lecture_seule": True, "tmpfs": list(run.spec.tmpfs)}
    if run.start_error:
        return _result("docker.starts", Status.FAILED, f"Le conteneur ne démarre pas : {run.start_error}",
                       "Vérifiez CMD/ENTRYPOINT : le programme doit exister dans l'image et être exécutable "
                       "par le groupe 0.", evidence)
    if run.exited:
        state = run.container.attrs.get("State") or {}
        logs = _logs(run.container)
        evidence.update(code=state.get("ExitCode"), dernieres_lignes=_tail(logs))
        message = f"Le conteneur s'arrête au démarrage (code {state.get('ExitCode')})."
        if state.get("OOMKilled"):
            return _result("docker.starts", Status.FAILED, message + " Mémoire épuisée (512 Mo).",
                           "Réduisez la mémoire consommée au démarrage.", evidence)
        return _result("docker.starts", Status.FAILED, message, diagnose(logs, run.spec), evidence)
    return _result("docker.starts", Status.PASSED,
                   f"Le conteneur tourne (UID {run.uid}, groupe 0, racine en lecture seule).", evidence=evidence)


def check_health(run: Run) -> SubCheck:
    """The health path answers 200 with a JSON body within the start timeout."""
    spec = run.spec
    if run.exited:
        return _blocked("docker.health", NOT_RUNNING, "docker.starts")
    where = f"port {spec.port}, chemin {spec.health_path}"
    if run.response is None:
        return _result("docker.health", Status.FAILED,
                       f"Aucune réponse HTTP ({where}) après {run.seconds} s.",
                       f"L'application doit écouter sur 0.0.0.0 (pas 127.0.0.1) et sur le port {spec.port} "
                       "(variable PORT), et répondre sur ce chemin.",
                       {"secondes": run.seconds, "journaux": _tail(_logs(run.container))})
    status, content_type, body = run.response
    evidence = {"statut": status, "content_type": content_type, "réponse": body[:300], "secondes": run.seconds}
    if status != 200:
        return _result("docker.health", Status.FAILED, f"{spec.health_path} répond {status} ({where}).",
                       "Le point de santé doit répondre 200 quand l'application va bien.", evidence)
    try:
        json.loads(body)
    except ValueError:
        return _result("docker.health", Status.FAILED, f"{spec.health_path} ne renvoie pas du JSON.",
                       'Renvoyez un objet JSON, par exemple {"status": "UP"}.', evidence)
    return _result("docker.health", Status.PASSED, f"{spec.health_path} répond 200 en {run.seconds} s.",
                   evidence=evidence)


def check_config(run: Run) -> SubCheck:
    """Rule 24: a random value given to the probed variable shows up at the probed path."""
    variable, path = run.spec.config_probe
    if run.exited or run.host_port is None:
        return _blocked("docker.config", NOT_RUNNING, "docker.starts")
    try:
        status, _, body = _get(f"http://127.0.0.1:{run.host_port}{path}")
    except (OSError, ValueError) as error:
        return _result("docker.config", Status.FAILED, f"{path} ne répond pas : {error}.",
                       evidence={"variable": variable})
    evidence = {"variable": variable, "valeur_injectée": run.probe_value, "statut": status, "réponse": body[:300]}
    if run.probe_value not in body:
        return _result("docker.config", Status.FAILED,
                       f"La valeur donnée à {variable} au lancement n'apparaît pas sur {path} : "
                       "la configuration est écrite en dur dans l'image.",
                       f"Lisez {variable} dans l'environnement au démarrage ; ne la fixez ni dans un script de "
                       "démarrage ni dans un fichier de l'image (la même image doit servir en dev et en prod).",
                       evidence)
    return _result("docker.config", Status.PASSED, f"{variable} est bien lue dans l'environnement.", evidence=evidence)


def check_logs(run: Run) -> SubCheck:
    """Rule 25: the container writes JSON lines (objects) on stdout, nothing else there."""
    if run.start_error:
        return _blocked("docker.logs", NOT_RUNNING, "docker.starts")
    stdout = _tail(_logs(run.container, stderr=False), 10_000)
    stderr = _tail(_logs(run.container, stdout=False))
    if not stdout:
        message = "Aucun journal sur la sortie standard."
        if stderr:
            message += f" {len(stderr)} ligne(s) sur la sortie d'erreur seulement."
        return _result("docker.logs", Status.FAILED, message,
                       "Écrivez les journaux sur stdout (un objet JSON par ligne), jamais dans un fichier.",
                       {"stderr": stderr})
    def is_object(line: str) -> bool:
        try:
            return isinstance(json.loads(line), dict)
        except ValueError:
            return False
    bad = [line for line in stdout if not is_object(line)]
    if bad:
        return _result("docker.logs", Status.FAILED,
                       f"{len(bad)} ligne(s) sur {len(stdout)} ne sont pas des objets JSON.",
                       "Formatez chaque ligne de journal en JSON (GELF ou JSON) : un objet par ligne.",
                       {"lignes_non_json": bad[:5]})
    return _result("docker.logs", Status.PASSED, f"{len(stdout)} ligne(s) JSON sur stdout.",
                   evidence={"exemples": stdout[:3]})


def check_stop(run: Run) -> SubCheck:
    """SIGTERM stops the container within the grace period, with exit code 0 or 143."""
    import requests
    grace = run.spec.stop_grace
    run.container.reload()
    if run.exited or run.container.status != "running":
        return _blocked("docker.stop", NOT_RUNNING, "docker.starts")
    began = time.monotonic()
    run.container.kill(signal="SIGTERM")
    try:
        code = run.container.wait(timeout=grace)["StatusCode"]
    except (requests.exceptions.RequestException, OSError):
        run.container.kill()
        return _result("docker.stop", Status.FAILED, f"Toujours actif {grace} s après SIGTERM : il sera tué (SIGKILL).",
                       "Le processus principal (PID 1) doit recevoir et traiter SIGTERM : CMD en forme JSON "
                       '(["python3", "app.py"]), « exec » dans les scripts de démarrage, gestionnaire de signal.',
                       {"délai_s": grace})
    seconds = round(time.monotonic() - began, 1)
    evidence = {"code": code, "secondes": seconds}
    if code not in (0, 143):
        return _result("docker.stop", Status.FAILED, f"Arrêt sur SIGTERM avec le code {code}.",
                       "Sur SIGTERM, terminez les requêtes en cours puis sortez avec le code 0.", evidence)
    return _result("docker.stop", Status.PASSED, f"Arrêté en {seconds} s (code {code}).", evidence=evidence)


# ---------------------------------------------------------------- the whole check and cleanup

ENGINE_TIMEOUT = 120   # seconds one engine request may wait (the docker check's budget): a frozen engine ends it


def check_image(dockerfile_dir: str | Path, *, dockerfile: str = "Dockerfile", target: str | None = None,
                build_args: Mapping[str, str] | None = None, port: int = 8080, health_path: str = "/health",
                tmpfs: Iterable[str] = (), env: Mapping[str, str] | None = None,
                config_probe: tuple[str, str] | None = None, max_size_mb: float = 250,
                required_labels: Iterable[str] = (), start_timeout: float = 30.0, stop_grace: float = 10.0,
                client=None) -> list[SubCheck]:
    """Build, inspect and run a learner's image; one SubCheck per sub-check. Raises DockerUnavailable."""
    client = client or docker_client(timeout=ENGINE_TIMEOUT)
    spec = RunSpec(port, health_path, tuple(tmpfs), dict(env or {}),
                   tuple(config_probe) if config_probe else None, start_timeout, stop_grace)
    required_labels = tuple(required_labels)
    token = secrets.token_hex(6)
    labels = {OWNER_LABEL: OWNER, RUN_LABEL: token}
    build = Build(_result("docker.build", Status.ERROR, "Construction non lancée."))
    try:
        build = check_build(client, dockerfile_dir, dockerfile=dockerfile, target=target, build_args=build_args,
                            labels=labels, tag=f"cpin-grader/check:{token}")
        results = [build.result]
        runtime_ids = ["docker.starts", "docker.health", *(["docker.config"] if spec.config_probe else []),
                       "docker.logs", "docker.stop"]
        static_ids = ["docker.user", "docker.port", "docker.size", *(["docker.labels"] if required_labels else [])]
        if build.image_id is None:
            return results + [_blocked(i, NO_IMAGE, "docker.build") for i in static_ids + runtime_ids]
        attrs = client.images.get(build.image_id).attrs
        results += [check_user(attrs), check_ports(attrs, spec.port), check_size(attrs, max_size_mb)]
        if required_labels:
            results.append(check_labels(attrs, required_labels))
        run = start(client, build.image_id, spec, labels)
        runtime = [check_starts(run), check_health(run)]
        if spec.config_probe:
            runtime.append(check_config(run))
        stop = check_stop(run)                 # before the logs, so that the shutdown lines are read too
        return results + runtime + [check_logs(run), stop]
    finally:
        cleanup(client, run=token, layer_ids=build.layer_ids)


def cleanup(client=None, *, run: str | None = None, layer_ids: Iterable[str] = ()) -> dict[str, int]:
    """Remove the grader's containers and images (one run's, or all of them), and the untagged
    intermediate images of that run's build. Returns how many containers and images went."""
    import docker
    client = client or docker_client()
    selector = f"{RUN_LABEL}={run}" if run else f"{OWNER_LABEL}={OWNER}"
    removed = {"containers": 0, "images": 0}
    for container in client.containers.list(all=True, filters={"label": selector}):
        try:
            container.remove(force=True, v=True)
            removed["containers"] += 1
        except docker.errors.NotFound:
            pass
    for image in client.images.list(all=True, filters={"label": selector}):
        try:
            client.images.remove(image.id, force=True)
            removed["images"] += 1
        except docker.errors.NotFound:
            pass
    for layer_id in reversed(list(layer_ids)):  # never forced: base images and shared cache stay
        try:
            if not client.images.get(layer_id).tags:
                client.images.remove(layer_id)
                removed["images"] += 1
        except docker.errors.APIError:  # gone already, or still used by another image
            pass
    return removed
