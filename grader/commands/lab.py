"""`cpin lab prepare|open`: the learner's workspace (modules without solutions) and its JupyterLab in French."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("lab", help="espace de travail de l'apprenant et JupyterLab en français")
    actions = parser.add_subparsers(dest="lab_action", required=True, metavar="ACTION")
    prepare = actions.add_parser("prepare", help="copie la version apprenant des modules dans l'espace de travail "
                                                 "(CPIN_LAB_DIR, par défaut ~/cpin-autoformation) sans rien écraser")
    prepare.set_defaults(func=run_prepare)
    open_ = actions.add_parser("open", help="prépare l'espace de travail puis ouvre JupyterLab sur le module 00")
    open_.add_argument("--port", type=int, default=None, help="port local de JupyterLab (par défaut : le premier libre)")
    open_.add_argument("--no-browser", action="store_true", help="n'ouvre pas de navigateur (affiche l'adresse)")
    open_.set_defaults(func=run_open)


MESSAGES = {
    "ajouté": "ajouté",
    "à jour": "déjà à jour",
    "mis à jour": "mis à jour (vous n'y aviez rien modifié)",
    "nouvelle version à côté": "a changé : vos réponses restent en place ; la nouvelle version est à côté, dans",
}


def run_prepare(args) -> int:
    from grader import workspace
    from grader.config import settings
    lab = settings().lab_dir
    placed = workspace.prepare(lab)
    print(f"Espace de travail : {lab}")
    for item in placed:
        where = f" {item.path.name}/ — comparez et reportez vos réponses" if item.action == "nouvelle version à côté" else ""
        print(f"  {item.module} : {MESSAGES[item.action]}{where}")
    return 0


def run_open(args) -> int:
    import os
    import sys

    from grader import workspace
    from grader.config import settings
    run_prepare(args)
    lab = settings().lab_dir
    first = workspace.first_notebook(lab).relative_to(lab)
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={lab}", str(first)]
    if args.port:
        argv.append(f"--port={args.port}")
    if args.no_browser:
        argv.append("--no-browser")
    if os.geteuid() == 0:
        argv.append("--allow-root")
    os.execve(sys.executable, argv, {**os.environ, **workspace.configure(lab)})
    return 0  # not reached
