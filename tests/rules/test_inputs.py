"""Inputs: folders, multi-document YAML, `kind: List`, every pod-bearing kind, and bad input that must
give a clear French finding (never a traceback) while the other files are still checked."""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.rules import lint_paths, lint_text

NODEPORT = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n  ports: [{port: 8080}]\n"


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_malformed_yaml_reports_its_line_and_the_other_files_are_checked(tmp_path):
    _write(tmp_path / "a-broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n data: x\n")
    _write(tmp_path / "b-service.yaml", NODEPORT)
    problems = lint_paths([tmp_path])
    [broken] = problems.for_rule("input-unusable")
    assert broken.file.endswith("a-broken.yaml") and broken.line == 5
    assert "YAML invalide ligne 5" in broken.message and broken.severity == "error"
    assert problems.for_rule("restrict-nodeport")[0].file.endswith("b-service.yaml")
    assert problems.exit_code == 2


def test_documents_before_a_syntax_error_are_still_checked(tmp_path):
    path = _write(tmp_path / "m.yaml", NODEPORT + "---\nkey: [unclosed\n")
    problems = lint_paths([path])
    assert problems.for_rule("restrict-nodeport") and problems.for_rule("input-unusable")[0].line == 9


@pytest.mark.parametrize(("content", "words"), [
    (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "binaire"),
    (b"apiVersion: v1\nkind: ConfigMap\ndata: {a: \xe9t\xe9}\n", "UTF-8"),
    (b"- a\n- b\n", "pas un dictionnaire"),
])
def test_unusable_files_get_a_french_message(tmp_path, content, words):
    path = _write(tmp_path / "bad.yaml", content)
    [problem] = lint_paths([path]).for_rule("input-unusable")
    assert words in problem.message and problem.hint


def test_empty_files_are_information_only(tmp_path):
    problems = lint_paths([_write(tmp_path / "empty.yaml", ""), _write(tmp_path / "c.yaml", "# todo\n---\n")])
    assert [p.severity for p in problems] == ["info", "info"] and problems.exit_code == 0


def test_empty_dockerfile_is_unusable(tmp_path):
    [problem] = lint_paths([_write(tmp_path / "Dockerfile", "\n\n")])
    assert problem.rule == "input-unusable" and "vide" in problem.message


def test_a_10_mb_manifest_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.yaml"
    block = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: '" + "x" * 1000 + "'}\n---\n"
    big.write_text(block * (10 * 2**20 // len(block) + 1))
    assert big.stat().st_size >= 10 * 2**20
    problems = lint_paths([big, _write(tmp_path / "svc.yaml", NODEPORT)])
    [problem] = problems.for_rule("input-unusable")
    assert "trop gros" in problem.message and "1,5 Mo" in problem.hint
    assert problems.for_rule("restrict-nodeport")


def test_missing_path_is_reported_and_the_others_checked(tmp_path):
    problems = lint_paths([tmp_path / "nope.yaml", _write(tmp_path / "svc.yaml", NODEPORT)])
    assert "introuvable" in problems.for_rule("input-unusable")[0].message
    assert problems.for_rule("restrict-nodeport") and problems.exit_code == 2


def test_alias_bomb_is_harmless():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        lines.append(f"{chr(97 + level)}: &{chr(97 + level)} [*{chr(96 + level)}, *{chr(96 + level)}, "
                     f"*{chr(96 + level)}, *{chr(96 + level)}, *{chr(96 + level)}, *{chr(96 + level)}]")
    body = "\n".join("  " + line for line in lines)
    for text in (f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm}}\ndata:\n{body}\n",
                 f"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w}}\nspec:\n{body}\n"):
        problems = lint_text(text)
        [problem] = problems.for_rule("input-unusable")
        assert "billion laughs" in problem.message and problems.exit_code == 2


def test_a_few_aliases_are_still_fine():
    """GitLab CI files use anchors and merge keys: a small expansion is allowed."""
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: cm, labels: {app: a}}\n"
            "data: {a: &v x, b: *v}\n")
    problems = lint_text(text)
    assert not problems.for_rule("input-unusable")


def test_unknown_kinds_and_custom_resources():
    text = ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\n"
            "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: d}\n---\n"
            "kind: ConfigMap\nmetadata: {name: no-api}\n---\n"
            "apiVersion: isindir.github.com/v1alpha3\nkind: SopsSecret\nmetadata: {name: s}\n"
            "spec: {secretTemplates: []}\nsops: {version: 3.9.0}\n")
    problems = lint_text(text)
    unknown = problems.for_rule("k8s-unknown-kind")
    assert [p.object for p in unknown] == ["Widget/w", "Deploymnet/d", "ConfigMap/no-api"]
    assert all(p.severity == "info" for p in unknown)
    assert problems.for_rule("k8s-schema") == [] and problems.exit_code == 0


