"""Turn paths into targets the rules can look at: one `Target` per object, Dockerfile, values file or CI file.

- a directory is walked (hidden folders, node_modules, vendor, target skipped); a folder holding
  `Chart.yaml` is a Helm chart: it is rendered by the real `helm template` and not walked further;
- Dockerfiles: `Dockerfile`, `Containerfile`, `Dockerfile.*`, `*.Dockerfile`;
- the CI file `.gitlab-ci-dso.yml` (and its misspellings, which rule ci-file-name reports);
- any other `*.yaml` / `*.yml` is a manifest file: multi-document, `kind: List` expanded.
A file that cannot be used becomes an `input-unusable` finding; the other files are still read.
Work is bounded: special files (devices, FIFOs, sockets) are refused unopened, each file and the
whole run have a size cap, a walk has a depth and file-count cap, helm's output has a size cap, and
an unreadable folder is a finding, never a silent skip.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.files import Unreadable, os_error_fr, read_text
from grader.rules.model import Finding, finding
from grader.yamlload import YamlDoc, load_all

MAX_BYTES = 4 * 2**20          # an etcd object is at most 1.5 MiB; 4 MiB of YAML is far beyond any app
MAX_RUN_BYTES = 64 * 2**20     # all files of one run, helm output included
MAX_FILES = 5_000              # files of one run
MAX_OBJECTS = 50_000           # objects (targets) of one run
MAX_WALK_DEPTH = 40            # folder levels under a given path
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
    bytes_read: int = 0
    files_read: int = 0
    capped: bool = False       # a run cap was reached: the rest was not verified (reported once)

    def budget(self, shown: str, size: int = 0) -> bool:
        """Count a file of `size` bytes against the run caps; False (and one finding) once a cap is reached."""
        if not self.capped and (self.files_read + 1 > MAX_FILES or self.bytes_read + size > MAX_RUN_BYTES
                                or len(self.targets) > MAX_OBJECTS):
            self.capped = True
            self.unusable(shown, f"limite d'une vérification atteinte ({MAX_FILES} fichiers, "
                                 f"{MAX_RUN_BYTES // 2**20} Mo, {MAX_OBJECTS} objets) : ce fichier et les suivants "
                                 "ne sont pas vérifiés.",
                          "Vérifiez les dossiers un par un (cpin lint DOSSIER), ou excluez ce qui n'est pas à vous.")
        if self.capped:
            return False
        self.files_read += 1
        self.bytes_read += size
        return True

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
    try:
        return path.is_dir() and (path / "Chart.yaml").is_file()
    except OSError:            # e.g. a path too long: not a chart; reading it will say why
        return False


def _walk(root: Path, loaded: Loaded) -> list[Path]:
    """Files and chart folders under root, sorted, charts not descended (iterative: no depth recursion).

    A folder that cannot be listed, or deeper than MAX_WALK_DEPTH, is a finding: never a silent skip."""
    found: list[Path] = []
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        here, depth = stack.pop()
        if _is_chart(here):
            found.append(here)
            continue
        if depth > MAX_WALK_DEPTH:
            loaded.unusable(str(here), f"dossier à plus de {MAX_WALK_DEPTH} niveaux sous {root} : non parcouru.",
                            "Donnez à cpin lint le dossier du projet lui-même.")
            continue
        try:
            with os.scandir(here) as entries:
                listed = sorted(((e.name, e.is_dir(follow_symlinks=False)) for e in entries))
        except OSError as error:
            loaded.unusable(str(here), f"dossier illisible : {os_error_fr(error)} ; son contenu n'est pas vérifié.",
                            "Vérifiez les droits du dossier (ls -ld), ou excluez-le de la vérification.")
            continue
        dirs = [name for name, is_dir in listed if is_dir and not name.startswith(".") and name not in SKIPPED_DIRS]
        found.extend(here / name for name, is_dir in listed if not is_dir and artefact_kind(here / name))
        if len(found) > MAX_FILES:
            break              # `budget` reports the cap when the file past it is read
        stack.extend((here / name, depth + 1) for name in reversed(dirs))
    return found


def _read(path: Path, shown: str, loaded: Loaded) -> str | None:
    """The file's text, bounded (see `grader.files`), or None and an `input-unusable` finding."""
    if loaded.capped:
        return None
    try:
        text = read_text(path, limit=MAX_BYTES, shown="")
    except Unreadable as error:
        hint = error.hint_fr or ""
        if error.reason.startswith("fichier trop gros"):
            hint = "Un objet Kubernetes ne dépasse pas 1,5 Mo : découpez le fichier ou vérifiez qu'il s'agit du bon fichier."
        loaded.unusable(shown, error.reason + ".", hint)
        return None
    return text if loaded.budget(shown, len(text)) else None


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
            for sub in _list_items(doc):
                if len(loaded.targets) >= MAX_OBJECTS:
                    loaded.budget(shown)
                    return
                _add_doc(sub, shown, kind, loaded, chart, rendered)
        elif len(loaded.targets) >= MAX_OBJECTS:
            loaded.budget(shown)
            return
        else:
            _add_doc(doc, shown, kind, loaded, chart, rendered)


