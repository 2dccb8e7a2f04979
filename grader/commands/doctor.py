"""`cpin doctor`: is this machine ready for the kit?"""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("doctor", help="vérifie Python, Docker, les outils, la mémoire, le disque et le contexte kube")
    parser.set_defaults(func=run)


def run(args) -> int:
    from grader import doctor

    items = doctor.diagnose()
    print(doctor.render(items))
    return doctor.exit_code(items)