def test_schema_reports_unknown_fields_wrong_types_and_missing_fields():
    text = ("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n"
            "    - {port: '8080x', targetPorts: 8080}\n---\n"
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template: {}\n")
    problems = lint_text(text).for_rule("k8s-schema")
    messages = " | ".join(p.message for p in problems)
    assert "champ inconnu 'targetPorts'" in messages
    assert "type attendu" in messages and "spec/ports/[0]/port" in messages
    assert "champ obligatoire 'selector' absent" in messages
    unknown = next(p for p in problems if "targetPorts" in p.message)
    assert unknown.line == 6 and unknown.object == "Service/s"


def test_list_items_and_every_pod_bearing_kind_are_walked():
    pod = "{containers: [{name: c, image: 'docker.io/library/busybox:latest'}], initContainers: [{name: i, image: 'docker.io/library/busybox'}]}"
    text = f"""\
apiVersion: v1
kind: List
items:
  - {{apiVersion: v1, kind: Pod, metadata: {{name: p}}, spec: {pod}}}
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: d}}
    spec: {{selector: {{matchLabels: {{a: b}}}}, template: {{metadata: {{labels: {{a: b}}}}, spec: {pod}}}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: s}}
spec: {{serviceName: s, selector: {{matchLabels: {{a: b}}}}, template: {{metadata: {{labels: {{a: b}}}}, spec: {pod}}}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: ds}}
spec: {{selector: {{matchLabels: {{a: b}}}}, template: {{metadata: {{labels: {{a: b}}}}, spec: {pod}}}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: rs}}
spec: {{selector: {{matchLabels: {{a: b}}}}, template: {{metadata: {{labels: {{a: b}}}}, spec: {pod}}}}}
---
apiVersion: batch/v1
kind: Job
metadata: {{name: j}}
spec: {{template: {{spec: {pod}}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: cj}}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{{name: c, image: 'docker.io/library/busybox:latest'}}]
          initContainers:
            - name: i
              image: docker.io/library/busybox
"""
    latest = lint_text(text).for_rule("disallow-latest-tag")
    objects = sorted({p.object for p in latest})
    assert objects == ["CronJob/cj", "DaemonSet/ds", "Deployment/d", "Job/j", "Pod/p", "ReplicaSet/rs",
                       "StatefulSet/s"]
    assert len(latest) == 14                                # every container and init container
    cron_init = [p for p in latest if p.object == "CronJob/cj" and "« i »" in p.message]
    assert cron_init[0].line == text.splitlines().index("              image: docker.io/library/busybox") + 1


def test_directory_walk_finds_each_artefact_kind_and_skips_noise(tmp_path):
    _write(tmp_path / "Dockerfile", "FROM docker.io/library/alpine\nUSER 1001\n")
    _write(tmp_path / "app" / "Dockerfile.api", "FROM docker.io/library/alpine:3.20\nUSER root\n")
    _write(tmp_path / ".gitlab-ci-dso.yml", "stages: [build]\n")
    _write(tmp_path / ".gitlab-ci.yml", "not: [a, manifest\n")            # the project's own CI: ignored
    _write(tmp_path / "k8s" / "svc.yml", NODEPORT)
    _write(tmp_path / "node_modules" / "x" / "bad.yaml", "{{{")
    _write(tmp_path / ".git" / "bad.yaml", "{{{")
    _write(tmp_path / "README.md", "# doc")
    problems = lint_paths([tmp_path])
    files = {Path(p.file).relative_to(tmp_path).as_posix() for p in problems}
    assert files == {"Dockerfile", "app/Dockerfile.api", ".gitlab-ci-dso.yml", "k8s/svc.yml"}
    assert problems.for_rule("dockerfile-base-tag") and problems.for_rule("dockerfile-user-non-root")
    assert problems.for_rule("ci-read-secret-first") and not problems.input_unusable


def test_a_rule_that_crashes_becomes_an_info_problem(monkeypatch):
    from grader.rules.manifests import restrict_nodeport

    def broken(obj, ctx):
        raise KeyError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(restrict_nodeport, "check", broken)
    problems = lint_text(NODEPORT)
    [problem] = problems.for_rule("restrict-nodeport")
    assert problem.severity == "info" and "n'a pas pu s'appliquer" in problem.message


def test_a_ci_file_named_explicitly_is_read_as_ci_even_with_the_plain_gitlab_name(tmp_path):
    path = _write(tmp_path / ".gitlab-ci.yml", "stages: [build]\n")
    problems = lint_paths([path])
    assert problems.for_rule("ci-file-name")[0].message.startswith("Fichier de CI nommé « .gitlab-ci.yml »")
    assert problems.for_rule("k8s-unknown-kind") == []


def test_secret_names():
    from grader.rules.secrets._words import is_literal, secret_key
    for name in ("DB_PASSWORD", "password", "adminPassword", "API_TOKEN", "apiKey", "SECRET_KEY", "clientSecret",
                 "aws_secret_access_key", "PGPASSWD"):
        assert secret_key(name), name
    for name in ("existingSecret", "secretName", "passwordKey", "PASSWORD_FILE", "tokenUrl", "secretKeyRef",
                 "DB_USER", "passwordPolicy", "tokenPath"):
        assert not secret_key(name), name
    assert is_literal("s3cret") and is_literal(1234)
    assert not any(is_literal(v) for v in ("", "changeme", "${DB_PASSWORD}", "$(DB_PASSWORD)", "{{ .Values.x }}",
                                           "ENC[AES256_GCM,data:x]", True))
