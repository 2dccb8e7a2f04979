"""`cpin certify`: a signed certificate from the gradebook, and its offline verification."""
from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    parser = sub.add_parser("certify", help="certificat signé (Ed25519) d'après le carnet de notes ; vérification")
    parser.add_argument("student", metavar="ÉTUDIANT|verify", help="l'étudiant à certifier, ou `verify FICHIER`")
    parser.add_argument("file", nargs="?", type=Path, help=argparse_suppress())
    parser.add_argument("--course", type=Path, default=None, help="dossier du cours (défaut : $CPIN_COURSE ou <dépôt>/course)")
    parser.add_argument("--out", type=Path, default=None, help="dossier des certificats (défaut : <cours>/cpin/certificats)")
    parser.add_argument("--public-key", type=Path, default=None,
                        help="pour verify : clé publique PEM (défaut : celle de $CPIN_DATA/keys)")
    parser.set_defaults(func=run)


def argparse_suppress():
    import argparse
    return argparse.SUPPRESS


def run(args) -> int:
    from grader import certify
    from grader.errors import InputError

    if args.student == "verify":
        if args.file is None:
            raise InputError("Indiquez le certificat à vérifier : `cpin certify verify FICHIER.json`.")
        try:
            cert = certify.verify_file(args.file, args.public_key)
        except certify.CertificateInvalid as error:
            print(error.render(), file=sys.stderr)
            return 1
        state = "réussi" if cert["passed"] else "non réussi"
        print(f"✔ Certificat authentique : {cert['student']}, {cert['course']}, {state} "
              f"({100 * cert['total']['ratio']:.0f} %), délivré le {cert['issued_at'][:10]}, "
              f"valable jusqu'au {cert['valid_until'][:10]}.")
        print(f"  Clé publique utilisée : {args.public_key or certify.keys_dir() / certify.PUBLIC_KEY}\n"
              f"  Empreinte SHA-256 : {certify.fingerprint(certify.load_public_key(args.public_key))}\n"
              "  Comparez-la à celle publiée par l'organisme : une autre empreinte, c'est une autre clé.")
        return 0
    if args.file is not None:
        raise InputError(f"Argument en trop : {args.file}.")
    from grader.course import layout

    course = layout.load(args.course)
    cert, json_path, html_path = certify.issue(course, args.student, args.out or course.cpin_dir() / "certificats")
    for skill in cert["skills"]:
        star = " (obligatoire)" if skill["mandatory"] else ""
        print(f"  {skill['label']}{star} : {skill['points']:g}/{skill['max']:g} ({100 * skill['ratio']:.0f} %)")
    total = cert["total"]
    print(f"  Total : {total['points']:g}/{total['max']:g} ({100 * total['ratio']:.0f} %)")
    if cert["passed"]:
        print(f"✔ Certifié. Certificat signé : {json_path}\n  Version imprimable : {html_path}\n"
              f"  Clé publique : {certify.keys_dir() / certify.PUBLIC_KEY}")
        return 0
    print(f"✘ Non certifié : {'; '.join(cert['reasons'])}.\n  Relevé signé : {json_path} ; imprimable : {html_path}")
    return 1
