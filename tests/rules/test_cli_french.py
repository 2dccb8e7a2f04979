"""The `cpin` command speaks French and never shows a traceback (issue #21, part 3)."""
from __future__ import annotations

import io
import sys

import pytest

from grader import cli
from grader.argparse_fr import translate
from grader.errors import InputError


def test_usage_errors_are_french_and_exit_2(capsys):
    assert cli.main(["lint", "--format", "xml", "x"]) == 2
    err = capsys.readouterr().err
    assert "utilisation : cpin lint" in err and "choix invalide : 'xml'" in err and "usage:" not in err
    assert cli.main(["commande-inconnue"]) == 2
    assert "choix invalide" in capsys.readouterr().err
    assert cli.main([]) == 2
    assert "arguments obligatoires manquants" in capsys.readouterr().err


def test_help_is_french(capsys):
    assert cli.main(["lint", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("utilisation : ") and "affiche cette aide" in out and "show this help" not in out


@pytest.mark.parametrize("english, french", [
    ("unrecognized arguments: --x", "arguments non reconnus : --x"),
    ("argument --n: invalid int value: 'a'", "argument --n : nombre entier invalide : 'a'"),
    ("argument -x: expected one argument", "argument -x : une valeur est attendue"),
    ("something new", "arguments invalides (détail : something new)"),
])
def test_translate(english, french):
    assert translate(english) == french


def test_a_closed_pipe_ends_quietly(monkeypatch, tmp_path, capsys):
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    monkeypatch.setattr(sys, "stdout", Closed())
    assert cli.main(["lint", str(tmp_path)]) == 141
    assert "Traceback" not in capsys.readouterr().err


def test_an_unexpected_error_is_french_without_traceback(monkeypatch, capsys):
    import grader.rules as rules

    def boom(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")
    monkeypatch.setattr(rules, "lint_paths", boom)
    assert cli.main(["lint", "x"]) == 1
    err = capsys.readouterr().err
    assert "Structure trop profonde" in err and "Traceback" not in err


def test_check_with_a_non_text_id_is_a_french_error():
    from grader import api
    with pytest.raises(InputError, match="doit être un texte"):
        api.check(123)
    assert api.grade(123) == 0.0
