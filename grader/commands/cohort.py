"""`cpin cohort`: a cohort's fenced namespaces and kubeconfigs on a shared cluster the trainer names."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    parser = sub.add_parser("cohort", help="prépare, liste ou révoque les accès d'une cohorte sur un cluster partagé")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    provision = actions.add_parser("provision", help="espaces de noms et kubeconfig restreint par apprenant")
    listing = actions.add_parser("list", help="les apprenants de la cohorte présents sur le cluster")
    revoke = actions.add_parser("revoke", help="supprime espaces de noms et comptes (tous, ou ceux de --learners)")
    for p in (provision, listing, revoke):
        p.add_argument("--cohort", required=True, metavar="NOM", help="nom de la cohorte (minuscules, tirets)")
        p.add_argument("--context", required=True,
                       help="contexte kube du cluster partagé, nommé explicitement (obligatoire)")
        p.add_argument("--kubeconfig", help="fichier kubeconfig de ce contexte (défaut : $KUBECONFIG)")
        p.add_argument("--out", metavar="DOSSIER",
                       help="où écrire les kubeconfig (défaut : <CPIN_DATA>/cohortes/<NOM>)")
        p.set_defaults(func=run)
    provision.add_argument("--learners", required=True, metavar="FICHIER",
                           help="liste des apprenants : un identifiant par ligne")
    revoke.add_argument("--learners", metavar="FICHIER", help="seulement ces apprenants (défaut : toute la cohorte)")
    provision.add_argument("--days", type=float, default=7, metavar="JOURS",
                           help="validité des jetons en jours (défaut 7 ; relancer provision les renouvelle)")


def run(args) -> int:
    from grader import cohort
    from grader.cluster import guard
    from grader.config import settings
    from grader.course.fence import Admin

    name = cohort.check_name(args.cohort)
    learners = cohort.read_roster(Path(args.learners)) if getattr(args, "learners", None) else None
    target = guard.resolve(context=args.context, kubeconfig=args.kubeconfig)
    admin = Admin(target.kubeconfig, target.context)
    out = Path(args.out).expanduser() if args.out else settings().data_dir / "cohortes" / name
    if args.action == "provision":
        given = cohort.provision(admin, name, learners, out, days=args.days)
        for access in given:
            state = "créé" if access.new else "déjà là, remis en ordre, jeton renouvelé"
            print(f"✔ {access.learner:<20} {state} : {len(access.namespaces)} espaces de noms, {access.kubeconfig}")
        expires = min((a.expires for a in given if a.expires), default=None)
        print(f"Cohorte {name} sur {target.context} : {len(given)} apprenants "
              f"({sum(a.new for a in given)} nouveaux). Chacun n'a accès qu'à ses espaces de noms "
              f"(dev : règles en avertissement, prod : règles bloquantes), rien à l'échelle du cluster."
              + (f" Jetons valables jusqu'au {expires}." if expires else ""))
    elif args.action == "list":
        found = cohort.members(admin, name)
        for member in found:
            account = "compte actif" if member.account else "compte absent"
            print(f"{member.learner:<20} {account}, {len(member.namespaces)} espaces de noms : "
                  + ", ".join(member.namespaces))
        print(f"Cohorte {name} sur {target.context} : {len(found)} apprenants." if found
              else f"Cohorte {name} : aucun apprenant sur {target.context}.")
    else:
        gone = cohort.revoke(admin, name, learners, out)
        for member in gone:
            print(f"✔ {member.learner:<20} accès révoqué, {len(member.namespaces)} espaces de noms supprimés")
        print(f"Cohorte {name} : {len(gone)} apprenants révoqués sur {target.context}." if gone
              else f"Cohorte {name} : personne à révoquer sur {target.context}.")
    return 0
