"""`cpin check`: placeholder until its module lands."""
from __future__ import annotations


def register(sub) -> None:
    parser = sub.add_parser("check", help="(à venir)")
    parser.set_defaults(func=lambda args: 0)
