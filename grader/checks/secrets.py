"""Checks on secrets the platform's way (rule 23): SOPS files in git, Secrets, their use, VaultStaticSecrets.

`sops_file` reads the learner's repository: the file is a SopsSecret encrypted with the cluster's public
age key (only the `*Templates` values, `sops:` block present), it decrypts with the cluster key (MAC
checked by the `sops` CLI), and no clear value of it, nor any plain `kind: Secret` with data, is anywhere
in the git history. A plain Secret or a clear value in git fails the whole check (0 point, rule 23).
The live checks read the cluster. No check puts a secret value in its detail or evidence: values are
compared, never shown (Secrets in evidence are masked by `grader.kube.client.strip`).
"""
from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import yaml

from grader import sops
from grader.checks.base import CheckContext, Outcome, SubCheck
from grader.operators.crds import SOPS_API, VAULT_API
from grader.results import Status

RULE_23 = ("Règle 23 de la plateforme : aucun secret en clair dans git. Un dépôt est copié, forké, sauvegardé ; "
           "un secret qui y est passé est compromis pour toujours.")
_SECRETISH = re.compile(r"pass|pwd|secret|token|key|credential", re.I)
_SECRET_DOC = re.compile(r"^kind:\s*['\"]?Secret['\"]?\s*$", re.M)


def _git(repo: Path, *args: str, data: bool = False):
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, timeout=30)
    return proc if data else proc.stdout.decode(errors="replace")


def repo_root(path: Path) -> Path | None:
    proc = _git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel", data=True)
    return Path(proc.stdout.decode().strip()) if proc.returncode == 0 else None


