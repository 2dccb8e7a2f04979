"""`trivy config` offline (embedded checks) on a privileged Deployment and on its fixed version."""
from __future__ import annotations

import pytest

from grader import scan
from grader.errors import InputError
from tests.conftest import need_tools

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.local/demo/web:1a2b3c4d
          securityContext: %s
"""
PRIVILEGED = "{privileged: true}"
FIXED = ("{privileged: false, allowPrivilegeEscalation: false, runAsNonRoot: true, "
         "readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}")


def test_privileged_container_is_found_and_the_fix_removes_it(tmp_path):
    need_tools("trivy")                          # built by `make setup` (module 06 scans in CI)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "web.yaml").write_text(DEPLOYMENT % PRIVILEGED)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "web.yaml").write_text(DEPLOYMENT % FIXED)
    bad = {m.id for m in scan.config(tmp_path / "bad")}
    good = {m.id for m in scan.config(tmp_path / "good")}
    assert "KSV-0017" in bad                    # privileged container (Trivy 0.74 IDs: KSV-NNNN)
    assert "KSV-0017" not in good and "KSV-0001" not in good


def test_missing_path_is_a_french_error(tmp_path):
    with pytest.raises(InputError, match="rien à analyser"):
        scan.config(tmp_path / "absent")
