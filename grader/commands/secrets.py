"""`cpin secrets`: what the console's « Clusters » tab and the Vault page show (public age key, Vault access)."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("secrets", help="clé publique age du cluster, accès au coffre (Vault du kit)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    key = actions.add_parser("public-key", help="affiche la clé publique age du cluster (pour sops -e --age)")
    key.set_defaults(func=run)
    vault = actions.add_parser("vault", help="adresse du coffre et identifiants AppRole d'un projet")
    vault.add_argument("project", metavar="PROJET")
    vault.add_argument("--env", action="store_true", help="sortie en lignes export VAR=… (pour un shell)")
    vault.set_defaults(func=run)


def run(args) -> int:
    from grader import sops

    if args.action == "public-key":
        print(sops.public_key())
        return 0
    from grader.services import vault

    access = vault.project_access(args.project)
    if args.env:
        for name, value in access.items():
            print(f"export {name}={value}")
    else:
        print(f"Coffre (Vault du kit, simulation pour la formation) : {access['VAULT_ADDR']}")
        print(f"Montage kv-v2 du projet : {access['VAULT_MOUNT']}")
        print(f"AppRole : role_id={access['VAULT_ROLE_ID']} secret_id={access['VAULT_SECRET_ID']}")
    return 0
