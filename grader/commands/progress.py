"""`cpin progress [--history]`: progress per skill of the skills matrix, from the attempt log."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("progress", help="montre la progression par compétence",
                            description="Progression par compétence de la matrice de la plateforme, "
                                        "calculée sur la meilleure tentative de chaque exercice.")
    parser.add_argument("--history", action="store_true", help="ajoute l'historique des tentatives")
    parser.add_argument("--learner", help="apprenant (défaut : $CPIN_LEARNER)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="format de sortie (défaut : text)")
    parser.add_argument("--verify", action="store_true", help="vérifie aussi la chaîne d'empreintes du journal")
    parser.set_defaults(func=run)


def run(args) -> int:
    import json

    from grader import attempts as progress
    from grader import feedback
    view = progress.overview(args.learner, history=args.history)
    if args.format == "json":
        print(json.dumps(view.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(feedback.progress_text(view))
    if args.verify:
        chain = progress.verify_chain()
        print(f"Journal intègre : {chain.rows} tentative(s)." if chain else f"✘ Journal altéré : {chain.reason_fr}.")
        return 0 if chain else 1
    return 0
