"""Rules on Kubernetes manifests (plain files, `kind: List`, or the output of `helm template`)."""
