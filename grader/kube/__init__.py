"""The Kubernetes client layer: REST access (`client`) and learner manifests (`manifests`).

It depends only on `grader.errors`; `grader.cluster` and `grader.checks` both build on it.
"""
