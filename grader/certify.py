"""Certification: per-skill and total scores from the gradebook, a signed certificate, offline checks.

Pass rule: at least 80 % of all points (the platform's certification mark, cpin-reference.md §1.3)
**and** at least `SKILL_FLOOR` in every mandatory skill of the skills matrix (§1.1) that the course
covers. Why a floor of 60 %: the 80 % total lets a strong skill hide a weak one (with 4 skills, 100 %
in three allows 20 % in the fourth); the matrix calls each of these skills *mandatory*, so each must
be more than half mastered, while one failed exercise out of three or four in a skill (about 25-35 %
of its points) must not cost the certificate. 60 % is the smallest round mark meeting both.

The certificate is canonical JSON (sorted keys, no spaces, UTF-8) signed with Ed25519; the keys live
under `settings().data_dir / "keys"` (created on first use, private key 0600). Anyone holding the
public key checks it offline; any change to any field breaks the signature.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from grader.config import settings
from grader.errors import CpinError, InputError
from grader.platform import MANDATORY_SKILLS, SKILLS

FORMAT = "cpin-certificat/1"
PASS_MARK = 0.80
SKILL_FLOOR = 0.60
VALIDITY_DAYS = 365           # the platform's certificate lasts one year (cpin-reference.md §1.3)
KUBERNETES = "1.36"
MANDATORY = MANDATORY_SKILLS
SKILLS_FR = {key: skill.label for key, skill in SKILLS.items()}
PRIVATE_KEY = "certification-ed25519.pem"
PUBLIC_KEY = "certification-ed25519.pub.pem"
STUDENT_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")


class CertificateInvalid(CpinError):
    """A certificate does not verify: changed, or signed by another key."""


# --------------------------------------------------------------------------- scores
@dataclass(frozen=True)
class SkillScore:
    skill: str
    points: float
    max: float

    @property
    def ratio(self) -> float:
        return round(self.points / self.max, 4) if self.max else 0.0

    @property
    def mandatory(self) -> bool:
        return self.skill in MANDATORY


def verdict(skills: list[SkillScore]) -> tuple[bool, list[str]]:
    """(passed, French reasons for failing) — the pass rule, as a pure function."""
    points, maximum = sum(s.points for s in skills), sum(s.max for s in skills)
    reasons = []
    if maximum <= 0:
        return False, ["aucun point noté : rien à certifier"]
    if points / maximum < PASS_MARK - 1e-9:
        reasons.append(f"total {points / maximum:.0%} < {PASS_MARK:.0%} requis")
    for s in skills:
        if s.mandatory and s.max > 0 and s.ratio < SKILL_FLOOR - 1e-9:
            reasons.append(f"{SKILLS_FR.get(s.skill, s.skill)} : {s.ratio:.0%} < plancher de {SKILL_FLOOR:.0%}")
    return not reasons, reasons


def not_assessed(skills: list[SkillScore]) -> list[str]:
    """French labels of the mandatory skills that have no graded point (stated on the certificate)."""
    return [SKILLS_FR[k] for k in MANDATORY if not any(s.skill == k and s.max > 0 for s in skills)]


def skill_scores(course, student: str) -> tuple[list[SkillScore], list[dict]]:
    """Per-skill scores from the gradebook (manual grades win), and per-assignment totals."""
    import nbformat

    from grader.course import gradebook, sanitize, scoring

    cells = gradebook.cells_of(course, student)
    if not cells:
        raise InputError(f"Aucune copie notée pour « {student} » dans le carnet de notes.",
                         hint_fr="Lancez d'abord `cpin course grade DEVOIR`.")
    refs: dict[tuple[str, str], sanitize.Reference] = {}
    skills: dict[str, list[float]] = {}
    per_assignment: dict[str, list[float]] = {}
    for cell in cells:
        key = (cell.assignment, cell.notebook)
        if key not in refs:
            source = course.step("source") / cell.assignment / f"{cell.notebook}.ipynb"
            release = course.step("release") / cell.assignment / f"{cell.notebook}.ipynb"
            refs[key] = sanitize.reference(nbformat.read(source, as_version=4), nbformat.read(release, as_version=4))
        ref = refs[key]
        skill = scoring.skill_of(ref, cell.grade_id) if cell.grade_id in ref.source else "Non classé"
        skills.setdefault(skill, [0.0, 0.0])
        skills[skill][0] += cell.score
        skills[skill][1] += cell.max_score
        per_assignment.setdefault(cell.assignment, [0.0, 0.0])
        per_assignment[cell.assignment][0] += cell.score
        per_assignment[cell.assignment][1] += cell.max_score
    scores = [SkillScore(k, round(v[0], 4), round(v[1], 4)) for k, v in sorted(skills.items())]
    assignments = [{"assignment": a, "points": round(v[0], 4), "max": round(v[1], 4)}
                   for a, v in sorted(per_assignment.items())]
    return scores, assignments


# --------------------------------------------------------------------------- keys and signatures
def keys_dir() -> Path:
    return settings().data_dir / "keys"


def load_or_create_key():
    """The kit's Ed25519 signing key, created on first use (private key readable by its owner only)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = keys_dir()
    private = folder / PRIVATE_KEY
    if private.is_file():
        keep_private(private)
        return serialization.load_pem_private_key(private.read_bytes(), password=None)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    (folder / PUBLIC_KEY).write_bytes(public_pem(key.public_key()))
    return key


