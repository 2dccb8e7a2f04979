"""The kit's training vulnerability DB: advisories → fixtures (pure), the DB built by the `vulndb`
program, and real `trivy fs` scans against it, offline."""
from __future__ import annotations

import pytest
import yaml

from grader import scan, vulndb
from grader.errors import InputError
from tests.conftest import need_tools


def test_every_shipped_advisory_loads_and_is_a_real_identifier():
    advisories = vulndb.load()
    assert len(advisories) >= 5
    for adv in advisories:
        assert adv.id.startswith("CVE-") and adv.ghsa.startswith("GHSA-")
        assert any(adv.id in ref for ref in adv.references)          # each entry keeps its source
    assert {a.severity for a in advisories} >= {"CRITICAL", "HIGH", "MEDIUM"}


def test_fixtures_follow_trivy_db_buckets():
    adv = vulndb.load()[0]
    files = vulndb.fixtures([adv])
    source, = files["data-source.yaml"][0]["pairs"]
    assert source["key"] == "pip::GitHub Security Advisory Pip" and source["value"]["ID"] == "ghsa"
    package, = files["advisories.yaml"][0]["pairs"]
    assert package["bucket"] == adv.package
    assert package["pairs"][0] == {"key": adv.id, "value": {"PatchedVersions": list(adv.patched),
                                                            "VulnerableVersions": list(adv.vulnerable)}}
    detail, = files["vulnerability.yaml"][0]["pairs"]
    assert detail["value"]["Severity"] == adv.severity


@pytest.mark.parametrize("mutation, message", [
    (lambda e: e.pop("package"), "champs manquants : package"),
    (lambda e: e.update(severity="TERRIBLE"), "sévérité « TERRIBLE » inconnue"),
    (lambda e: e.update(ecosystem="cobol"), "écosystème « cobol » inconnu"),
])
def test_a_bad_advisory_is_named_in_french(tmp_path, mutation, message):
    data = yaml.safe_load(vulndb.ADVISORIES.read_text())
    mutation(data["advisories"][2])
    path = tmp_path / "advisories.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=f"avis n° 3 .*{message}"):
        vulndb.load(path)


@pytest.fixture(scope="module")
def db():
    need_tools("vulndb", "trivy")
    return vulndb.build(log=lambda message: None)


def test_db_is_rebuilt_only_when_advisories_change(db):
    before = db.stat().st_mtime_ns
    assert vulndb.build(log=lambda message: None) == db and db.stat().st_mtime_ns == before
    meta = (db.parent / "metadata.json").read_text()
    assert '"Version":2' in meta.replace(" ", "")


def test_outdated_dependency_is_found_and_the_update_scans_clean(db, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "requirements.txt").write_text("urllib3==1.22\n")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "requirements.txt").write_text("urllib3==2.8.0\n")
    old, report = scan.vulnerabilities(tmp_path / "old")
    assert old[0].id == "CVE-2018-20060" and old[0].severity == "CRITICAL"
    assert (old[0].package, old[0].installed, old[0].fixed) == ("urllib3", "1.22", "1.23")
    assert {v.id for v in old} == {a.id for a in vulndb.load() if a.package == "urllib3"}  # 1.22 predates them all
    assert report["Results"][0]["Target"] == "requirements.txt"
    new, _ = scan.vulnerabilities(tmp_path / "new")
    assert new == []


def test_missing_directory_is_a_french_error(tmp_path):
    with pytest.raises(InputError, match="rien à analyser"):
        scan.vulnerabilities(tmp_path / "absent")