def history_blobs(repo: Path):
    """(path, bytes) of every file version reachable from any ref (the whole history)."""
    listing = _git(repo, "rev-list", "--all", "--objects")
    seen = {}
    for line in listing.splitlines():
        sha, _, path = line.partition(" ")
        if path and sha not in seen:
            seen[sha] = path
    if not seen:
        return
    batch = subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input="\n".join(seen).encode() + b"\n",
                           capture_output=True, timeout=60).stdout
    pos = 0
    while pos < len(batch):
        end = batch.index(b"\n", pos)
        header = batch[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        body = batch[pos:pos + size]
        pos += size + 1
        if header[1] == "blob":
            yield seen[header[0]], body


def plain_secrets_in(text: bytes) -> bool:
    """A YAML text holding a `kind: Secret` with data or stringData."""
    try:
        decoded = text.decode()
    except UnicodeDecodeError:
        return False
    if not _SECRET_DOC.search(decoded):
        return False
    try:
        docs = list(yaml.safe_load_all(decoded))
    except yaml.YAMLError:
        return bool(re.search(r"^(data|stringData):\s*$", decoded, re.M))
    return any(isinstance(d, dict) and d.get("kind") == "Secret" and (d.get("data") or d.get("stringData"))
               for d in docs)


def clear_values(doc: dict) -> list[str]:
    """The values worth hunting in the history: secret-looking keys (≥ 4 chars) and any value ≥ 8 chars."""
    found = []
    for template in (doc.get("spec") or {}).get("secretTemplates") or []:
        pairs = list((template.get("stringData") or {}).items())
        for key, value in (template.get("data") or {}).items():
            try:
                pairs.append((key, base64.b64decode(str(value)).decode()))
            except (ValueError, UnicodeDecodeError):
                continue
        for key, value in pairs:
            text = str(value)
            if len(text) >= 8 or (len(text) >= 4 and _SECRETISH.search(str(key))):
                found.append(text)
    return found


def _all_values(doc: dict) -> list[str]:
    return [str(v) for t in (doc.get("spec") or {}).get("secretTemplates") or []
            for v in (t.get("stringData") or {}).values()]


def _leaks(repo: Path, values: list[str]) -> tuple[list[str], list[str]]:
    """(files of plain Secrets, files holding a clear value) over the whole history; names only."""
    plain, clear = set(), set()
    needles = [v.encode() for v in values]
    for path, body in history_blobs(repo):
        if path.endswith((".yaml", ".yml")) and plain_secrets_in(body):
            plain.add(path)
        if any(n in body for n in needles):
            clear.add(path)
    return sorted(plain), sorted(clear)


def sops_file(ctx: CheckContext, params: dict) -> Outcome:
    """params: `file`; `secret`? (template name), `keys`? (its keys); `history`? (default true); `leaked`? (values
    known to have leaked: they must be rotated, i.e. absent from the file and from the whole history)."""
    path = ctx.work_dir / params["file"]
    if not path.exists():
        return Outcome.fail(f"fichier « {params['file']} » introuvable", final=True)
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (ligne {mark.line + 1})" if mark else ""
        return Outcome.fail(f"« {params['file']} » n'est pas un YAML valide{where} : corrigez-le, puis rechiffrez",
                            final=True)
    if not isinstance(doc, dict) or doc.get("kind") != "SopsSecret" or doc.get("apiVersion") != SOPS_API:
        return Outcome.fail(f"« {params['file']} » doit être un SopsSecret (apiVersion {SOPS_API})", final=True)
    key_file = sops.key_path()
    if not key_file.exists():
        return Outcome.fail("le cluster n'a pas encore de clé age : lancez « cpin secrets public-key »", final=True)
    subs = []

    # 1. Encrypted the platform's way, for this cluster.
    meta = doc.get("sops") if isinstance(doc.get("sops"), dict) else {}
    recipients = [str(e.get("recipient")) for e in meta.get("age") or [] if isinstance(e, dict)]
    templates = (doc.get("spec") or {}).get("secretTemplates") or []
    clear_fields = [f"{section}.{k}" for t in templates if isinstance(t, dict) for section in ("stringData", "data")
                    for k, v in (t.get(section) or {}).items() if not sops.is_encrypted_value(v)]
    outside = [k for k in ("metadata", "apiVersion", "kind") if "ENC[" in yaml.safe_dump(doc.get(k))]
    problems = []
    if not meta:
        problems.append("pas de bloc « sops: » : le fichier n'est pas chiffré")
    elif sops.public_key() not in recipients:
        problems.append("chiffré pour une autre clé age que celle du cluster")
    if meta and meta.get("encrypted_suffix") != "Templates":
        problems.append("chiffrez avec --encrypted-suffix Templates (seules les valeurs de secretTemplates)")
    if clear_fields:
        problems.append("valeurs en clair : " + ", ".join(clear_fields[:5]))
    if outside:
        problems.append("métadonnées chiffrées (" + ", ".join(outside) + ") : le cluster ne pourrait pas lire l'objet")
    subs.append(SubCheck("chiffrement", "Chiffré avec la clé publique du cluster, valeurs de secretTemplates seules",
                         Status.FAILED if problems else Status.PASSED, " ; ".join(problems) or "chiffrement conforme",
                         "sops -e --age $(cpin secrets public-key) --encrypted-suffix Templates fichier.yaml",
                         {"destinataires": recipients, "suffixe": meta.get("encrypted_suffix")}))

    # 2. Decrypts with the cluster key, MAC checked; the expected Secret and keys are there.
    clear = None
    try:
        clear = yaml.safe_load(sops.decrypt_file(path, key_file))
        names = {t.get("name"): t for t in (clear.get("spec") or {}).get("secretTemplates") or []}
        missing = []
        if params.get("secret") and params["secret"] not in names:
            missing.append(f"aucun secretTemplates nommé « {params['secret']} »")
        elif params.get("secret"):
            template = names[params["secret"]]
            have = set(template.get("stringData") or {}) | set(template.get("data") or {})
            missing += [f"clé « {k} » absente" for k in params.get("keys") or [] if k not in have]
        if set(params.get("leaked") or []) & set(clear_values(clear) + _all_values(clear)):
            missing.append("le mot de passe divulgué est encore utilisé : changez-le (rotation)")
        subs.append(SubCheck("dechiffrement", "Le cluster le déchiffre (MAC vérifié)",
                             Status.FAILED if missing else Status.PASSED, " ; ".join(missing) or "déchiffré",
                             "Vérifiez le nom du Secret et ses clés dans secretTemplates."))
    except sops.SopsError as error:
        subs.append(SubCheck("dechiffrement", "Le cluster le déchiffre (MAC vérifié)", Status.FAILED,
                             error.message_fr, error.hint_fr or ""))

    # 3. Git: the file is committed, and no clear value nor plain Secret anywhere in the history.
    if params.get("history", True):
        repo = repo_root(path)
        if repo is None:
            subs.append(SubCheck("historique", "Fichier versionné, aucun secret en clair dans l'historique",
                                 Status.FAILED, "le dossier n'est pas un dépôt git", "git init, puis commitez."))
        else:
            plain, leaked = _leaks(repo, (clear_values(clear) if clear else []) + list(params.get("leaked") or []))
            if plain or leaked:
                what = ([f"Secret en clair dans {', '.join(plain[:3])}"] if plain else []) + \
                       ([f"valeur en clair dans {', '.join(leaked[:3])}"] if leaked else [])
                return Outcome.fail(RULE_23 + " Trouvé dans l'historique : " + " ; ".join(what) + ". Réécrivez "
                                    "l'historique (git filter-repo ou rebase), changez le mot de passe, puis "
                                    "passez par un SopsSecret.", {"fichiers": plain + leaked}, final=True)
            rel = str(path.resolve().relative_to(repo.resolve()))
            committed = _git(repo, "ls-files", "--error-unmatch", rel, data=True).returncode == 0
            same = committed and _git(repo, "diff", "--quiet", "HEAD", "--", rel, data=True).returncode == 0
            subs.append(SubCheck("historique", "Fichier versionné, aucun secret en clair dans l'historique",
                                 Status.PASSED if same else Status.FAILED,
                                 "historique propre" if same else "le fichier chiffré n'est pas commité tel quel",
                                 f"git add {rel} && git commit"))
    worst = Status.FAILED if any(s.status is Status.FAILED for s in subs) else Status.PASSED
    return Outcome(worst, "", None, final=True, sub=tuple(subs))


def _secret_keys(ctx: CheckContext, name: str) -> tuple[dict | None, set[str]]:
    secret = ctx.kube.get("Secret", name, ctx.namespace)       # evidence masks the values
    return secret, set((secret or {}).get("data") or {})


def secret_keys(ctx: CheckContext, params: dict) -> Outcome:
    """params: `name`, `keys`, `owner`? (SopsSecret | VaultStaticSecret): the Secret exists with these keys."""
    secret, keys = _secret_keys(ctx, params["name"])
    if secret is None:
        return Outcome.fail(f"Secret « {params['name']} » absent de « {ctx.namespace} » : l'opérateur ne l'a pas "
                            "(encore) créé ; lisez le statut de l'objet source (kubectl get sopssecret,vaultstaticsecret)")
    missing = [k for k in params.get("keys") or [] if k not in keys]
    evidence = {"secret": params["name"], "clés": sorted(keys)}
    if missing:
        return Outcome.fail("clés absentes : " + ", ".join(missing), evidence)
    owner = params.get("owner")
    if owner and not any(ref.get("kind") == owner for ref in secret["metadata"].get("ownerReferences") or []):
        return Outcome.fail(f"ce Secret n'a pas été créé par un {owner} : il a été écrit à la main", evidence,
                            final=True)
    return Outcome.ok(f"{len(keys)} clé(s) présente(s)", evidence)


def secret_ref(ctx: CheckContext, params: dict) -> Outcome:
    """params: `kind`, `name`, `secret`, `keys`: each key reaches the containers via secretKeyRef (or
    envFrom secretRef), and no env var holds a literal value for a secret-looking name."""
    obj = ctx.kube.get(params["kind"], params["name"], ctx.namespace)
    if obj is None:
        return Outcome.fail(f"{params['kind']} « {params['name']} » introuvable dans « {ctx.namespace} »")
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    refs, literal, whole = set(), [], False
    for container in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        for env in container.get("env") or []:
            ref = ((env.get("valueFrom") or {}).get("secretKeyRef")) or {}
            if ref.get("name") == params["secret"]:
                refs.add(ref.get("key"))
            if "value" in env and _SECRETISH.search(env.get("name", "")) and env.get("value"):
                literal.append(env["name"])
        for source in container.get("envFrom") or []:
            whole |= (source.get("secretRef") or {}).get("name") == params["secret"]
    evidence = {"secretKeyRef": sorted(k for k in refs if k), "envFrom": whole, "valeurs littérales": literal}
    if literal:
        return Outcome.fail(RULE_23 + " Variables avec une valeur en clair : " + ", ".join(literal), evidence,
                            final=True)
    missing = [k for k in params.get("keys") or [] if k not in refs and not whole]
    if missing:
        return Outcome.fail(f"clés du Secret « {params['secret']} » non lues par secretKeyRef : " + ", ".join(missing),
                            evidence)
    return Outcome.ok(f"lit le Secret « {params['secret']} » par secretKeyRef", evidence)


def _kv_metadata(mount: str, path: str) -> dict:
    """The kv-v2 metadata of a path: from the kit's store, or over HTTP from the Vault named by
    `CPIN_VAULT_ADDR` (token `CPIN_VAULT_TOKEN`) when a learner uses a real Vault or OpenBao."""
    import os
    import urllib.error
    import urllib.request

    from grader.services import kvstore
    from grader.services.kvstore import VaultError

    address = os.environ.get("CPIN_VAULT_ADDR", "").rstrip("/")
    if not address:
        return kvstore.metadata(mount, path)
    request = urllib.request.Request(f"{address}/v1/{mount}/metadata/{path}",
                                     headers={"X-Vault-Token": os.environ.get("CPIN_VAULT_TOKEN", "")})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read()).get("data") or {}
    except urllib.error.HTTPError as error:
        raise VaultError(error.code) from None
    except (urllib.error.URLError, OSError) as error:
        raise VaultError(503, type(error).__name__) from None