def _list_items(doc: YamlDoc) -> list[YamlDoc]:
    """The items of a `kind: List` as documents, their line tables split in one pass (linear)."""
    items = doc.data["items"]
    tables: list[dict[str, int]] = [{} for _ in items]
    for key, line in doc.lines.items():
        if key.startswith("items/["):
            index, _, rest = key[len("items/["):].partition("]")
            if index.isdigit() and int(index) < len(items) and rest.startswith("/"):
                tables[int(index)][rest[1:]] = line
    return [YamlDoc(item, doc.lines.get(f"items/[{index}]", doc.line), tables[index])
            for index, item in enumerate(items)]


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
    unusable_before = sum(f[0] == "input-unusable" for f in loaded.input_findings)
    for values_file in [chart / "values.yaml", *chosen]:
        if values_file.exists():
            text = _read(values_file, str(values_file), loaded)
            if text is not None:
                add_yaml_text(text, str(values_file), "helm_values", loaded, chart=shown)
        elif values_file != chart / "values.yaml":
            loaded.unusable(str(values_file), "fichier de valeurs introuvable.", "Vérifiez le chemin donné à --values.")
            return
    if sum(f[0] == "input-unusable" for f in loaded.input_findings) > unusable_before:
        return                 # helm would read the same unusable values (and maybe spend its timeout on them)
    try:
        helm = tools.find("helm")
    except CpinError as error:
        loaded.unusable(shown, f"chart Helm non rendu : {error.message_fr}", error.hint_fr or "")
        return
    command = [str(helm), "template", "cpin", str(chart), "--kube-version", "1.36.0"]
    for values_file in chosen:
        command += ["--values", str(values_file)]
    rendered_text = _helm_template(command, shown, loaded)
    if rendered_text is None:
        return
    chunks = re.split(r"^---\s*$", rendered_text, flags=re.M)
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


def _helm_template(command: list[str], shown: str, loaded: Loaded) -> str | None:
    """helm's output, under a timeout and a size cap (output goes to a file, not to memory)."""
    limit = max(0, min(MAX_BYTES * 4, MAX_RUN_BYTES - loaded.bytes_read))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.run(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, timeout=HELM_TIMEOUT)
        except subprocess.TimeoutExpired:
            loaded.unusable(shown, f"helm template n'a pas fini en {HELM_TIMEOUT} s : le chart n'est pas vérifié.",
                            "Le chart produit-il des milliers d'objets ? Vérifiez les boucles `range` du gabarit.")
            return None
        except OSError as error:
            loaded.unusable(shown, f"helm template n'a pas pu s'exécuter : {os_error_fr(error)}.",
                            "Relancez ; vérifiez `cpin doctor`.")
            return None
        size = out.tell()
        err.seek(0)
        stderr = err.read(64 * 1024).decode("utf-8", "replace")
        if proc.returncode != 0:
            message = " ".join(stderr.strip().splitlines()[-3:])[:400]
            loaded.unusable(shown, f"le chart ne se rend pas avec helm template (détail : {message})",
                            "Corrigez le gabarit ou les valeurs indiqués ; essayez `helm template` vous-même.")
            return None
        if size > limit:
            loaded.unusable(shown, f"le rendu du chart est trop gros ({size / 2**20:.1f} Mo, limite "
                                   f"{limit / 2**20:.0f} Mo) : il n'est pas vérifié.",
                            "Le chart produit-il des milliers d'objets ? Vérifiez les boucles `range` du gabarit.")
            return None
        loaded.bytes_read += size
        out.seek(0)
        return out.read().decode("utf-8", "replace")


def load(paths: list[str | Path], *, values: tuple[str | Path, ...] = (), env_type: str = "dev") -> Loaded:
    loaded = Loaded()
    value_files = tuple(Path(v) for v in values)
    for given in paths:
        if not isinstance(given, (str, Path)) or str(given).strip() == "" or "\0" in str(given):
            loaded.unusable(repr(given) if not isinstance(given, (str, Path)) else str(given) or "« »",
                            "chemin vide ou invalide : rien n'a été vérifié.",
                            "Donnez le chemin d'un fichier ou d'un dossier (par exemple : cpin lint k8s/).")
            continue
        root = Path(given)
        try:
            exists, is_dir = root.exists(), root.is_dir()
        except OSError as error:
            loaded.unusable(str(given), f"chemin inutilisable : {os_error_fr(error)}.",
                            "Vérifiez le chemin (relatif au dossier courant).")
            continue
        if not exists and not root.is_symlink():
            loaded.unusable(str(given), "chemin introuvable.", "Vérifiez le chemin (relatif au dossier courant).")
            continue
        for path in (_walk(root, loaded) if is_dir and not _is_chart(root) else [root]):
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
