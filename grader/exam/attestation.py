"""The signed attestation of a passed mock exam, and its offline verification.

Title « Attestation de réussite — examen blanc du kit d'autoformation »; it says it is not the
platform's certification, lists every mandatory skill of the matrix with its score, names plainly any
mandatory skill that was not assessed, and records how the exam was graded (live, by the trainer).
Only a passed result is signed: `build` refuses « réussi » when a lab was not evaluated or a mandatory
skill was not assessed, and `issue` signs nothing else.

Signing reuses the kit's Ed25519 key and strict reading (`grader.certify`); the envelope is
`{"attestation": payload, "signature": …}` with its own format, so a course certificate and an exam
attestation can never be taken for one another.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import json
from pathlib import Path

from grader import certify
from grader.errors import InputError

FORMAT = "cpin-attestation-examen-blanc/1"
TITLE = "Attestation de réussite — examen blanc du kit d'autoformation"
NOTICE = ("Examen blanc du kit d'autoformation Cloud π Native : ce document n'est pas la certification délivrée "
          "par la plateforme, il atteste seulement la réussite à cet entraînement.")
VALIDITY_DAYS = 365


def build(result, *, now: dt.datetime | None = None) -> dict:
    """The unsigned payload from an `ExamResult` (pure)."""
    data = result.to_dict()
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    mandatory = [row for row in data["skills"] if row["mandatory"]]
    return {
        "format": FORMAT, "title": TITLE, "notice": NOTICE, "learner": result.learner,
        "issued_at": now.isoformat(), "valid_until": (now + dt.timedelta(days=VALIDITY_DAYS)).isoformat(),
        "graded": {"mode": result.mode, "at": result.graded_at, "started_at": result.started_at,
                   "deadline": result.deadline, "submitted_at": result.submitted_at},
        "total": data["total"], "pass_mark": data["pass_mark"],
        "labs": [{"lab": x["lab"], "title": x["title"], "variant": x["variant"], "points": x["points"],
                  "max": x["max"], "status": x["status"]} for x in data["labs"]],
        "qcm": {"questions": len(data["questions"]), "points": round(sum(q["points"] for q in data["questions"]), 4),
                "max": round(sum(q["max"] for q in data["questions"]), 4)},
        "mandatory_skills": [{k: row[k] for k in ("skill", "label", "points", "max", "ratio", "assessed")}
                             for row in mandatory],
        "not_assessed": data["not_assessed"],
        "passed": data["passed"], "verdict": "réussi" if data["passed"] else "non réussi",
        "reasons": data["reasons"],
    }


def sign(payload: dict, key) -> dict:
    return {"attestation": payload,
            "signature": {"algorithm": "Ed25519", "key_id": certify.key_id(key.public_key()),
                          "value": base64.b64encode(key.sign(certify.canonical(payload))).decode()}}


def issue(result, out_dir: Path, *, now: dt.datetime | None = None) -> tuple[dict, Path, Path]:
    """Sign and write `<learner>.attestation.json` and `.html`; refused (French) if the exam is not passed."""
    payload = build(result, now=now)
    if not payload["passed"]:
        raise InputError(f"Pas d'attestation pour {result.learner} : examen blanc non réussi.",
                         hint_fr="Raisons : " + " ; ".join(payload["reasons"]))
    key = certify.load_or_create_key()
    document = sign({**payload, "key_id": certify.key_id(key.public_key())}, key)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{result.learner}.attestation.json"
    html_path = out_dir / f"{result.learner}.attestation.html"
    json_path.write_text(json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    html_path.write_text(to_html(document), encoding="utf-8")
    return document["attestation"], json_path, html_path


def verify(document: object, public_key) -> dict:
    """The payload if the signature holds for `public_key` and the content is coherent; else CertificateInvalid."""
    from cryptography.exceptions import InvalidSignature
    try:
        payload, signature = document["attestation"], document["signature"]
        value = base64.b64decode(signature["value"], validate=True)
        if signature.get("algorithm") != "Ed25519" or payload.get("format") != FORMAT:
            raise ValueError("format")
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise certify.CertificateInvalid("Ce fichier n'est pas une attestation d'examen blanc lisible.",
                                         hint_fr="Donnez le fichier .attestation.json remis à l'apprenant.") from error
    try:
        public_key.verify(value, certify.canonical(payload))
    except InvalidSignature:
        if signature.get("key_id") != certify.key_id(public_key):
            raise certify.CertificateInvalid("Signature invalide : attestation signée par une autre clé.",
                                             hint_fr="Utilisez la clé publique du formateur qui l'a délivrée.") from None
        raise certify.CertificateInvalid("Signature invalide : l'attestation a été modifiée après sa signature.",
                                         hint_fr="Ne la considérez pas comme valable.") from None
    certify._check_key_id(payload, signature, public_key)
    if payload.get("title") != TITLE or not payload.get("passed") or payload.get("not_assessed"):
        raise certify.CertificateInvalid("Attestation incohérente : signée, mais pas celle d'un examen blanc réussi.")
    return payload


def verify_file(path: Path, public_key_path: Path | None = None, *, now: dt.datetime | None = None) -> dict:
    document = certify.read_strict_json(path)
    payload = verify(document, certify.load_public_key(public_key_path))
    certify.check_validity(payload, now=now)
    return payload


def to_html(document: dict) -> str:
    """Printable French page (no script, no external resource); the JSON file is what counts."""
    a, sig = document["attestation"], document["signature"]
    e = lambda v: html.escape(str(v))  # noqa: E731
    def score(s: dict) -> str:
        return f"{s['points']:g} / {s['max']:g}" if s["assessed"] else "non évaluée"

    rows = "".join(f"<tr><td>{e(s['label'])}</td><td>{e(score(s))}</td></tr>" for s in a["mandatory_skills"])
    labs = "".join(f"<li>{e(x['title'])} : {x['points']:g} / {x['max']:g}</li>" for x in a["labs"])
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{e(a['title'])} — {e(a['learner'])}</title>
<style>body {{ font-family: sans-serif; max-width: 48rem; margin: 2rem auto; }} table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: .3rem .6rem; }} .sig {{ font-family: monospace; word-break: break-all; }}</style>
</head><body>
<h1>{e(a['title'])}</h1>
<p><strong>{e(a['notice'])}</strong></p>
<p>Apprenant : <strong>{e(a['learner'])}</strong> — délivrée le {e(a['issued_at'][:10])}.</p>
<p>Résultat : {e(a['verdict'])}, {a['total']['points']:g} / {a['total']['max']:g} points ({100 * a['total']['ratio']:.0f} %, seuil {100 * a['pass_mark']:.0f} %).</p>
<p>Correction : {e(a['graded']['mode'])}, le {e(a['graded']['at'][:16])}.</p>
<h2>Labs</h2><ul>{labs}</ul>
<p>QCM : {a['qcm']['points']:g} / {a['qcm']['max']:g} ({a['qcm']['questions']} questions).</p>
<h2>Compétences obligatoires de la matrice</h2>
<table><thead><tr><th>Compétence</th><th>Score</th></tr></thead><tbody>{rows}</tbody></table>
<p>Signature Ed25519 (clé {e(sig['key_id'])}) : seul le fichier JSON fait foi
(<code>cpin exam verifier FICHIER.attestation.json --public-key CLE.pem</code>).</p>
<p class="sig">{e(sig['value'])}</p>
</body></html>
"""
