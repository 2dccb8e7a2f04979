"""What a running container really is, observed inside it (needs real containers): the UID it runs as
(on OpenShift, one the platform assigns: `grader/cluster/scc.py`) and whether its root filesystem is
read-only while its volumes stay writable. One `sh` command is run in a ready pod of the workload.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass

from grader.checks.base import CheckContext, Outcome, SubCheck
from grader.cluster import scc
from grader.results import Status

PROBE_FILE = ".cpin-ecriture"


def probe_script(paths: list[str]) -> str:
    """Prints the UID, the GID, the root mount's options (`root <opts>`, from /proc/mounts, shell builtins
    only), then `w <path>` or `r <path>` for each path the container can or cannot write into (pure)."""
    tests = "; ".join(
        f'if (: > {shlex.quote(p.rstrip("/") + "/" + PROBE_FILE)}) 2>/dev/null; then '
        f'rm -f {shlex.quote(p.rstrip("/") + "/" + PROBE_FILE)}; echo "w {p}"; else echo "r {p}"; fi'
        for p in paths)
    mounts = 'while read -r dev mnt fstype opts rest; do [ "$mnt" = / ] && echo "root $opts"; done < /proc/mounts'
    return f"id -u; id -g; {mounts}; {tests}"


@dataclass(frozen=True)
class Probe:
    uid: int | None
    gid: int | None
    root_read_only: bool | None             # None: /proc/mounts not read
    writable: dict[str, bool]


def parse_probe(text: str) -> Probe:
    """The probe's output, read (pure); the last root mount listed is the one in effect."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    numbers = [int(line) for line in lines[:2] if line.isdigit()]
    uid, gid = (numbers + [None, None])[:2]
    roots = [line.split()[1].split(",") for line in lines if line.startswith("root ") and len(line.split()) > 1]
    writable = {line[2:]: line[0] == "w" for line in lines[2:] if line[:2] in ("w ", "r ")}
    return Probe(uid, gid, ("ro" in roots[-1]) if roots else None, writable)


def _ready_pod(ctx: CheckContext, kind: str, name: str) -> tuple[dict | None, str]:
    workload = ctx.kube.get(kind, name, ctx.namespace)
    if workload is None:
        return None, f"{kind} « {name} » introuvable dans « {ctx.namespace} »"
    labels = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    pods = [p for p in ctx.kube.list("Pod", ctx.namespace, label_selector=selector)
            if not p["metadata"].get("deletionTimestamp")
            and any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in (p.get("status") or {}).get("conditions") or [])] if selector else []
    return (pods[0], "") if pods else (None, f"aucun pod prêt de {kind} « {name} » pour y regarder")


def _exec(ctx: CheckContext, pod: str, container: str, script: str) -> tuple[int, str, str]:
    from kubernetes.client import ApiClient, CoreV1Api
    from kubernetes.stream import stream
    own = ApiClient(ctx.kube.api_client.configuration)   # `stream` swaps its client's request() while it runs
    try:
        resp = stream(CoreV1Api(own).connect_get_namespaced_pod_exec, pod, ctx.namespace, container=container,
                      command=["sh", "-c", script], stdin=False, stdout=True, stderr=True, tty=False,
                      _preload_content=False)
        resp.run_forever(timeout=max(1.0, ctx.remaining()))
        out, err = resp.read_stdout(), resp.read_stderr()
        code = resp.returncode
        resp.close()
    finally:
        own.close()
    return (code if code is not None else -1), out or "", err or ""


def pod_runtime(ctx: CheckContext, params: dict) -> Outcome:
    """params: `name`, `kind`? (Deployment), `container`? (the first), `platformUid`? (true: the UID is the
    one the namespace's range gives, never 0 nor the manifest's), `readOnlyRoot`? (true), `writable`? (paths
    that must stay writable, e.g. an emptyDir on /tmp)."""
    kind, name = params.get("kind", "Deployment"), params["name"]
    pod, why = _ready_pod(ctx, kind, name)
    if pod is None:
        return Outcome.fail(why)
    containers = [c["name"] for c in pod["spec"].get("containers") or []]
    container = params.get("container") or containers[0]
    writable_paths = list(params.get("writable") or [])
    try:
        code, out, err = _exec(ctx, pod["metadata"]["name"], container, probe_script(writable_paths))
    except Exception as error:  # noqa: BLE001 - the API's refusal, said in French
        return Outcome.fail(f"impossible d'exécuter une commande dans le conteneur « {container} » ({error})")
    probe = parse_probe(out)
    uid, gid, writable = probe.uid, probe.gid, probe.writable
    evidence = {"pod": pod["metadata"]["name"], "conteneur": container, "uid": uid, "gid": gid,
                "racine": {True: "lecture seule", False: "lecture-écriture", None: "?"}[probe.root_read_only],
                "écriture": {p: ("possible" if w else "refusée") for p, w in writable.items()}}
    if uid is None:
        if "not found" in err or "no such file" in err.lower() or code == 127:
            return Outcome.skip("non vérifiable : l'image n'a pas de shell (sh) pour regarder à l'intérieur",
                                counts=True)
        return Outcome.fail(f"le conteneur n'a pas répondu à la sonde (code {code}) : {err.strip()[:200]}", evidence)

    subs = []
    if params.get("platformUid", True):
        namespace = ctx.kube.get("Namespace", ctx.namespace) or {}
        assigned = scc.first_uid(((namespace.get("metadata") or {}).get("annotations") or {})
                                 .get(scc.UID_RANGE_ANNOTATION, ""))
        evidence["uid attribué par la plateforme"] = assigned
        if uid == 0:
            status, message = Status.FAILED, "le conteneur tourne en root (UID 0)"
        elif assigned is not None and uid != assigned:
            status, message = Status.FAILED, (f"UID {uid} : choisi par le manifeste ou l'image, pas celui que la "
                                              f"plateforme attribue ({assigned})")
        else:
            status, message = Status.PASSED, f"tourne sous l'UID {uid} attribué par la plateforme, groupe {gid}"
        subs.append(SubCheck("uid", "L'UID est celui que la plateforme attribue", status, message,
                             "Ne fixez ni runAsUser ni USER numérique attendu : l'image doit marcher sous tout UID.",
                             evidence))
    if params.get("readOnlyRoot", True):
        ro = probe.root_read_only is True
        subs.append(SubCheck("lecture-seule", "Système de fichiers racine en lecture seule",
                             Status.PASSED if ro else Status.FAILED,
                             "la racine est montée en lecture seule" if ro else
                             "la racine est montée en lecture-écriture" if probe.root_read_only is False else
                             "montage de la racine illisible (/proc/mounts)",
                             "securityContext.readOnlyRootFilesystem: true", evidence))
    if writable_paths:
        blocked = [p for p in writable_paths if not writable.get(p)]
        subs.append(SubCheck("volumes", "Les dossiers de travail restent inscriptibles",
                             Status.FAILED if blocked else Status.PASSED,
                             f"écriture refusée dans {', '.join(blocked)}" if blocked else
                             f"écriture possible dans {', '.join(writable_paths)}",
                             "Montez un emptyDir sur chacun de ces dossiers.", evidence))
    worst = Status.FAILED if any(s.status is Status.FAILED for s in subs) else Status.PASSED
    return Outcome(worst, "", evidence, final=True, sub=tuple(subs))
