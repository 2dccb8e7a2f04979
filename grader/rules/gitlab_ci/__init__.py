"""Rules on the DSO chain's CI file `.gitlab-ci-dso.yml`."""
