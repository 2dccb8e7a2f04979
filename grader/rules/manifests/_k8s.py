"""The one place that knows Kubernetes shapes: where pod specs and containers live in each kind.

Every helper yields `(path, node)`; the path is the evidence of a finding
(`spec/jobTemplate/spec/template/spec/initContainers/[0]/image`).
"""
from __future__ import annotations

from typing import Any, Iterator

# kind → path of the pod spec inside the object
POD_SPEC_PATHS: dict[str, str] = {
    "Pod": "spec",
    "Deployment": "spec/template/spec",
    "StatefulSet": "spec/template/spec",
    "DaemonSet": "spec/template/spec",
    "ReplicaSet": "spec/template/spec",
    "ReplicationController": "spec/template/spec",
    "Job": "spec/template/spec",
    "PodTemplate": "template/spec",
    "CronJob": "spec/jobTemplate/spec/template/spec",
}
WORKLOAD_KINDS = frozenset(POD_SPEC_PATHS) - {"PodTemplate"}
CONTAINER_LISTS = ("initContainers", "containers")


def get(obj: Any, path: str, default: Any = None) -> Any:
    """Value at a slash path (`spec/template/spec`); `default` if any step is missing or not a map."""
    node = obj
    for part in path.split("/") if path else ():
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def kind(obj: Any) -> str:
    return str(obj.get("kind", "")) if isinstance(obj, dict) else ""


def name(obj: Any) -> str:
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return str(meta.get("name") or meta.get("generateName") or "?") if isinstance(meta, dict) else "?"


def namespace(obj: Any) -> str:
    return str(get(obj, "metadata/namespace") or "")


def ref(obj: Any) -> str:
    """`Kind/name` as shown to the learner."""
    return f"{kind(obj) or '?'}/{name(obj)}"


def pod_spec(obj: Any) -> tuple[str, dict] | None:
    path = POD_SPEC_PATHS.get(kind(obj))
    spec = get(obj, path) if path else None
    return (path, spec) if isinstance(spec, dict) else None


def iter_pod_specs(obj: Any) -> Iterator[tuple[str, dict]]:
    found = pod_spec(obj)
    if found:
        yield found


def pod_metadata_path(obj: Any) -> str | None:
    """Path of the pod's metadata (template metadata for workloads)."""
    path = POD_SPEC_PATHS.get(kind(obj))
    if path is None:
        return None
    return path.rpartition("/")[0] + "/metadata" if "/" in path else "metadata"


def pod_labels(obj: Any) -> tuple[str, dict]:
    path = pod_metadata_path(obj) or "metadata"
    labels = get(obj, path + "/labels")
    return path + "/labels", labels if isinstance(labels, dict) else {}


def iter_containers(obj: Any, *, init: bool = True) -> Iterator[tuple[str, dict]]:
    """Every container of a pod-bearing object, init containers first when `init`."""
    for spec_path, spec in iter_pod_specs(obj):
        for field in CONTAINER_LISTS if init else ("containers",):
            items = spec.get(field)
            if not isinstance(items, list):
                continue
            for index, container in enumerate(items):
                if isinstance(container, dict):
                    yield f"{spec_path}/{field}/[{index}]", container


def container_name(container: dict) -> str:
    return str(container.get("name") or "?")


def replicas(obj: Any) -> int:
    value = get(obj, "spec/replicas", 1)
    return value if isinstance(value, int) and value >= 0 else 1


def selector_matches(selector: Any, labels: dict) -> bool:
    """Kubernetes LabelSelector semantics (matchLabels + matchExpressions); empty selects all."""
    if not isinstance(selector, dict):
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        if not isinstance(expr, dict):
            return False
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
          "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18, "m": 10**-3}


def quantity(value: Any) -> float | None:
    """A Kubernetes quantity (`500m`, `1Gi`, `2`) as a number; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    for unit in sorted(_UNITS, key=len, reverse=True):
        if text.endswith(unit):
            number = text[: -len(unit)]
            try:
                return float(number) * _UNITS[unit]
            except ValueError:
                return None
    try:
        return float(text)
    except ValueError:
        return None