def vault_static_secret(ctx: CheckContext, params: dict) -> Outcome:
    """params: `name`, `mount`, `path`, `destination`: the VaultStaticSecret's fields, its sync status, and
    the kv-v2 path in the coffre (checked through the store, value never read into the result)."""
    from grader.services.kvstore import VaultError

    obj = ctx.kube.get("VaultStaticSecret", params["name"], ctx.namespace, api_version=VAULT_API)
    if obj is None:
        return Outcome.fail(f"VaultStaticSecret « {params['name']} » introuvable dans « {ctx.namespace} »")
    spec = obj.get("spec") or {}
    wrong = []
    for field, want in (("vaultAuthRef", "vault-auth"), ("type", "kv-v2"), ("mount", params["mount"]),
                        ("path", params["path"])):
        if spec.get(field) != want:
            wrong.append(f"spec.{field} vaut « {spec.get(field)} », attendu « {want} »")
    if (spec.get("destination") or {}).get("name") != params["destination"]:
        wrong.append(f"spec.destination.name doit être « {params['destination']} »")
    if wrong:
        return Outcome.fail(" ; ".join(wrong), {"spec": spec}, final=True)
    try:
        _kv_metadata(params["mount"], params["path"])
    except VaultError as error:
        if error.status == 404:
            return Outcome.fail(f"le chemin {params['mount']}/{params['path']} n'existe pas dans le coffre : "
                                f"vault kv put -mount={params['mount']} {params['path']} CLÉ=valeur", final=True)
        return Outcome(Status.ERROR, f"le coffre n'a pas pu être interrogé (réponse {error.status}) : "
                                     "vérifiez CPIN_VAULT_ADDR et CPIN_VAULT_TOKEN", final=True)
    message = (obj.get("status") or {}).get("message")
    if message != "Healthy":
        return Outcome.fail(f"synchronisation pas encore faite ({message or 'aucun statut'}) : le service "
                            "secrets-operators tourne-t-il ? (cpin platform status)", {"statut": message})
    return Outcome.ok("VaultStaticSecret conforme et synchronisé", {"spec": spec})