def keep_private(private: Path) -> None:
    """The signing key and its folder readable by their owner only (0600, 0700), whatever was done to them."""
    import sys

    for path, mode in ((private.parent, 0o700), (private, 0o600)):
        if path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
            print(f"⚠ Droits de {path} trop ouverts : ramenés à {oct(mode)[2:]} (lecture par vous seul). "
                  "Si d'autres comptes ont pu la lire, changez de clé.", file=sys.stderr)


def fingerprint(public_key) -> str:
    """What `cpin certify verify` shows of the key it used: SHA-256 of the raw public key, grouped."""
    from cryptography.hazmat.primitives import serialization
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()
    return ":".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def public_pem(public_key) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(public_key) -> str:
    from cryptography.hazmat.primitives import serialization
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(payload: dict, key) -> dict:
    return {"certificate": payload,
            "signature": {"algorithm": "Ed25519", "key_id": key_id(key.public_key()),
                          "value": base64.b64encode(key.sign(canonical(payload))).decode()}}


def verify(document: dict, public_key) -> dict:
    """The certificate inside `document` if its signature holds for `public_key`; else CertificateInvalid."""
    from cryptography.exceptions import InvalidSignature

    try:
        payload, signature = document["certificate"], document["signature"]
        value = base64.b64decode(signature["value"], validate=True)
        if signature.get("algorithm") != "Ed25519" or payload.get("format") != FORMAT:
            raise ValueError("format")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise CertificateInvalid("Ce fichier n'est pas un certificat cpin lisible.",
                                 hint_fr="Vérifiez que c'est bien le fichier .json remis avec le certificat.") from error
    try:
        public_key.verify(value, canonical(payload))
        _check_key_id(payload, signature, public_key)
    except InvalidSignature:
        if signature.get("key_id") != key_id(public_key):
            raise CertificateInvalid("Signature invalide : ce certificat a été signé par une autre clé.",
                                     hint_fr="Utilisez la clé publique de l'organisme qui l'a délivré "
                                             "(--public-key).") from None
        raise CertificateInvalid("Signature invalide : le certificat a été modifié après sa signature.",
                                 hint_fr="Ne le considérez pas comme valable ; demandez l'original.") from None
    return payload


def load_public_key(path: Path | None):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    path = path or keys_dir() / PUBLIC_KEY
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"Clé publique introuvable : {path}.",
                         hint_fr="Passez la clé de l'organisme avec --public-key FICHIER.pem.") from None
    except ValueError as error:
        raise InputError(f"{path} n'est pas une clé publique PEM lisible.") from error
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{path} n'est pas une clé Ed25519.")
    return key


