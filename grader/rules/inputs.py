"""Turn paths into targets the rules can look at: one `Target` per object, Dockerfile, values file or CI file.

- a directory is walked (hidden folders, node_modules, vendor, target skipped); a folder holding
  `Chart.yaml` is a Helm chart: it is rendered by the real `helm template` and not walked further;
- Dockerfiles: `Dockerfile`, `Containerfile`, `Dockerfile.*`, `*.Dockerfile`;
- the CI file `.gitlab-ci-dso.yml` (and its misspellings, which rule ci-file-name reports);
- any other `*.yaml` / `*.yml` is a manifest file: multi-document, `kind: List` expanded.
A file that cannot be used becomes an `input-unusable` finding; the other files are still read.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.rules.model import Finding, finding
from grader.rules.yamlload import YamlDoc, load_all

MAX_BYTES = 4 * 2**20          # an etcd object is at most 1.5 MiB; 4 MiB of YAML is far beyond any app
SKIPPED_DIRS = {"node_modules", "vendor", "target", "__pycache__", "dist", "build"}
HELM_TIMEOUT = 60
CI_FILE = ".gitlab-ci-dso.yml"
_CI_NAME = re.compile(r"^\.?gitlab-ci[-._]?dso\.ya?ml$", re.I)
_SOURCE = re.compile(r"^# Source: (\S+)", re.M)


@dataclass
class Target:
    kind: str                  # manifest | dockerfile | helm_values | gitlab_ci
    file: str                  # path shown to the learner
    data: Any                  # the object (dict) or the parsed Dockerfile
    doc: YamlDoc | None = None  # line lookup (None for helm-rendered objects)
    text: str = ""             # raw text (Dockerfiles, for hadolint)
    chart: str | None = None   # chart directory for helm-rendered objects and values files

    def line_of(self, path: str) -> int | None:
        return self.doc.line_of(path) if self.doc is not None else None


@dataclass
class Loaded:
    targets: list[Target] = field(default_factory=list)
    input_findings: list[tuple[str, str, Finding]] = field(default_factory=list)  # (rule id, file, finding)

    def unusable(self, file: str, reason: str, hint: str = "", line: int | None = None) -> None:
        self.input_findings.append(("input-unusable", file, finding(line=line, reason=reason, hint=hint or
                                    "Corrigez ce fichier ; les autres fichiers ont été vérifiés.")))

    def empty(self, file: str) -> None:
        self.input_findings.append(("input-empty", file, finding()))


def artefact_kind(path: Path) -> str | None:
    name = path.name
    if name in ("Dockerfile", "Containerfile") or name.startswith(("Dockerfile.", "Containerfile.")) \
            or name.lower().endswith(".dockerfile"):
        return "dockerfile"
    if _CI_NAME.match(name):
        return "gitlab_ci"
    if name.startswith(".gitlab-ci"):
        return None            # the project's own GitLab CI, not the DSO chain's file
    if path.suffix.lower() in (".yaml", ".yml"):
        return "manifest"
    return None


def _explicit_kind(path: Path) -> str:
    """A file named on the command line is linted even if a folder walk would skip it."""
    return "gitlab_ci" if path.name.startswith(".gitlab-ci") else "manifest"


def _is_chart(path: Path) -> bool:
    return path.is_dir() and (path / "Chart.yaml").is_file()


def _walk(root: Path) -> list[Path]:
    """Files and chart folders under root, sorted, charts not descended."""
    found: list[Path] = []
    for current, dirs, files in os.walk(root):
        here = Path(current)
        if _is_chart(here):
            found.append(here)
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_DIRS)
        found.extend(here / f for f in sorted(files) if artefact_kind(here / f))
    return found


def _read(path: Path, shown: str, loaded: Loaded) -> str | None:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            loaded.unusable(shown, f"fichier trop gros ({size / 2**20:.1f} Mo, limite {MAX_BYTES // 2**20} Mo).",
                            "Un objet Kubernetes ne dépasse pas 1,5 Mo : découpez le fichier ou vérifiez "
                            "qu'il s'agit du bon fichier.")
            return None
        raw = path.read_bytes()
    except OSError as error:
        loaded.unusable(shown, f"lecture impossible ({error.strerror or error}).",
                        "Vérifiez le chemin et les droits du fichier.")
        return None
    if b"\0" in raw[:8192]:
        loaded.unusable(shown, "fichier binaire, pas du texte.", "Donnez le fichier source (YAML, Dockerfile).")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        loaded.unusable(shown, f"encodage non UTF-8 (octet {error.start}).",
                        "Enregistrez le fichier en UTF-8.")
        return None


def add_yaml_text(text: str, shown: str, kind: str, loaded: Loaded, *, chart: str | None = None,
                  rendered: bool = False) -> None:
    docs, error = load_all(text)
    if error is not None:
        where = f" ligne {error.line}" if error.line else ""
        loaded.unusable(shown, f"YAML invalide{where} : {error.problem}.",
                        "Vérifiez l'indentation (espaces, pas de tabulation), les deux-points et les guillemets.",
                        line=error.line)
    useful = [d for d in docs if d.data is not None]
    if not useful and error is None:
        loaded.empty(shown)
        return
    for doc in useful:
        if kind == "manifest" and isinstance(doc.data, dict) and doc.data.get("kind") == "List" \
                and isinstance(doc.data.get("items"), list):
            for index, item in enumerate(doc.data["items"]):
                prefix = f"items/[{index}]/"
                sub = YamlDoc(item, doc.lines.get(f"items/[{index}]", doc.line),
                              {k[len(prefix):]: v for k, v in doc.lines.items() if k.startswith(prefix)})
                _add_doc(sub, shown, kind, loaded, chart, rendered)
        else:
            _add_doc(doc, shown, kind, loaded, chart, rendered)


def _add_doc(doc: YamlDoc, shown: str, kind: str, loaded: Loaded, chart: str | None, rendered: bool) -> None:
    if not isinstance(doc.data, dict):
        loaded.unusable(shown, f"le document ligne {doc.line} n'est pas un dictionnaire YAML "
                               f"({type(doc.data).__name__}).",
                        "Un objet Kubernetes commence par `apiVersion:` et `kind:`.", line=doc.line)
        return
    loaded.targets.append(Target(kind, shown, doc.data, None if rendered else doc, chart=chart))


def add_dockerfile_text(text: str, shown: str, loaded: Loaded) -> None:
    from grader.rules.dockerfile._parse import parse
    if not text.strip():
        loaded.unusable(shown, "Dockerfile vide.", "Un Dockerfile commence par `FROM image:tag`.")
        return
    parsed = parse(text)
    if not parsed.stages:
        loaded.unusable(shown, "aucune instruction FROM : ce n'est pas un Dockerfile utilisable.",
                        "Un Dockerfile commence par `FROM image:tag` (éventuellement précédé d'ARG).")
        return
    loaded.targets.append(Target("dockerfile", shown, parsed, text=text))


def add_chart(chart: Path, shown: str, loaded: Loaded, *, values: tuple[Path, ...], env_type: str) -> None:
    from grader import tools
    from grader.errors import CpinError
    chosen = list(values)
    if not chosen and (chart / f"values-{env_type}.yaml").is_file():
        chosen = [chart / f"values-{env_type}.yaml"]
    for values_file in [chart / "values.yaml", *chosen]:
        if values_file.is_file():
            text = _read(values_file, str(values_file), loaded)
            if text is not None:
                add_yaml_text(text, str(values_file), "helm_values", loaded, chart=shown)
        elif values_file != chart / "values.yaml":
            loaded.unusable(str(values_file), "fichier de valeurs introuvable.", "Vérifiez le chemin donné à --values.")
            return
    try:
        helm = tools.find("helm")
    except CpinError as error:
        loaded.unusable(shown, f"chart Helm non rendu : {error.message_fr}", error.hint_fr or "")
        return
    command = [str(helm), "template", "cpin", str(chart), "--kube-version", "1.36.0"]
    for values_file in chosen:
        command += ["--values", str(values_file)]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=HELM_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        loaded.unusable(shown, f"helm template n'a pas pu s'exécuter ({error}).", "Relancez ; vérifiez `cpin doctor`.")
        return
    if proc.returncode != 0:
        message = " ".join(proc.stderr.strip().splitlines()[-3:])[:400]
        loaded.unusable(shown, f"le chart ne se rend pas avec helm template : {message}",
                        "Corrigez le gabarit ou les valeurs indiqués ; essayez `helm template` vous-même.")
        return
    chunks = re.split(r"^---\s*$", proc.stdout, flags=re.M)
    rendered_any = False
    for chunk in chunks:
        if not chunk.strip():
            continue
        source = _SOURCE.search(chunk)
        shown_file = shown
        if source:
            relative = Path(*Path(source.group(1)).parts[1:])   # drop the chart name
            shown_file = str(Path(shown) / relative)
        before = len(loaded.targets)
        add_yaml_text(chunk, shown_file, "manifest", loaded, chart=shown, rendered=True)
        rendered_any = rendered_any or len(loaded.targets) > before
    loaded.input_findings = [f for f in loaded.input_findings
                             if not (f[0] == "input-empty" and f[1].startswith(shown))]
    if not rendered_any:
        loaded.empty(shown)


def load(paths: list[str | Path], *, values: tuple[str | Path, ...] = (), env_type: str = "dev") -> Loaded:
    loaded = Loaded()
    value_files = tuple(Path(v) for v in values)
    for given in paths:
        root = Path(given)
        if not root.exists():
            loaded.unusable(str(given), "chemin introuvable.", "Vérifiez le chemin (relatif au dossier courant).")
            continue
        for path in ([root] if root.is_file() or _is_chart(root) else _walk(root)):
            shown = str(path)
            if _is_chart(path):
                add_chart(path, shown, loaded, values=value_files, env_type=env_type)
                continue
            kind = artefact_kind(path) or _explicit_kind(path)
            text = _read(path, shown, loaded)
            if text is None:
                continue
            if kind == "dockerfile":
                add_dockerfile_text(text, shown, loaded)
            else:
                add_yaml_text(text, shown, kind, loaded)
    return loaded
