"""Base images of the container exercises: the kit's offline tags, the public ones, and how to build the former.

`exercises/images.yaml` is the one mapping file. `prepare()` builds the kit's images from Debian
packages (debootstrap, busybox-static), with no registry; expensive steps are cached under
`<CPIN_CACHE>/images/`, and an image whose tag exists with the same recipe is skipped.
`build_args(exercise)` gives the `BASE_IMAGE` build argument an exercise Dockerfile expects.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable


from grader.config import REPO_ROOT, settings
from grader.errors import CpinError, InputError, ToolFailed, ToolMissing

MAPPING_FILE = REPO_ROOT / "exercises" / "images.yaml"
KIT_LABEL = "cpin.dev/kit"            # value: "base" or "app"; never swept by the grader's cleanup
RECIPE_LABEL = "cpin.dev/recipe"      # hash of what the image was built from
MODES = ("auto", "offline", "online")  # CPIN_IMAGES
DEBIAN_MIRROR = "http://deb.debian.org/debian"  # CPIN_DEBIAN_MIRROR overrides
# Files a container image never needs; the same paths are excluded from later `apt-get install`s.
SLIM_PATHS = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian",
              "var/cache/apt", "var/lib/apt/lists", "var/log", "var/cache/debconf")
DPKG_EXCLUDES = ("path-exclude /usr/share/doc/*\npath-include /usr/share/doc/*/copyright\n"
                 "path-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\n"
                 "path-exclude /usr/share/locale/*\npath-exclude /usr/share/lintian/*\n")


@dataclass(frozen=True)
class BaseImage:
    key: str
    description: str
    offline: str            # kit tag, built by prepare()
    online: str             # public tag, pulled with internet
    recipe: str             # "debootstrap" | "busybox"
    options: dict


@dataclass(frozen=True)
class KitImage:
    key: str
    description: str
    tag: str
    context: Path
    dockerfile: str
    base: str               # key of a BaseImage


@dataclass(frozen=True)
class Mapping:
    bases: dict[str, BaseImage]
    kit: dict[str, KitImage]
    exercises: dict[str, str]  # exercise id -> base key


@dataclass(frozen=True)
class Prepared:
    key: str
    tag: str
    action: str             # "présente" | "importée du cache" | "construite"
    seconds: float
    size_mb: float


def _strict(node: dict, allowed: set[str], where: str, path: Path) -> None:
    if not isinstance(node, dict):
        raise InputError(f"{path} : « {where} » doit être un dictionnaire.")
    unknown = sorted(set(node) - allowed)
    if unknown:
        raise InputError(f"{path} : clé inconnue « {unknown[0]} » dans « {where} ».",
                         hint_fr=f"Clés permises : {', '.join(sorted(allowed))}.")


def load_mapping(path: Path = MAPPING_FILE) -> Mapping:
    """Read and validate the mapping file (unknown key or dangling reference -> InputError)."""
    from grader.files import read_text
    from grader.yamlload import safe_load
    data = safe_load(read_text(path), str(path))
    _strict(data, {"apiVersion", "kind", "bases", "kit", "exercises"}, "racine", path)
    if data.get("kind") != "ImageMapping":
        raise InputError(f"{path} : « kind » doit valoir ImageMapping.")
    bases = {}
    for key, node in (data.get("bases") or {}).items():
        _strict(node, {"description", "offline", "online", "recipe"}, f"bases.{key}", path)
        recipe = node.get("recipe") or {}
        if len(recipe) != 1 or next(iter(recipe)) not in ("debootstrap", "busybox"):
            raise InputError(f"{path} : bases.{key}.recipe doit être « debootstrap » ou « busybox ».")
        name, options = next(iter(recipe.items()))
        bases[key] = BaseImage(key, node.get("description", ""), node["offline"], node["online"], name,
                               dict(options or {}))
    kit = {}
    for key, node in (data.get("kit") or {}).items():
        _strict(node, {"description", "tag", "context", "dockerfile", "base"}, f"kit.{key}", path)
        kit[key] = KitImage(key, node.get("description", ""), node["tag"], REPO_ROOT / node["context"],
                            node.get("dockerfile", "Dockerfile"), node["base"])
    exercises = dict(data.get("exercises") or {})
    for owner, base in [*((f"kit.{k}", v.base) for k, v in kit.items()), *exercises.items()]:
        if base not in bases:
            raise InputError(f"{path} : « {owner} » désigne l'image de base inconnue « {base} ».")
    return Mapping(bases, kit, exercises)


def _mode(mode: str | None) -> str:
    mode = mode or settings().images
    if mode not in MODES:
        raise InputError(f"CPIN_IMAGES={mode} : valeur inconnue.", hint_fr="Valeurs : auto, offline, online.")
    return mode


def resolve(base: str, *, mode: str | None = None, client=None, mapping: Mapping | None = None) -> str:
    """The tag to build on: the kit's (offline), the public one (online); `auto` takes the kit's if present."""
    mapping = mapping or load_mapping()
    if base not in mapping.bases:
        raise InputError(f"Image de base inconnue : « {base} ».", hint_fr=f"Connues : {', '.join(mapping.bases)}.")
    image, mode = mapping.bases[base], _mode(mode)
    if mode == "online":
        return image.online
    present = _tag_exists(client or docker_client(), image.offline)
    if mode == "offline" and not present:
        raise CpinError(f"L'image hors ligne {image.offline} n'est pas préparée.",
                        hint_fr="Lancez « cpin images prepare » (aucun registre n'est nécessaire).")
    return image.offline if present else image.online


def build_args(exercise: str, *, mode: str | None = None, client=None) -> dict[str, str]:
    """`{"BASE_IMAGE": tag}` for an exercise's Dockerfile, following the mapping file."""
    mapping = load_mapping()
    if exercise not in mapping.exercises:
        raise InputError(f"L'exercice « {exercise} » n'a pas d'image de base dans {MAPPING_FILE.name}.")
    return {"BASE_IMAGE": resolve(mapping.exercises[exercise], mode=mode, client=client, mapping=mapping)}