# --------------------------------------------------------------------------- the certificate
def build(course, student: str, *, now: dt.datetime | None = None) -> dict:
    """The unsigned certificate payload for `student` (pure once the scores are read)."""
    from grader.course import export

    if not STUDENT_ID.match(student):
        raise InputError(f"Identifiant d'étudiant invalide : « {student} ».")
    skills, assignments = skill_scores(course, student)
    passed, reasons = verdict(skills)
    rows = export.rows(course, student=student)
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    points, maximum = sum(s.points for s in skills), sum(s.max for s in skills)
    return {
        "format": FORMAT,
        "course": course.course_id,
        "student": student,
        "issued_at": now.isoformat(),
        "valid_until": (now + dt.timedelta(days=VALIDITY_DAYS)).isoformat(),
        "kubernetes": KUBERNETES,
        "rules": {"pass_mark": PASS_MARK, "skill_floor": SKILL_FLOOR,
                  "mandatory": [s.skill for s in skills if s.mandatory and s.max > 0]},
        "total": {"points": round(points, 4), "max": round(maximum, 4),
                  "ratio": round(points / maximum, 4) if maximum else 0.0},
        "skills": [{"skill": s.skill, "label": SKILLS_FR.get(s.skill, s.skill), "points": s.points, "max": s.max,
                    "ratio": s.ratio, "mandatory": s.mandatory} for s in skills],
        "assignments": assignments,
        "checks_sha256": hashlib.sha256(canonical({"rows": rows})).hexdigest(),
        "checks": len(rows),
        "passed": passed,
        "reasons": reasons,
        # Honesty fields: mandatory skills with no graded point, and where the scores come from.
        "not_assessed": not_assessed(skills),
        "sources": sorted({row.get("source", "") for row in rows} - {""}),
    }


def issue(course, student: str, out_dir: Path) -> tuple[dict, Path, Path]:
    """Sign and write `<student>.json` and `<student>.html` in `out_dir`; the payload and both paths."""
    key = load_or_create_key()
    document = sign({**build(course, student), "key_id": key_id(key.public_key())}, key)   # the shown key id is signed
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out_dir / f"{student}.json", out_dir / f"{student}.html"
    json_path.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    html_path.write_text(to_html(document), encoding="utf-8")
    return document["certificate"], json_path, html_path


def verify_file(path: Path, public_key_path: Path | None = None, *, now: dt.datetime | None = None) -> dict:
    """The certificate in `path` if it is strict JSON, signed by the key, and still valid; else a French error."""
    document = read_strict_json(path)
    if not isinstance(document, dict):
        raise CertificateInvalid("Ce fichier n'est pas un certificat cpin lisible.")
    payload = verify(document, load_public_key(public_key_path))
    check_validity(payload, now=now)
    return payload


# --------------------------------------------------------------------------- strict reading and validity
MAX_CERTIFICATE_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32


def read_strict_json(path: Path) -> object:
    """A certificate file as JSON: a regular file of bounded size, no duplicate key, no NaN, bounded depth."""
    from grader.files import Unreadable, read_text

    try:
        text = read_text(path, limit=MAX_CERTIFICATE_BYTES)
    except Unreadable as error:
        if not Path(path).exists():
            raise InputError(f"Fichier introuvable : {path}.") from None
        raise CertificateInvalid(error.message_fr, hint_fr="Donnez le fichier .json remis avec le certificat.") from None
    if _json_depth(text) > MAX_JSON_DEPTH:
        raise CertificateInvalid(f"{path} : JSON imbriqué à plus de {MAX_JSON_DEPTH} niveaux : ce n'est pas un "
                                 "certificat cpin.", hint_fr="Demandez l'original à l'organisme qui l'a délivré.")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except _DuplicateKey as error:
        raise CertificateInvalid(f"{path} : la clé « {error.key} » apparaît deux fois : certificat modifié.",
                                 hint_fr="Ne le considérez pas comme valable ; demandez l'original.") from None
    except (ValueError, RecursionError) as error:
        raise CertificateInvalid(f"{path} n'est pas un JSON lisible : certificat abîmé ou modifié.") from error


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _no_constant(name: str):
    raise ValueError(f"constante {name} refusée")


