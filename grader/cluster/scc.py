"""OpenShift's `restricted-v2` SCC, the part the kit reproduces on any backend: the random UID.

On OpenShift each project gets a range of UIDs (annotation `openshift.io/sa.scc.uid-range`, blocks of
10,000 from 1,000,000,000); a pod that chooses no UID runs as the first UID of its project's range, with
group 0, so an image must work whatever its UID. Here `envs.manifests` gives each environment namespace
its range (derived from its name: stable, and distinct between namespaces in practice), and a
MutatingAdmissionPolicy (`scc-restricted-uid.yaml`) sets `runAsUser` on such pods and marks them
`openshift.io/scc: restricted-v2`. Not reproduced: fsGroup, supplemental groups, SELinux labels, the
refusal of a UID outside the range (the kit's policy 3 advises instead, see `policies/`).
"""
from __future__ import annotations

import zlib
from pathlib import Path

import yaml

UID_RANGE_ANNOTATION = "openshift.io/sa.scc.uid-range"
SCC_ANNOTATION = "openshift.io/scc"
FIRST_UID, BLOCK, BLOCKS = 1_000_000_000, 10_000, 100_000
POLICY_FILE = Path(__file__).with_name("scc-restricted-uid.yaml")


def uid_range(namespace: str) -> str:
    """The namespace's UID range, `<first>/<size>` as OpenShift writes it (pure)."""
    block = zlib.crc32(namespace.encode()) % BLOCKS
    return f"{FIRST_UID + block * BLOCK}/{BLOCK}"


def first_uid(annotation: str) -> int | None:
    """The UID a pod gets from a range annotation; None when it is not one (pure)."""
    first, _, size = (annotation or "").partition("/")
    return int(first) if first.isdigit() and size.isdigit() else None


def objects() -> list[dict]:
    """The MutatingAdmissionPolicy and its binding (namespaces with an environment type)."""
    return [doc for doc in yaml.safe_load_all(POLICY_FILE.read_text(encoding="utf-8")) if doc]
