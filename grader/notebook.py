"""Tools a notebook uses besides checking: kubectl on the kit's cluster, Helm rendering, provided files.

Notebooks import these from `grader` (never `grader.cluster.guard`, `grader.tools` or `grader.config`),
so that no helper is copied from one notebook to the next.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from grader import exercises as registry
from grader import tools
from grader.config import settings
from grader.errors import InputError, ToolFailed

KUBECTL_TIMEOUT = 60.0


def namespace(exercise_id: str) -> str:
    """The learner's namespace for the exercise (the exercises of one module share it)."""
    return registry.get(exercise_id).namespace(settings().learner)


def kubectl(*arguments: str, namespace: str | None = None, exercise: str | None = None) -> None:
    """Run the real kubectl on the kit's cluster (through the context guard) and show its output.

    `namespace`, or the namespace of `exercise`, is passed as `--namespace`; with neither, kubectl's default.
    """
    from grader.cluster import guard
    target = guard.resolve()
    where = namespace or (_namespace_of(exercise) if exercise else None)
    command = [str(tools.find("kubectl")), "--kubeconfig", str(target.kubeconfig), "--context", target.context,
               *(["--namespace", where] if where else []), *arguments]
    done = subprocess.run(command, capture_output=True, text=True, timeout=KUBECTL_TIMEOUT)
    print(done.stdout or done.stderr)


_namespace_of = namespace


def provided_path(exercise_id: str, name: str) -> Path:
    """Path of a file provided with the exercise (its `starter/` folder); French error if there is none."""
    path = registry.get(exercise_id).directory / "starter" / name
    if not path.exists():
        raise InputError(f"L'exercice « {exercise_id} » ne fournit pas de fichier « {name} ».")
    return path


def show_provided(exercise_id: str, name: str) -> None:
    """Show a file provided with the exercise."""
    print(provided_path(exercise_id, name).read_text(encoding="utf-8"))


def kit_path(relative: str) -> Path:
    """Path of a file the kit ships next to its exercises (e.g. the demo application `app/`)."""
    path = settings().exercises_dir / relative
    if not path.exists():
        raise InputError(f"Fichier du kit « {relative} » introuvable dans {settings().exercises_dir}.")
    return path


def copy_starter(source: str | Path, destination: str | Path, *, overwrite: bool = False,
                 quiet: bool = False) -> None:
    """Copy a provided file or folder to `destination`; the learner's work there is kept unless `overwrite`."""
    source, destination = Path(source), Path(destination)
    if not source.exists():
        raise InputError(f"Fichier fourni « {source} » introuvable.")
    if destination.exists() and not overwrite:
        if not quiet:
            print(f"{destination} existe déjà : vos modifications sont conservées.")
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, destination, dirs_exist_ok=True)
    else:
        shutil.copy(source, destination)
    if not quiet:
        print(f"{destination} : copie de {source}.")


# ---------------------------------------------------------------- Helm

HELM_TIMEOUT = 60.0


class RenderedChart(str):
    """The manifests `helm template` rendered (a `str`: `apply()` takes it, `Path.write_text` writes it)."""

    source: str = "rendu Helm"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


def render_chart(chart_dir: str | Path, values: list | tuple | str | Path = (), release: str = "cpin",
                 namespace: str | None = None) -> RenderedChart:
    """Render a Helm chart with the real `helm template` (Kubernetes 1.36); the manifests as text.

    `values`: values files applied in order after the chart's `values.yaml` (the last one wins).
    Errors are French: chart or values file missing, helm missing, the chart does not render.
    """
    if not isinstance(chart_dir, (str, Path)) or not isinstance(values, (str, Path, list, tuple)):
        raise InputError("render_chart attend le chemin du chart et des fichiers de valeurs : "
                         "render_chart(\"mon-chart\", values=[\"values-dev.yaml\"]).")
    chart = Path(chart_dir)
    if not (chart / "Chart.yaml").is_file():
        raise InputError(f"Chart Helm « {chart_dir} » introuvable : il faut un dossier qui contient Chart.yaml.",
                         hint_fr="Vérifiez le chemin (relatif au dossier du notebook).")
    files = [values] if isinstance(values, (str, Path)) else list(values)
    for item in files:
        if not isinstance(item, (str, Path)) or not Path(item).is_file():
            raise InputError(f"Fichier de valeurs « {item} » introuvable.",
                             hint_fr="Vérifiez le chemin ; exécutez d'abord la cellule qui l'écrit.")
    if not isinstance(release, str) or not release:
        raise InputError("Indiquez le nom de la release : render_chart(chart, values=[...], release=\"nom\").")
    command = [str(tools.find("helm")), "template", release, str(chart), "--kube-version", "1.36.0"]
    command += [arg for item in files for arg in ("--values", str(item))]
    command += ["--namespace", namespace] if namespace else []
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=HELM_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"helm template n'a pas fini en {HELM_TIMEOUT:g} s.", command=command,
                         hint_fr="Relancez ; si cela persiste, vérifiez « cpin doctor ».") from error
    if done.returncode != 0:
        raise ToolFailed(f"Le chart « {chart_dir} » ne se rend pas (helm template a échoué).", command=command,
                         output=done.stderr, hint_fr="La première ligne « Error: » de helm nomme le gabarit ou "
                                                    "la valeur en cause, et souvent la ligne.")
    rendered = RenderedChart(done.stdout)
    rendered.source = f"rendu du chart « {chart_dir} »"
    return rendered


def base_image(key: str = "python") -> str:
    """The base image of the container exercises: the kit's own (offline) when ready, else the public one."""
    from grader.images import resolve
    return resolve(key)


def prepare_base_image(key: str = "python") -> str:
    """Build the kit's own base image if it is missing (from Debian, offline), say so in French; its tag."""
    from grader.images import prepare
    image, = prepare([key])
    print(f"Image de base des constructions hors ligne : {image.tag} ({image.action})")
    return image.tag


def try_image(folder: str | Path, dockerfile: str = "Dockerfile") -> None:
    """Build `folder`'s image and run it as the platform would (read-only, any UID of group 0); print each
    sub-check in French. A try, not a grade: nothing is recorded."""
    from grader.checks.docker import check_image
    from grader.errors import CpinError
    try:
        results = check_image(folder, dockerfile=dockerfile, build_args={"BASE_IMAGE": base_image()})
    except CpinError as error:
        print(error.render())
        return
    for r in results:
        print("✔" if r.status.scores else "✘", r.title, "—", r.message)
        if r.hint and not r.status.scores:
            print("    →", r.hint)
