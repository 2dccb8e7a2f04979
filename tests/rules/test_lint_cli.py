"""`cpin lint`, in process through `cli.main` and once through the installed entry point."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from grader.cli import main

DATA = Path(__file__).parent / "data"
KO = DATA / "restrict-nodeport" / "ko" / "list.yaml"        # audit rule: warning in dev, error in prod
OK = DATA / "restrict-nodeport" / "ok" / "service.yaml"


def test_json_contract(capsys):
    code = main(["lint", str(KO), "--format", "json"])
    items = json.loads(capsys.readouterr().out)
    assert code == 0
    assert items and all(set(item) == {"rule", "ref", "severity", "file", "line", "object", "message", "hint"}
                         for item in items)
    nodeport = next(i for i in items if i["rule"] == "restrict-nodeport")
    assert nodeport == {**nodeport, "ref": 20, "severity": "warning", "file": str(KO), "line": 8,
                        "object": "Service/api-svc"}
    assert all(isinstance(i["line"], int) or i["line"] is None for i in items)


def test_prod_turns_audit_into_errors_and_exit_1(capsys):
    assert main(["lint", str(KO), "--env-type", "prod", "--format", "json"]) == 1
    items = json.loads(capsys.readouterr().out)
    assert next(i for i in items if i["rule"] == "restrict-nodeport")["severity"] == "error"


def test_text_is_grouped_by_file(capsys):
    assert main(["lint", str(KO), str(OK)]) == 0
    out = capsys.readouterr().out
    assert out.index(str(KO) + "\n") < out.index("Service de type NodePort") and "Bilan : " in out


def test_sarif(capsys):
    main(["lint", str(KO), "--format", "sarif"])
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    result = next(r for r in run["results"] if r["ruleId"] == "restrict-nodeport")
    assert ids[result["ruleIndex"]] == "restrict-nodeport" and result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 8


def test_unusable_input_exits_2(tmp_path, capsys):
    assert main(["lint", str(tmp_path / "absent.yaml"), str(OK)]) == 2
    assert "introuvable" in capsys.readouterr().out
    assert main(["lint"]) == 2
    assert "Aucun chemin" in capsys.readouterr().err


def test_explain(capsys):
    assert main(["lint", "--explain", "disallow-latest-tag"]) == 0
    out = capsys.readouterr().out
    assert "REF 12" in out and "Exemple refusé" in out and "À la place" in out
    assert main(["lint", "--explain", "nope"]) == 2
    assert "Règle inconnue" in capsys.readouterr().err


def test_installed_entry_point(tmp_path):
    proc = subprocess.run([str(Path(sys.executable).parent / "cpin"), "lint", str(KO), "--env-type", "prod",
                           "--format", "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr == ""
    assert any(item["rule"] == "restrict-nodeport" for item in json.loads(proc.stdout))