def _json_depth(text: str) -> int:
    """Deepest nesting of brackets outside strings (linear scan, before json.loads recurses)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _check_key_id(payload: dict, signature: dict, public_key) -> None:
    """The key id shown (envelope, and payload for new certificates) is the one that verified the signature."""
    expected = key_id(public_key)
    if signature.get("key_id") != expected or payload.get("key_id", expected) != expected:
        raise CertificateInvalid("Identifiant de clé modifié : il ne correspond pas à la clé qui a vérifié "
                                 "la signature.", hint_fr="Ne le considérez pas comme valable ; demandez l'original.")


def check_validity(payload: dict, *, now: dt.datetime | None = None) -> None:
    """Refuse an expired certificate, or one dated in the future (CertificateInvalid, in French)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    try:
        issued = dt.datetime.fromisoformat(str(payload["issued_at"]))
        until = dt.datetime.fromisoformat(str(payload["valid_until"]))
        if issued.tzinfo is None or until.tzinfo is None:
            raise ValueError("naive")
    except (KeyError, TypeError, ValueError) as error:
        raise CertificateInvalid("Dates du certificat illisibles.",
                                 hint_fr="Demandez l'original à l'organisme qui l'a délivré.") from error
    if now > until:
        raise CertificateInvalid(f"Certificat authentique mais expiré depuis le {until.date().isoformat()} "
                                 f"(délivré le {issued.date().isoformat()}).",
                                 hint_fr="Il n'atteste plus la compétence : l'apprenant doit repasser la certification.")
    if issued > now + dt.timedelta(days=1):
        raise CertificateInvalid(f"Certificat daté du futur ({issued.date().isoformat()}).",
                                 hint_fr="Vérifiez l'horloge de cette machine ; sinon, ne le considérez pas comme valable.")


def export_live() -> str:
    from grader.course.export import SOURCES
    return SOURCES["live"]


def to_html(document: dict) -> str:
    """A printable French rendering (one page, no script, no external resource)."""
    c, sig = document["certificate"], document["signature"]
    e = lambda v: html.escape(str(v))  # noqa: E731
    pct = lambda r: f"{100 * float(r):.0f} %"  # noqa: E731
    rows = "".join(
        f"<tr><td>{e(s['label'])}{' *' if s['mandatory'] else ''}</td><td>{s['points']:g} / {s['max']:g}</td>"
        f"<td>{pct(s['ratio'])}</td></tr>" for s in c["skills"])
    # Never the platform's own certificate: the kit attests a training path (the mock exam has its own attestation).
    title = ("Attestation de parcours réussi — kit d'autoformation" if c["passed"]
             else "Relevé de résultats — parcours non validé")
    reasons = "".join(f"<li>{e(r)}</li>" for r in c["reasons"])
    missing = c.get("not_assessed") or []
    honesty = (f"<p><strong>Compétences obligatoires non évaluées par ce parcours : {e(', '.join(missing))}.</strong></p>"
               if missing else "")
    if any(src != export_live() for src in c.get("sources") or []):
        honesty += ("<p><strong>Une partie des notes est auto-déclarée : elle vient du journal de tentatives remis "
                    "par l'apprenant, qui n'est pas une preuve.</strong></p>")
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{e(title)} — {e(c['student'])}</title>
<style>
body {{ font-family: sans-serif; max-width: 48rem; margin: 2rem auto; color: #161616; }}
h1 {{ color: #000091; }} table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .4rem .6rem; text-align: left; }}
.verdict {{ font-size: 1.3rem; font-weight: bold; }} .sig {{ font-family: monospace; word-break: break-all; font-size: .8rem; }}
@media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>{e(title)}</h1>
<p>Parcours <strong>{e(c['course'])}</strong> — Cloud π Native, autoformation DevSecOps. Ce document atteste un
parcours du kit d'autoformation ; ce n'est pas la certification délivrée par la plateforme.</p>
<p>Apprenant : <strong>{e(c['student'])}</strong><br>Délivré le {e(c['issued_at'][:10])}, valable jusqu'au {e(c['valid_until'][:10])}.</p>
<p class="verdict">{'Réussi' if c['passed'] else 'Non réussi'} : {c['total']['points']:g} / {c['total']['max']:g} points ({pct(c['total']['ratio'])})</p>
{f'<ul>{reasons}</ul>' if reasons else ''}
{honesty}
<table><thead><tr><th>Compétence</th><th>Points</th><th>Taux</th></tr></thead><tbody>{rows}</tbody></table>
<p>* compétence obligatoire de la matrice : au moins {pct(c['rules']['skill_floor'])} exigés ; seuil global {pct(c['rules']['pass_mark'])}.
Kubernetes {e(c['kubernetes'])}. {c['checks']} contrôles notés (empreinte {e(c['checks_sha256'][:16])}…).</p>
<p>Ce document est la version imprimable d'un certificat électronique signé (Ed25519, clé {e(sig['key_id'])}).
Seul le fichier JSON fait foi : vérifiez-le avec <code>cpin certify verify {e(c['student'])}.json --public-key CLE.pem</code>.</p>
<p class="sig">Signature : {e(sig['value'])}</p>
</body></html>
"""
