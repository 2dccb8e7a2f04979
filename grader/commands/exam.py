"""`cpin exam`: the mock certification (examen blanc) — bank check, session, answers, live grading, attestation."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def register(sub) -> None:
    parser = sub.add_parser("exam", help="examen blanc : sujet tiré au sort, chronomètre, correction en direct, attestation")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("banque", help="vérifie la banque de questions (schéma, réponses, explications)")
    p.set_defaults(func=run_bank)
    p = actions.add_parser("demarrer", help="tire le sujet de l'apprenant et lance le chronomètre")
    p.add_argument("--dossier", type=Path, default=Path("examen"), help="dossier de l'examen (défaut : ./examen)")
    p.add_argument("--duree", type=int, required=True, help="durée en minutes (fixée par le formateur)")
    p.add_argument("--graine", required=True, help="graine du tirage, donnée par le formateur")
    p.add_argument("--place", type=int, default=None, help="numéro de place : deux places voisines ont des sujets différents")
    p.add_argument("--apprenant", default=None, help="identifiant (défaut : $CPIN_LEARNER)")
    p.add_argument("--pool", type=Path, default=None, help="pool de labs du formateur (défaut : exercises/examen/pool.yaml)")
    p.set_defaults(func=run_start)
    p = actions.add_parser("sujet", help="affiche le sujet (sans indice ni détail des contrôles)")
    p.add_argument("--dossier", type=Path, default=Path("examen"))
    p.set_defaults(func=run_subject)
    p = actions.add_parser("repondre", help="enregistre une réponse au QCM : ID LETTRES (ex. a,c)")
    p.add_argument("question")
    p.add_argument("lettres")
    p.add_argument("--dossier", type=Path, default=Path("examen"))
    p.set_defaults(func=run_answer)
    p = actions.add_parser("rendre", help="rend la copie (répond seulement « soumis »)")
    p.add_argument("--dossier", type=Path, default=Path("examen"))
    p.set_defaults(func=run_submit)
    p = actions.add_parser("noter", help="formateur : correction en direct, relevé détaillé, attestation si réussi")
    p.add_argument("--dossier", type=Path, default=Path("examen"))
    p.add_argument("--sortie", type=Path, default=None, help="dossier du relevé et de l'attestation (défaut : <dossier>/resultat)")
    p.add_argument("--json", action="store_true", help="affiche le relevé en JSON")
    p.set_defaults(func=run_grade)
    p = actions.add_parser("verifier", help="vérifie une attestation hors ligne")
    p.add_argument("fichier", type=Path)
    p.add_argument("--public-key", type=Path, default=None, help="clé publique PEM (défaut : celle de $CPIN_DATA/keys)")
    p.set_defaults(func=run_verify)


def run_bank(args) -> int:
    from grader import questions
    found, problems = questions.validate()
    for problem in problems:
        print(f"✘ {problem}")
    if problems:
        return 1
    counts = {}
    for q in found:
        counts[q.skill] = counts.get(q.skill, 0) + 1
    print(f"✔ {len(found)} questions valides : " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def run_start(args) -> int:
    from grader.config import settings
    from grader.exam import session
    learner = args.apprenant or settings().learner
    capabilities = _capabilities()
    found = session.start(args.dossier, learner=learner, duration_minutes=args.duree, seed=args.graine,
                          seat=args.place, capabilities=capabilities, pool_path=args.pool)
    print(session.subject_text(found, args.dossier))
    return 0


def _capabilities() -> frozenset[str]:
    """What the exam cluster can verify: variants needing more are not drawn."""
    from grader.cluster.lifecycle import connect
    from grader.runner import _docker_available
    _kube, caps = connect()
    found = {k for k, v in (caps or {}).items() if v}
    if _docker_available():
        found.add("docker")
    return frozenset(found)


def run_subject(args) -> int:
    from grader.exam import session
    print(session.subject_text(session.load(args.dossier), args.dossier))
    return 0


def run_answer(args) -> int:
    from grader.exam import session
    letters = [x.strip() for x in args.lettres.split(",") if x.strip()]
    print(session.answer(args.dossier, args.question, letters))
    return 0


def run_submit(args) -> int:
    from grader.exam import session
    print(session.submit(args.dossier))
    return 0


def run_grade(args) -> int:
    from grader.errors import InputError
    from grader.exam import attestation, grading
    result = grading.grade(args.dossier)
    out = args.sortie or args.dossier / "resultat"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{result.learner}.releve.json").write_text(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if args.json else grading.report_text(result))
    try:
        _payload, json_path, _html = attestation.issue(result, out)
        print(f"Attestation signée : {json_path}")
    except InputError as error:
        print(f"Pas d'attestation : {error.message_fr.split(' : ', 1)[-1]}", file=sys.stderr)
    return 0


def run_verify(args) -> int:
    from grader import certify
    from grader.exam import attestation
    try:
        payload = attestation.verify_file(args.fichier, args.public_key)
    except certify.CertificateInvalid as error:
        print(f"✘ {error.message_fr}", file=sys.stderr)
        if error.hint_fr:
            print(f"  {error.hint_fr}", file=sys.stderr)
        return 1
    print(f"✔ {payload['title']} — {payload['learner']} : {payload['verdict']}, "
          f"{payload['total']['points']:g} / {payload['total']['max']:g}. {payload['notice']}")
    return 0