def docker_client(timeout: int = 300):
    """A Docker SDK client that answers, or DockerUnavailable with a French hint."""
    import docker
    from grader.errors import DockerUnavailable
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as error:  # the SDK raises DockerException, requests or socket errors
        host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
        raise DockerUnavailable(
            f"Le moteur Docker ne répond pas ({host}).",
            hint_fr="Démarrez Docker (sous Linux : « sudo .ci/docker.sh » depuis le dépôt du kit, "
                    "ou Docker Desktop), puis relancez.") from error
    return client


def _tag_exists(client, tag: str) -> bool:
    import docker
    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def _recipe_hash(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _context_hash(context: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in context.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(file.relative_to(context)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def _current(client, tag: str, recipe: str) -> bool:
    import docker
    try:
        labels = client.images.get(tag).labels or {}
    except docker.errors.ImageNotFound:
        return False
    return labels.get(RECIPE_LABEL) == recipe


def _image_id(client, tag: str) -> str | None:
    import docker
    try:
        return client.images.get(tag).id
    except docker.errors.ImageNotFound:
        return None


def _size_mb(client, tag: str) -> float:
    return round(client.images.get(tag).attrs["Size"] / 1e6, 1)


@contextlib.contextmanager
def _lock(directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


RUN_TIMEOUT = 3600   # an image build from scratch; a frozen engine must not block forever


def _run(command: list[str], message_fr: str, hint_fr: str | None = None) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired as error:
        raise ToolFailed(f"{message_fr} (pas de réponse en {RUN_TIMEOUT // 60} min)", command=command,
                         output=str(error.output or ""), hint_fr="Le moteur Docker est-il figé ? "
                         "Redémarrez-le, puis relancez.") from error
    if done.returncode != 0:
        raise ToolFailed(message_fr, command=command, output=done.stdout + done.stderr, hint_fr=hint_fr)


def _debootstrap_rootfs(image: BaseImage, tar_path: Path) -> None:
    """debootstrap a minimal Debian with the recipe's packages, slim it, and tar it to `tar_path`."""
    if not shutil.which("debootstrap"):
        raise ToolMissing("debootstrap est introuvable.", hint_fr="Installez le paquet Debian « debootstrap ».")
    if os.geteuid() != 0:
        raise CpinError(f"Construire {image.offline} demande les droits root (debootstrap).",
                        hint_fr="Relancez avec sudo : « sudo cpin images prepare ».")
    mirror = settings().debian_mirror or DEBIAN_MIRROR
    with tempfile.TemporaryDirectory(dir=tar_path.parent, prefix="rootfs-") as tmp:
        root = Path(tmp) / "root"
        _run(["debootstrap", "--variant=minbase", f"--include={','.join(image.options.get('include', []))}",
              image.options.get("suite", "bookworm"), str(root), mirror],
             f"debootstrap a échoué pour {image.offline}.",
             hint_fr=f"Vérifiez l'accès au miroir Debian {mirror} (variable CPIN_DEBIAN_MIRROR).")
        for rel in SLIM_PATHS:
            target = root / rel
            if target.is_dir():
                for child in target.iterdir():
                    shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
        (root / "etc/dpkg/dpkg.cfg.d/cpin-slim").write_text(DPKG_EXCLUDES)
        (root / "etc/apt/apt.conf.d/90cpin-slim").write_text(
            'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n')
        partial = tar_path.with_suffix(".partial")
        _run(["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-cf", str(partial), "."],
             f"Impossible d'archiver le système de fichiers de {image.offline}.")
        partial.rename(tar_path)


def _busybox_context(image: BaseImage) -> bytes:
    """A build context (tar) with a static busybox and a Dockerfile serving /www on 8080 as UID 1001."""
    busybox = Path("/bin/busybox")
    if not busybox.exists():
        raise ToolMissing("busybox statique introuvable (/bin/busybox).",
                          hint_fr="Installez le paquet Debian « busybox-static ».")
    dockerfile = (
        "FROM scratch\n"
        "COPY busybox /bin/busybox\n"
        'RUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
        "RUN mkdir -p /etc /tmp /www /usr/bin /sbin /usr/sbin && chmod 1777 /tmp"
        " && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd"
        " && echo 'www:x:1001:0:www:/www:/bin/sh' >> /etc/passwd"
        " && echo 'root:x:0:' > /etc/group"
        " && echo '<h1>cpin/static-web</h1>' > /www/index.html"
        " && chown -R 1001:0 /www && chmod -R g=u /www\n"
        f"LABEL {KIT_LABEL}=base org.opencontainers.image.title=static-web"
        f' org.opencontainers.image.description="{image.description}"\n'
        "WORKDIR /www\n"
        "USER 1001\n"
        "EXPOSE 8080\n"
        'CMD ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"]\n'
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(busybox, arcname="busybox")
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile.encode())
        tar.addfile(info, io.BytesIO(dockerfile.encode()))
    return buffer.getvalue()


def _build(client, *, tag: str, labels: dict, **kwargs) -> None:
    """Build with the SDK's low-level API; a failing step becomes ToolFailed with its output.
    Untagged leftovers of earlier stages (e.g. the demo app's `test` stage) are removed afterwards."""
    import docker
    lines: list[str] = []
    for chunk in client.api.build(tag=tag, labels=labels, rm=True, forcerm=True, decode=True, **kwargs):
        if "stream" in chunk:
            lines.extend(chunk["stream"].rstrip("\n").splitlines())
        if "error" in chunk:
            raise ToolFailed(f"La construction de {tag} a échoué : {chunk['error'].strip()}",
                             command=["docker", "build", "-t", tag], output="\n".join(lines))
    for layer_id in reversed(intermediate_ids(lines)):
        with contextlib.suppress(docker.errors.DockerException):  # parents of the tagged image stay (conflict)
            if not client.images.get(layer_id).tags:
                client.images.remove(layer_id)


_LAYER_LINE = re.compile(r" ---> ([0-9a-f]{12,64})")


def intermediate_ids(lines: list[str]) -> list[str]:
    """Image ids of the build's steps (` ---> 3f2a…` lines); other ` ---> ` lines (`Running in …`,
    `Using cache`, or an empty one, as Docker 20.10 prints on a first build) are not ids."""
    return [m.group(1) for line in lines if (m := _LAYER_LINE.fullmatch(line.rstrip()))]


def _prepare_base(client, image: BaseImage, cache: Path, force: bool, log) -> str:
    import docker
    if image.recipe == "busybox":
        context = _busybox_context(image)
        recipe = hashlib.sha256(context).hexdigest()[:16]
        if not force and _current(client, image.offline, recipe):
            return "présente"
        _build(client, tag=image.offline, labels={RECIPE_LABEL: recipe},
               fileobj=io.BytesIO(context), custom_context=True)
        return "construite"
    recipe = _recipe_hash(image.recipe, image.options, SLIM_PATHS, DPKG_EXCLUDES)
    if not force and _current(client, image.offline, recipe):
        return "présente"
    tar_path = cache / f"{image.key}-{recipe}.tar"
    action = "importée du cache"
    if force or not tar_path.exists():
        log(f"  debootstrap {image.options.get('suite', 'bookworm')} + {', '.join(image.options.get('include', []))}…")
        _debootstrap_rootfs(image, tar_path)
        action = "construite"
    repository, _, tag = image.offline.rpartition(":")
    changes = ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "ENV LANG=C.UTF-8",
               f"LABEL {KIT_LABEL}=base {RECIPE_LABEL}={recipe}", 'CMD ["python3"]']
    try:
        client.api.import_image_from_file(str(tar_path), repository=repository, tag=tag, changes=changes)
    except docker.errors.APIError as error:
        tar_path.unlink(missing_ok=True)
        raise CpinError(f"Le moteur refuse d'importer {image.offline} : {error.explanation or error}",
                        hint_fr="L'archive en cache est écartée ; relancez « cpin images prepare ».") from error
    return action


def _prepare_kit(client, image: KitImage, mapping: Mapping, force: bool, log) -> str:
    import docker
    base = mapping.bases[image.base].offline
    recipe = _recipe_hash(_context_hash(image.context), image.dockerfile, client.images.get(base).id)
    if not force and _current(client, image.tag, recipe):
        return "présente"
    previous = _image_id(client, image.tag)
    _build(client, tag=image.tag, labels={KIT_LABEL: "app", RECIPE_LABEL: recipe},
           path=str(image.context), dockerfile=image.dockerfile, buildargs={"BASE_IMAGE": base}, pull=False)
    if previous and previous != _image_id(client, image.tag):
        with contextlib.suppress(docker.errors.APIError):  # the replaced build, unless a container uses it
            client.images.remove(previous)
    return "construite"


def prepare(keys: Iterable[str] | None = None, *, force: bool = False, client=None, mapping: Mapping | None = None,
            log: Callable[[str], None] = lambda line: None) -> list[Prepared]:
    """Build the kit's images (all, or the named bases/kit images, with the bases they need)."""
    mapping = mapping or load_mapping()
    known = [*mapping.bases, *mapping.kit]
    wanted = list(keys or known)
    forced = set(wanted) if force else set()   # --force rebuilds the named images, not the bases they pull in
    for key in wanted:
        if key not in known:
            raise InputError(f"Image inconnue : « {key} ».", hint_fr=f"Connues : {', '.join(known)}.")
    wanted += [mapping.kit[k].base for k in wanted if k in mapping.kit]
    client = client or docker_client()
    cache = settings().cache_dir / "images"
    outcomes = []
    with _lock(cache):
        for key in known:
            if key not in wanted:
                continue
            started = time.monotonic()
            if key in mapping.bases:
                image = mapping.bases[key]
                log(f"{image.offline} : {image.description}")
                action, tag = _prepare_base(client, image, cache, key in forced, log), image.offline
            else:
                image = mapping.kit[key]
                log(f"{image.tag} : {image.description}")
                action, tag = _prepare_kit(client, image, mapping, key in forced, log), image.tag
            outcomes.append(Prepared(key, tag, action, round(time.monotonic() - started, 1), _size_mb(client, tag)))
            log(f"  {action} ({outcomes[-1].seconds} s, {outcomes[-1].size_mb} Mo)")
    return outcomes


def remove(client=None) -> list[str]:
    """Remove every image the kit labelled (bases and kit images, nothing else); returns their tags.
    The debootstrap archives in CPIN_CACHE/images stay: the next `prepare` re-imports them."""
    import docker
    client = client or docker_client()
    removed = []
    for image in client.images.list(filters={"label": KIT_LABEL}):
        with contextlib.suppress(docker.errors.NotFound):
            client.images.remove(image.id, force=True)
            removed.extend(image.tags or [image.short_id])
    return removed


def inventory(client=None) -> list[dict]:
    """One row per base and kit image: tags, whether the kit tag is present, its size."""
    import docker
    mapping = load_mapping()
    client = client or docker_client()
    rows = []
    for key, tag, online in [*((k, b.offline, b.online) for k, b in mapping.bases.items()),
                             *((k, i.tag, "") for k, i in mapping.kit.items())]:
        try:
            size = round(client.images.get(tag).attrs["Size"] / 1e6, 1)
        except docker.errors.ImageNotFound:
            size = None
        users = sorted(e for e, b in mapping.exercises.items() if b == key)
        rows.append({"key": key, "offline": tag, "online": online, "present": size is not None,
                     "size_mb": size, "exercises": users})
    return rows
