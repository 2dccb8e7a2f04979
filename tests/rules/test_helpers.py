"""Pure helpers the rules share: quantities, label selectors, image references, the registries data."""
from __future__ import annotations

import pytest

from grader.rules.images import allowed, is_harbor, parse_image
from grader.rules.manifests._k8s import pod_labels, quantity, selector_matches


@pytest.mark.parametrize(("text", "value"), [("500m", 0.5), ("2", 2.0), (1, 1.0), ("1Gi", 2**30), ("1Ti", 2**40),
                                             ("1k", 1000.0), ("1.5G", 1.5e9), ("abc", None), (True, None), ("", None)])
def test_quantity(text, value):
    assert quantity(text) == value


def test_selector_semantics():
    labels = {"app": "api", "tier": "backend"}
    assert selector_matches({}, labels)                                   # empty selects all
    assert selector_matches({"matchLabels": {"app": "api"}}, labels)
    assert not selector_matches({"matchLabels": {"app": "web"}}, labels)
    assert selector_matches({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]}, labels)
    assert not selector_matches({"matchExpressions": [{"key": "env", "operator": "Exists"}]}, labels)
    assert selector_matches({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}, labels)
    assert not selector_matches({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["api"]}]}, labels)
    assert not selector_matches(None, labels)


def test_pod_labels_of_each_shape():
    cron = {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}}}}
    assert pod_labels(cron) == ("spec/jobTemplate/spec/template/metadata/labels", {"a": "b"})
    assert pod_labels({"kind": "Pod", "metadata": {"labels": {"x": "y"}}}) == ("metadata/labels", {"x": "y"})


@pytest.mark.parametrize(("text", "name", "tag", "digest", "registry"), [
    ("nginx", "nginx", None, None, None),
    ("nginx:1.27", "nginx", "1.27", None, None),
    ("localhost:5001/app:1.0", "localhost:5001/app", "1.0", None, "localhost:5001"),
    ("localhost:5001/app", "localhost:5001/app", None, None, "localhost:5001"),
    ("ghcr.io/o/app@sha256:ab", "ghcr.io/o/app", None, "sha256:ab", "ghcr.io"),
    ("bitnami/redis:7.4", "bitnami/redis", "7.4", None, None),
])
def test_parse_image(text, name, tag, digest, registry):
    image = parse_image(text)
    assert (image.name, image.tag, image.digest, image.registry) == (name, tag, digest, registry)


def test_allowed_registries_come_from_the_data_file():
    assert allowed("docker.io/library/nginx:1.27") and allowed("bitnami/redis:7.4")
    assert allowed("cpin/demo:1") and allowed("localhost:5001/x:1") and allowed("kind-registry:5000/x:1")
    assert allowed("harbor.apps.ministere.fr/p/x:1") and is_harbor("harbor.dso.example.fr/p/x:1")
    assert not allowed("nginx:1.27") and not allowed("gcr.io/distroless/static:nonroot")
    assert not allowed("evil.io/docker.io/x:1")
