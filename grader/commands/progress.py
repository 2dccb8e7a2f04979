"""`cpin progress`: placeholder until its module lands."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("progress", help="(à venir)")
    parser.set_defaults(func=lambda args: 0)
